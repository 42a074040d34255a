/**
 * The forward tile routine of FlashAttention-2 (Dao 2023, Algorithm 1): one
 * query tile [i0, i1) of one (b, h) streams the given key ranges chunk by
 * chunk (Bc keys), keeping per row a running max m, a running sum l and an
 * unnormalised output acc; when the max grows, l and acc are rescaled by
 * exp(m_old - m_new). Nothing of size Tq x Tk ever exists.
 */
import type { ElementPredicate, KeyRange } from './flash_types';
import { scoreChunk } from './scores';
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
      for (let r = 0; r < rows; r++) {
        const i = i0 + r;
        scoreChunk(q, qBase + i * D, k, kBase + j0 * D, D, cw, scale, softcap, slope, j0, i + shift, s, null);
        if (partial) for (let jj = 0; jj < cw; jj++) if (!pred!(b, h, i, j0 + jj)) s[jj] = -Infinity;
        // Chunk max; a NaN score (NaN in q or k) must reach the output, not vanish from the max.
        let mx = -Infinity;
        let nan = false;
        for (let jj = 0; jj < cw; jj++) {
          const x = s[jj];
          if (x > mx) mx = x;
          else if (x !== x) nan = true;
        }
        if (nan) mx = NaN;
        else if (mx === -Infinity) continue; // every key of this chunk is masked for row i
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
        let jj = 0;
        // acc += p_j v_j, four keys per pass over the Dv-long row.
        for (; jj + 3 < cw; jj += 4) {
          const p0 = Math.exp(s[jj] - mNew);
          const p1 = Math.exp(s[jj + 1] - mNew);
          const p2 = Math.exp(s[jj + 2] - mNew);
          const p3 = Math.exp(s[jj + 3] - mNew);
          sum += p0 + p1 + p2 + p3;
          const v0 = vBase + (j0 + jj) * Dv;
          const v1 = v0 + Dv;
          const v2 = v1 + Dv;
          const v3 = v2 + Dv;
          for (let e = 0; e < Dv; e++) acc[ao + e] += p0 * v[v0 + e] + p1 * v[v1 + e] + p2 * v[v2 + e] + p3 * v[v3 + e];
        }
        for (; jj < cw; jj++) {
          const p0 = Math.exp(s[jj] - mNew);
          if (p0 === 0) continue; // masked key: never let 0 * v (v may be Inf/NaN) touch the row
          sum += p0;
          const v0 = vBase + (j0 + jj) * Dv;
          for (let e = 0; e < Dv; e++) acc[ao + e] += p0 * v[v0 + e];
        }
        l[r] += sum;
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
