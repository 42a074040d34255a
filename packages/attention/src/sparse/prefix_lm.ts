/**
 * Prefix-LM mask (Raffel et al. 2020, T5, section 3.2.1; also UniLM and
 * PaLI): the first `prefixLength` keys (the prompt, encoded bidirectionally)
 * are visible to every query, the rest causally: key j is visible to query i
 * iff j < prefixLength or j <= i + Tk - Tq (bottom-right aligned).
 *
 * Blocks (exact, analytic): a block is full when its last key is in the prefix
 * or at or before its first query's position.
 */
import { fail, formatValue } from '@tessera/tensor';
import { BlockMask } from './block_mask';
import { LayoutBuilder } from './layout';
import { BlockMaskShape, resolveShape } from './shape';

/**
 * @param prefixLength integer in [0, Tk]: keys [0, prefixLength) are bidirectional.
 * @param shape `{Tq, Tk = Tq, blockSize = 64}`.
 * @example
 * const mask = prefixLM(512, { Tq: 2048 }); // 512 prompt tokens, then causal
 */
export function prefixLM(prefixLength: number, shape: BlockMaskShape): BlockMask {
  const where = 'prefixLM';
  const s = resolveShape(shape, where);
  const { Tq, Tk, blockSize: bs, nQ, shift } = s;
  if (typeof prefixLength !== 'number' || !Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > Tk) {
    fail(where, `prefixLength must be an integer in [0, Tk=${Tk}], received ${formatValue(prefixLength)}`);
  }
  const P = prefixLength;
  const out = new LayoutBuilder(nQ);
  for (let qb = 0; qb < nQ; qb++) {
    const c0 = qb * bs + shift;
    const c1 = Math.min(Tq, qb * bs + bs) - 1 + shift;
    const jmax = Math.min(Tk - 1, Math.max(P - 1, c1));
    if (jmax >= 0) {
      for (let kb = 0; kb <= Math.floor(jmax / bs); kb++) {
        const j1 = Math.min(Tk, kb * bs + bs) - 1;
        out.push(kb, !(j1 < P || j1 <= c0));
      }
    }
    out.endRow();
  }
  return BlockMask.create({
    B: 1,
    H: 1,
    shape: s,
    layout: out.finish(),
    predicate: (_b, _h, i, j) => j < P || j <= i + shift,
    description: `prefixLM(${P})`,
  });
}
