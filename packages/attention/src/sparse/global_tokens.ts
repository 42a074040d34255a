/**
 * Global tokens (Longformer's global attention, Beltagy et al. 2020, section
 * 3.1; BigBird's global tokens, Zaheer et al. 2020): the listed positions
 * attend to every key and every query attends to them. Positions are key
 * positions; query i is global when its aligned position i + Tk - Tq is listed.
 * Usually OR-ed with a window: `or(slidingWindow(...), globalTokens(...))`.
 *
 * Blocks (exact): a query block with a global query visits every key block;
 * any other query block visits only the key blocks holding a global key. A
 * block is full when all its queries, or all its keys, are global.
 * Memory: the CSR plus one byte per key for the predicate.
 */
import { fail, formatValue } from '@tessera/tensor';
import { BlockMask } from './block_mask';
import { LayoutBuilder } from './layout';
import { BlockMaskShape, resolveShape } from './shape';

/**
 * @param indices distinct integer key positions in [0, Tk), e.g. the [CLS] token or question tokens.
 * @param shape `{Tq, Tk = Tq, blockSize = 64}`.
 * @example
 * const mask = or(slidingWindow({ left: 256, right: 256 }, { Tq: 4096 }), globalTokens([0], { Tq: 4096 }));
 */
export function globalTokens(indices: ArrayLike<number>, shape: BlockMaskShape): BlockMask {
  const where = 'globalTokens';
  const s = resolveShape(shape, where);
  const { Tq, Tk, blockSize: bs, nQ, nK, shift } = s;
  if (!Array.isArray(indices) && !ArrayBuffer.isView(indices)) fail(where, `indices must be an array of key positions, received ${formatValue(indices)}`);
  const isGlobal = new Uint8Array(Tk);
  for (let n = 0; n < indices.length; n++) {
    const g = indices[n];
    if (typeof g !== 'number' || !Number.isInteger(g) || g < 0 || g >= Tk) fail(where, `indices[${n}] must be an integer key position in [0, ${Tk}) (Tk=${Tk}), received ${formatValue(g)}`);
    if (isGlobal[g]) fail(where, `indices must be distinct, received ${g} more than once: ${formatValue(indices)}`);
    isGlobal[g] = 1;
  }
  // prefix[p] = number of global positions < p, so a block's count is one subtraction.
  const prefix = new Int32Array(Tk + 1);
  for (let p = 0; p < Tk; p++) prefix[p + 1] = prefix[p] + isGlobal[p];
  const countIn = (lo: number, hi: number): number => {
    // global positions in [lo, hi], clipped to [0, Tk)
    const a = Math.max(0, lo);
    const b = Math.min(Tk - 1, hi);
    return b < a ? 0 : prefix[b + 1] - prefix[a];
  };
  const keyBlocks: number[] = [];
  for (let kb = 0; kb < nK; kb++) if (countIn(kb * bs, kb * bs + bs - 1) > 0) keyBlocks.push(kb);
  const keyBlockFull = (kb: number): boolean => countIn(kb * bs, kb * bs + bs - 1) === Math.min(Tk, kb * bs + bs) - kb * bs;

  const out = new LayoutBuilder(nQ);
  for (let qb = 0; qb < nQ; qb++) {
    const c0 = qb * bs + shift;
    const c1 = Math.min(Tq, qb * bs + bs) - 1 + shift;
    const globalQueries = countIn(c0, c1);
    if (globalQueries === c1 - c0 + 1) {
      for (let kb = 0; kb < nK; kb++) out.push(kb, false);
    } else if (globalQueries > 0) {
      for (let kb = 0; kb < nK; kb++) out.push(kb, !keyBlockFull(kb));
    } else {
      for (const kb of keyBlocks) out.push(kb, !keyBlockFull(kb));
    }
    out.endRow();
  }
  return BlockMask.create({
    B: 1,
    H: 1,
    shape: s,
    layout: out.finish(),
    predicate: (_b, _h, i, j) => isGlobal[j] === 1 || (i + shift >= 0 && isGlobal[i + shift] === 1),
    description: `globalTokens(${indices.length} tokens)`,
    auxBytes: isGlobal.byteLength,
  });
}
