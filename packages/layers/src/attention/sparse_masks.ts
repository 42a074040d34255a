/**
 * BlockMasks for `attention: 'sparse'`, built from the layer's SparseConfig,
 * window and causal flag for each sequence length the layer sees. A BlockMask
 * must stay alive until its gradient has run (the kernels look it up by id),
 * so masks that depend only on (Tq, Tk, causal) are cached for the layer's
 * lifetime, and masks that also encode a padding mask (they depend on the
 * batch's data) live in a short queue: the last `PER_CALL_KEEP` of them stay
 * alive, long after the backward pass of the step that built them.
 */
import { BlockMask, and, bigBird, causal, fromPredicate, globalTokens, or, slidingWindow } from '@tessera/attention';
import { fail } from '@tessera/tensor';
import type { SparseConfig } from './attention_config';

const PER_CALL_KEEP = 8;

export interface SparseMaskRequest {
  Tq: number;
  Tk: number;
  causal: boolean;
  window: [number, number] | null;
  /** Host copy of a [B, Tk] padding mask, or null. */
  keyMask: { data: ArrayLike<number | boolean>; B: number } | null;
}

const ext = (w: number): number => (w < 0 ? Infinity : w);

export class SparseMasks {
  private shared = new Map<string, BlockMask>();
  private perCall: BlockMask[] = [];

  constructor(private readonly config: SparseConfig, private readonly where: string) {}

  /** The mask for one call (owned by this object: do not dispose it). */
  get(r: SparseMaskRequest): BlockMask {
    const key = `${r.Tq}x${r.Tk}:${r.causal}:${r.window ? r.window.join(',') : ''}`;
    let base = this.shared.get(key);
    if (!base) {
      base = this.build(r);
      this.shared.set(key, base);
    }
    if (!r.keyMask) return base;
    const { data, B } = r.keyMask;
    const Tk = r.Tk;
    const pad = fromPredicate((b, _h, _i, j) => Boolean(data[b * Tk + j]), { B, Tq: r.Tq, Tk, blockSize: base.blockSize });
    const m = and(base, pad);
    pad.dispose();
    this.perCall.push(m);
    while (this.perCall.length > PER_CALL_KEEP) (this.perCall.shift() as BlockMask).dispose();
    return m;
  }

  private build(r: SparseMaskRequest): BlockMask {
    const c = this.config;
    const shape = { Tq: r.Tq, Tk: r.Tk, blockSize: c.blockSize !== undefined ? Math.min(c.blockSize, 2 ** Math.floor(Math.log2(Math.max(r.Tq, r.Tk)))) : undefined };
    const parts: BlockMask[] = [];
    const temps: BlockMask[] = [];
    const keep = (m: BlockMask): BlockMask => (temps.push(m), m);
    let pattern: BlockMask | null = null;
    if (c.bigBird) pattern = keep(bigBird(c.bigBird, shape));
    else if (r.window) pattern = keep(slidingWindow({ left: ext(r.window[0]), right: ext(r.window[1]) }, shape));
    if (pattern && c.globalTokens && c.globalTokens.length > 0) pattern = keep(or(pattern, keep(globalTokens(c.globalTokens, shape))));
    if (!pattern && !r.causal) {
      temps.forEach((m) => m.dispose());
      fail(this.where, "attention 'sparse' needs a pattern: attentionOptions.window, attentionOptions.sparse.bigBird, or useCausalMask (a full mask is dense attention: use 'flash')");
    }
    if (pattern) parts.push(pattern);
    if (r.causal) parts.push(keep(causal(shape)));
    if (r.window && c.bigBird) parts.push(keep(slidingWindow({ left: ext(r.window[0]), right: ext(r.window[1]) }, shape)));
    const out = parts.length === 1 ? parts[0] : and(...parts);
    temps.filter((m) => m !== out).forEach((m) => m.dispose());
    return out;
  }

  dispose(): void {
    this.shared.forEach((m) => m.dispose());
    this.shared.clear();
    this.perCall.forEach((m) => m.dispose());
    this.perCall = [];
  }
}
