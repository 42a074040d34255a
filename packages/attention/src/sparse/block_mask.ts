/**
 * BlockMask: which key blocks each query block visits, as data (after PyTorch
 * FlexAttention's BlockMask, Dong et al. 2024), so one kernel serves every
 * pattern: sliding windows (Mistral, Longformer), global tokens, BigBird,
 * documents, prefix-LM, and any predicate.
 *
 * Layout: CSR over rows (b, h, query block) with, per visited key block, a flag
 * full (no masking inside: the kernel runs the plain tile) or partial (the
 * element predicate decides each (i, j) inside). Memory is O(visited blocks),
 * never O(Tq * Tk). A builder that does not depend on batch or head stores one
 * layout with B = H = 1 that broadcasts to every (b, h).
 *
 * Invariant (every builder and combinator keeps it, tests check it): the
 * predicate is the exact element mask; a block absent from a row has no
 * visible element, a full block has only visible elements, a partial block
 * may have either.
 */
import type { MaskPredicate } from '@tessera/tensor';
import { Layout } from './layout';
import { registerMask, releaseMask } from './registry';
import { ResolvedShape } from './shape';

/** What a builder hands to {@link BlockMask.create}. */
export interface BlockMaskInit {
  /** Batch size the layout was built for; 1 broadcasts over any batch. */
  B: number;
  /** Query heads the layout was built for; 1 broadcasts over any number of heads. */
  H: number;
  shape: ResolvedShape;
  layout: Layout;
  /** Exact element mask, called with b in [0, B) and h in [0, H) of this mask. */
  predicate: MaskPredicate;
  /** e.g. "slidingWindow(left=256, right=0)"; shown in errors and plots. */
  description: string;
  /** Bytes held by the predicate's closure (segment ids, global flags, ...). */
  auxBytes?: number;
}

/** Block counts of a mask. */
export interface BlockMaskStats {
  /** Visited (b, h, query block, key block) entries. */
  visited: number;
  full: number;
  partial: number;
  /** visited / (rows * key blocks): the fraction of the dense work done. */
  density: number;
}

/**
 * A block-sparse attention mask. Build one with a builder (`slidingWindow`,
 * `causal`, `globalTokens`, `bigBird`, `documents`, `prefixLM`,
 * `dilatedWindow`, `fromPredicate`) or combine masks with `and`/`or`; pass it
 * to `blockSparseAttention`. Call `dispose()` when done (the kernels find the
 * mask through a registry, see registry.ts).
 *
 * @example
 * const mask = slidingWindow({ left: 256, right: 0 }, { Tq: 4096 });
 * mask.stats(); // { visited: 310, full: 186, partial: 124, density: 0.0757 }
 * mask.dispose();
 */
export class BlockMask {
  readonly id: number;
  readonly B: number;
  readonly H: number;
  readonly Tq: number;
  readonly Tk: number;
  readonly blockSize: number;
  /** ceil(Tq / blockSize) */
  readonly numQueryBlocks: number;
  /** ceil(Tk / blockSize) */
  readonly numKeyBlocks: number;
  /** B * H * numQueryBlocks + 1 offsets into colIdx/partial. */
  readonly rowPtr: Int32Array;
  /** Visited key blocks, ascending per row. */
  readonly colIdx: Int32Array;
  /** 1 = partial (predicate decides inside), 0 = full. */
  readonly partial: Uint8Array;
  readonly predicate: MaskPredicate;
  readonly description: string;
  private readonly auxBytes: number;
  private disposedFlag = false;

  private constructor(id: number, init: BlockMaskInit) {
    this.id = id;
    this.B = init.B;
    this.H = init.H;
    this.Tq = init.shape.Tq;
    this.Tk = init.shape.Tk;
    this.blockSize = init.shape.blockSize;
    this.numQueryBlocks = init.shape.nQ;
    this.numKeyBlocks = init.shape.nK;
    this.rowPtr = init.layout.rowPtr;
    this.colIdx = init.layout.colIdx;
    this.partial = init.layout.partial;
    this.predicate = init.predicate;
    this.description = init.description;
    this.auxBytes = init.auxBytes ?? 0;
  }

  /**
   * Builds and registers a mask. For builders: `init` must satisfy the
   * invariant above (tests check it with densify); users call the builders.
   */
  static create(init: BlockMaskInit): BlockMask {
    return registerMask((id) => new BlockMask(id, init));
  }

  /** The shape this mask was built for (as builders accept it). */
  get shape(): ResolvedShape {
    return { Tq: this.Tq, Tk: this.Tk, blockSize: this.blockSize, nQ: this.numQueryBlocks, nK: this.numKeyBlocks, shift: this.Tk - this.Tq };
  }

  /** CSR row of (b, h, qb); b and h of a broadcast (size-1) axis map to 0. */
  row(b: number, h: number, qb: number): number {
    const mb = this.B === 1 ? 0 : b;
    const mh = this.H === 1 ? 0 : h;
    return (mb * this.H + mh) * this.numQueryBlocks + qb;
  }

  /** Element predicate of (b, h) of the attention call, as (i, j) => visible. */
  predicateFor(b: number, h: number): (i: number, j: number) => boolean {
    const mb = this.B === 1 ? 0 : b;
    const mh = this.H === 1 ? 0 : h;
    const p = this.predicate;
    return (i, j) => p(mb, mh, i, j);
  }

  /** Bytes this mask holds: the CSR arrays plus what its predicate captured. O(visited blocks). */
  get numBytes(): number {
    return this.rowPtr.byteLength + this.colIdx.byteLength + this.partial.byteLength + this.auxBytes;
  }

  stats(): BlockMaskStats {
    let partial = 0;
    for (let e = 0; e < this.partial.length; e++) partial += this.partial[e];
    const visited = this.colIdx.length;
    const rows = this.rowPtr.length - 1;
    return { visited, full: visited - partial, partial, density: visited / (rows * this.numKeyBlocks) };
  }

  get isDisposed(): boolean {
    return this.disposedFlag;
  }

  /** Releases the mask from the kernel registry; it can no longer be passed to an op. */
  dispose(): void {
    this.disposedFlag = true;
    releaseMask(this.id);
  }

  toString(): string {
    return `BlockMask(${this.description}; B=${this.B}, H=${this.H}, Tq=${this.Tq}, Tk=${this.Tk}, blockSize=${this.blockSize})`;
  }
}

/**
 * True for a BlockMask (also across duplicated module copies).
 * @example isBlockMask(causal({ Tq: 8 })); // true
 */
export function isBlockMask(x: unknown): x is BlockMask {
  return x instanceof BlockMask || (typeof x === 'object' && x !== null && (x as { constructor?: { name?: string } }).constructor?.name === 'BlockMask' && 'rowPtr' in x);
}
