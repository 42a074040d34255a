/**
 * The forward tile routine of FlashAttention-2 (Dao 2023, Algorithm 1): one
 * query tile [i0, i1) of one (b, h) streams the given key ranges chunk by
 * chunk (Bc keys), keeping per row a running max m, a running sum l and an
 * unnormalised output acc; when the max grows, l and acc are rescaled by
 * exp(m_old - m_new). Nothing of size Tq x Tk ever exists.
 */
import type { ElementPredicate, KeyRange } from './flash_types';
import { addWeightedRows } from './row_updates';
import { scoreTile } from './scores';
import type { ForwardWorkspace, TileProblem } from './tile_problem';

/**
 * Computes out[b, h, i0:i1, :] and lse[b, h, i0:i1] from the keys in `ranges[0..nRanges)`.
 * Only `partial` ranges consult `pred`; keys outside every range are masked.
 */
export function forwardTile(
  p: TileProblem,
  ws: ForwardWorkspace,
  b: number,
  h: number,
  i0: number,
  i1: number,
  ranges: readonly KeyRange[],
  nRanges: number,
  pred: ElementPredicate | null,
  out: Float32Array,
  lse: Float32Array,
): void {
  const { H, Hkv, Tq, Tk, D, Dv } = p.dims;
  const { q, k, v, scale, softcap, bc } = p;
  const kh = Math.floor(h / p.G);
  const slope = p.alibiSlopes !== null ? p.alibiSlopes[h] : 0;
  const qBase = (b * H + h) * Tq * D;
  const kBase = (b * Hkv + kh) * Tk * D;
  const vBase = (b * Hkv + kh) * Tk * Dv;
  const shift = Tk - Tq;
  const { s, m, l, acc } = ws;
  const rows = i1 - i0;
  m.fill(-Infinity, 0, rows);
  l.fill(0, 0, rows);
  acc.fill(0, 0, rows * Dv);
  for (let ri = 0; ri < nRanges; ri++) {
    const range = ranges[ri];
    const partial = range.partial && pred !== null;
    for (let j0 = range.start; j0 < range.end; j0 += bc) {
      const cw = Math.min(bc, range.end - j0);
      scoreTile(q, qBase + i0 * D, rows, k, kBase + j0 * D, D, cw, scale, softcap, slope, j0, i0 + shift, s, bc, null);
      for (let r = 0; r < rows; r++) {
        const so = r * bc;
        if (partial) for (let jj = 0; jj < cw; jj++) if (!pred!(b, h, i0 + r, j0 + jj)) s[so + jj] = -Infinity;
        // Chunk max; a NaN score (NaN in q or k) must reach the output, not vanish from the max.
        let mx = -Infinity;
        let nan = false;
        for (let jj = 0; jj < cw; jj++) {
          const x = s[so + jj];
          if (x > mx) mx = x;
          else if (x !== x) nan = true;
        }
        if (nan) mx = NaN;
        else if (mx === -Infinity) continue; // every key of this chunk is masked for this row
        const mOld = m[r];
        const mNew = mOld > mx ? mOld : mx;
        const ao = r * Dv;
        if (mNew !== mOld) {
          // exp(-Infinity) = 0 on the first visited chunk, so no special case.
          const corr = Math.exp(mOld - mNew);
          l[r] *= corr;
          for (let e = 0; e < Dv; e++) acc[ao + e] *= corr;
          m[r] = mNew;
        }
        let sum = 0;
        for (let jj = 0; jj < cw; jj++) {
          const pj = Math.exp(s[so + jj] - mNew);
          s[so + jj] = pj;
          sum += pj;
        }
        l[r] += sum;
        addWeightedRows(acc, ao, s, so, v, vBase + j0 * Dv, Dv, cw); // acc_r += sum_j p_j v_j
      }
    }
  }
  const oBase = (b * H + h) * Tq;
  for (let r = 0; r < rows; r++) {
    const row = oBase + i0 + r;
    const oo = row * Dv;
    const ao = r * Dv;
    if (m[r] === -Infinity) {
      // The row saw no key: zeros, lse -Infinity (as attentionReference).
      out.fill(0, oo, oo + Dv);
      lse[row] = -Infinity;
      continue;
    }
    const inv = 1 / l[r];
    for (let e = 0; e < Dv; e++) out[oo + e] = acc[ao + e] * inv;
    lse[row] = m[r] + Math.log(l[r]);
  }
}
