/**
 * A BlockMask from any element predicate (FlexAttention's create_block_mask
 * over a mask_mod): every (b, h, i, j) is evaluated once at build time to
 * classify the blocks, so building costs O(B * H * Tq * Tk) predicate calls
 * (seconds at n = 16k; prefer an analytic builder or a combination of them for
 * long sequences). The kernels then call the predicate again only inside
 * partial blocks. Memory stays O(visited blocks).
 *
 * The predicate must be pure (same answer for the same arguments) and return a
 * boolean; it is called with b in [0, B) and h in [0, H) of the mask.
 */
import type { MaskPredicate } from '@tessera/tensor';
import { assertInteger, assertKnownOptions, fail, formatValue } from '@tessera/tensor';
import { BlockMask } from './block_mask';
import { LayoutBuilder } from './layout';
import { resolveShape } from './shape';

/** Sizes for {@link fromPredicate}. */
export interface PredicateMaskShape {
  /** Batch size the predicate depends on; default 1 (shared by every batch). */
  B?: number;
  /** Query heads the predicate depends on; default 1 (shared by every head). */
  H?: number;
  Tq: number;
  /** Default Tq. */
  Tk?: number;
  /** Default 64 (clamped for short sequences). */
  blockSize?: number;
}

/**
 * @param predicate `(b, h, q, k) => boolean`: may query q attend key k in batch b, head h.
 * @param shape `{B = 1, H = 1, Tq, Tk = Tq, blockSize = 64}`.
 * @example
 * // every query sees the keys of its own 16-token chunk and the previous chunk
 * const mask = fromPredicate((b, h, q, k) => k <= q && (q >> 4) - (k >> 4) <= 1, { Tq: 1024 });
 */
export function fromPredicate(predicate: MaskPredicate, shape: PredicateMaskShape): BlockMask {
  const where = 'fromPredicate';
  if (typeof predicate !== 'function') fail(where, `predicate must be a function (b, h, q, k) => boolean, received ${formatValue(predicate)}`);
  if (typeof shape !== 'object' || shape === null) fail(where, `shape must be {B?, H?, Tq, Tk?, blockSize?}, received ${formatValue(shape)}`);
  assertKnownOptions(shape, ['B', 'H', 'Tq', 'Tk', 'blockSize'], 'shape', where);
  const B = shape.B ?? 1;
  const H = shape.H ?? 1;
  assertInteger(B, 'shape.B', where);
  assertInteger(H, 'shape.H', where);
  const s = resolveShape({ Tq: shape.Tq, Tk: shape.Tk, blockSize: shape.blockSize }, where);
  const { Tq, Tk, blockSize: bs, nQ, nK } = s;
  const call = (b: number, h: number, i: number, j: number): boolean => {
    let r: unknown;
    try {
      r = predicate(b, h, i, j);
    } catch (e) {
      fail(where, `predicate threw at (b=${b}, h=${h}, q=${i}, k=${j}): ${(e as Error)?.message ?? String(e)}`);
    }
    if (typeof r !== 'boolean') fail(where, `predicate must return a boolean, received ${formatValue(r)} at (b=${b}, h=${h}, q=${i}, k=${j})`);
    return r;
  };
  const out = new LayoutBuilder(B * H * nQ);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let qb = 0; qb < nQ; qb++) {
        const i1 = Math.min(Tq, qb * bs + bs);
        for (let kb = 0; kb < nK; kb++) {
          const j1 = Math.min(Tk, kb * bs + bs);
          let seen = 0;
          for (let i = qb * bs; i < i1; i++) for (let j = kb * bs; j < j1; j++) if (call(b, h, i, j)) seen++;
          if (seen > 0) out.push(kb, seen < (i1 - qb * bs) * (j1 - kb * bs));
        }
        out.endRow();
      }
  return BlockMask.create({
    B,
    H,
    shape: s,
    layout: out.finish(),
    predicate,
    description: `fromPredicate(${predicate.name || 'anonymous'})`,
  });
}
