/**
 * The backward tile routine of FlashAttention-2 (Dao 2023, Algorithm 2),
 * organised by query tile so it streams exactly the key ranges the forward
 * streamed: for each row i it recomputes p_ij = exp(s_ij - lse_i) from the
 * saved log-sum-exp (no softmax state is stored between passes), then
 *   dv_j += p_ij dO_i
 *   dP_ij = dO_i . v_j
 *   dS_ij = p_ij (dP_ij - delta_i),  delta_i = rowsum(dO_i * O_i) - dLse_i
 *   (softcap: dS_ij *= 1 - tanh^2;  then * scale for the q.k product)
 *   dq_i += dS_ij k_j,   dk_j += dS_ij q_i.
 * dq of the tile accumulates in ws.dq and is written at the end; dk and dv
 * accumulate in ws.dk / ws.dv for the whole key/value head (the caller zeroes
 * them before the head's first query head and copies them out after its last,
 * which sums GQA groups).
 */
import type { ElementPredicate, KeyRange } from './flash_types';
import { dotChunk, scoreChunk } from './scores';
import type { BackwardWorkspace, TileProblem } from './tile_problem';

/** Arrays of the backward pass besides q, k, v (see FlashBackwardArgs). */
export interface BackwardArrays {
  out: Float32Array;
  lse: Float32Array;
  dOut: Float32Array;
  dLse: Float32Array | null;
  dq: Float32Array;
}

/** Gradients of query tile [i0, i1) of (b, h): writes dq rows, accumulates ws.dk / ws.dv. */
export function backwardTile(
  p: TileProblem,
  ws: BackwardWorkspace,
  io: BackwardArrays,
  b: number,
  h: number,
  i0: number,
  i1: number,
  ranges: readonly KeyRange[],
  nRanges: number,
  pred: ElementPredicate | null,
  delta: Float64Array,
): void {
  const { H, Hkv, Tq, Tk, D, Dv } = p.dims;
  const { q, k, v, scale, softcap, bc } = p;
  const { out, lse, dOut, dLse, dq } = io;
  const kh = Math.floor(h / p.G);
  const slope = p.alibiSlopes !== null ? p.alibiSlopes[h] : 0;
  const rowBase = (b * H + h) * Tq;
  const kBase = (b * Hkv + kh) * Tk * D;
  const vBase = (b * Hkv + kh) * Tk * Dv;
  const shift = Tk - Tq;
  const { p: pr, dp, capd, dq: dqAcc, dk: dkAcc, dv: dvAcc } = ws;
  const rows = i1 - i0;
  const useCap = softcap > 0;
  dqAcc.fill(0, 0, rows * D);
  for (let r = 0; r < rows; r++) {
    const row = rowBase + i0 + r;
    let d0 = 0;
    for (let e = 0; e < Dv; e++) d0 += dOut[row * Dv + e] * out[row * Dv + e];
    delta[r] = dLse !== null ? d0 - dLse[row] : d0;
  }
  for (let ri = 0; ri < nRanges; ri++) {
    const range = ranges[ri];
    const partial = range.partial && pred !== null;
    for (let j0 = range.start; j0 < range.end; j0 += bc) {
      const cw = Math.min(bc, range.end - j0);
      for (let r = 0; r < rows; r++) {
        const i = i0 + r;
        const row = rowBase + i;
        const L = lse[row];
        if (L === -Infinity) continue; // the row saw no key: no gradient flows through it
        const qo = row * D;
        const go = row * Dv;
        scoreChunk(q, qo, k, kBase + j0 * D, D, cw, scale, softcap, slope, j0, i + shift, pr, useCap ? capd : null);
        for (let jj = 0; jj < cw; jj++) pr[jj] = Math.exp(pr[jj] - L);
        if (partial) for (let jj = 0; jj < cw; jj++) if (!pred!(b, h, i, j0 + jj)) pr[jj] = 0;
        dotChunk(dOut, go, v, vBase + j0 * Dv, Dv, cw, dp);
        const dl = delta[r];
        const qa = r * D;
        for (let jj = 0; jj < cw; jj++) {
          const pj = pr[jj];
          if (pj === 0) continue; // masked (or underflowed): contributes nothing
          let ds = pj * (dp[jj] - dl) * scale;
          if (useCap) ds *= capd[jj];
          const j = j0 + jj;
          const dvo = j * Dv;
          for (let e = 0; e < Dv; e++) dvAcc[dvo + e] += pj * dOut[go + e];
          const ko = j * D;
          const kk = kBase + ko;
          for (let d = 0; d < D; d++) {
            dkAcc[ko + d] += ds * q[qo + d];
            dqAcc[qa + d] += ds * k[kk + d];
          }
        }
      }
    }
  }
  for (let r = 0; r < rows; r++) {
    const qo = (rowBase + i0 + r) * D;
    const qa = r * D;
    for (let d = 0; d < D; d++) dq[qo + d] = dqAcc[qa + d];
  }
}
