/**
 * Analytic block classification of a band: with c = i + Tk - Tq (bottom-right
 * alignment), key j is visible to query i iff c - left <= j <= c + right
 * (left/right may be Infinity). Because both band edges move by exactly one key
 * per query, the keys any query of a block sees form one contiguous range, so
 * each row's visited key blocks are computed directly, in O(visited blocks):
 *
 *  - visited: key blocks overlapping [c0 - left, c1 + right] (c0, c1 = first and last query of the block);
 *  - full:    every query of the block sees every key of the block, i.e.
 *             c1 - left <= j0 and c0 + right >= j1 (j0, j1 = first and last key).
 */
import { Layout, LayoutBuilder } from './layout';
import { ResolvedShape } from './shape';

/**
 * Layout (one row per query block, B = H = 1) of the band [c - left, c + right].
 * With `allPartial`, every visited block is partial (for patterns that are
 * sparser than their band, e.g. a dilated window).
 */
export function bandLayout(s: ResolvedShape, left: number, right: number, allPartial = false): Layout {
  const { Tq, Tk, blockSize: bs, nQ, shift } = s;
  const out = new LayoutBuilder(nQ);
  for (let qb = 0; qb < nQ; qb++) {
    const c0 = qb * bs + shift;
    const c1 = Math.min(Tq, (qb + 1) * bs) - 1 + shift;
    const jmin = Math.max(0, c0 - left);
    const jmax = Math.min(Tk - 1, c1 + right);
    if (jmin <= jmax) {
      for (let kb = Math.floor(jmin / bs); kb <= Math.floor(jmax / bs); kb++) {
        const j0 = kb * bs;
        const j1 = Math.min(Tk, j0 + bs) - 1;
        const full = !allPartial && c1 - left <= j0 && c0 + right >= j1;
        out.push(kb, !full);
      }
    }
    out.endRow();
  }
  return out.finish();
}

/** The band's element predicate, closing over numbers only. */
export function bandPredicate(shift: number, left: number, right: number): (b: number, h: number, i: number, j: number) => boolean {
  return (_b, _h, i, j) => {
    const c = i + shift;
    return j >= c - left && j <= c + right;
  };
}
