/**
 * The backward tile routine of FlashAttention-2 (Dao 2023, Algorithm 2),
 * organised by query tile so it streams exactly the key ranges the forward
 * streamed. Per key chunk it recomputes, for the tile's rows,
 *   P_ij  = exp(s_ij - lse_i)                   (from the saved lse: no softmax state kept)
 *   dS_ij = P_ij (dO_i . v_j - delta_i),  delta_i = rowsum(dO_i * O_i) - dLse_i
 *           (softcap: * (1 - tanh^2); then * scale for the q.k product)
 * and then applies three small matrix products, four rows per pass:
 *   dv_chunk += P^T dO_tile,   dk_chunk += dS^T Q_tile,   dq_tile += dS K_chunk.
 * dq of the tile accumulates in ws.dq and is written at the end; dk and dv
 * accumulate in ws.dk / ws.dv for the whole key/value head (the caller zeroes
 * them before the head's first query head and copies them out after its last,
 * which sums GQA groups).
 */
import type { ElementPredicate, KeyRange } from './flash_types';
import { addTransposedRows, addWeightedRows } from './row_updates';
import { dotTile, scoreTile } from './scores';
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
  const row0 = (b * H + h) * Tq + i0; // flat row index of the tile's first query
  const kBase = (b * Hkv + kh) * Tk * D;
  const vBase = (b * Hkv + kh) * Tk * Dv;
  const shift = Tk - Tq;
  const { p: P, ds: dS, capd, dq: dqAcc, dk: dkAcc, dv: dvAcc } = ws;
  const rows = i1 - i0;
  const useCap = softcap > 0;
  dqAcc.fill(0, 0, rows * D);
  for (let r = 0; r < rows; r++) {
    const row = row0 + r;
    let d0 = 0;
    for (let e = 0; e < Dv; e++) d0 += dOut[row * Dv + e] * out[row * Dv + e];
    delta[r] = dLse !== null ? d0 - dLse[row] : d0;
  }
  for (let ri = 0; ri < nRanges; ri++) {
    const range = ranges[ri];
    const partial = range.partial && pred !== null;
    for (let j0 = range.start; j0 < range.end; j0 += bc) {
      const cw = Math.min(bc, range.end - j0);
      scoreTile(q, row0 * D, rows, k, kBase + j0 * D, D, cw, scale, softcap, slope, j0, i0 + shift, P, bc, useCap ? capd : null);
      dotTile(dOut, row0 * Dv, rows, v, vBase + j0 * Dv, Dv, cw, dS, bc); // dP_rj = dO_r . v_j
      for (let r = 0; r < rows; r++) {
        const L = lse[row0 + r];
        const po = r * bc;
        if (L === -Infinity) {
          // The row saw no key: no gradient flows through it.
          P.fill(0, po, po + cw);
          dS.fill(0, po, po + cw);
          continue;
        }
        for (let jj = 0; jj < cw; jj++) P[po + jj] = Math.exp(P[po + jj] - L);
        if (partial) for (let jj = 0; jj < cw; jj++) if (!pred!(b, h, i0 + r, j0 + jj)) P[po + jj] = 0;
        const dl = delta[r];
        if (useCap) for (let jj = 0; jj < cw; jj++) dS[po + jj] = P[po + jj] === 0 ? 0 : P[po + jj] * (dS[po + jj] - dl) * scale * capd[po + jj];
        else for (let jj = 0; jj < cw; jj++) dS[po + jj] = P[po + jj] === 0 ? 0 : P[po + jj] * (dS[po + jj] - dl) * scale;
      }
      // dv_j += sum_r P_rj dO_r ;  dk_j += sum_r dS_rj q_r   (rows of the tile are consecutive in dOut and q)
      addTransposedRows(dvAcc, j0 * Dv, P, bc, dOut, row0 * Dv, Dv, rows, cw);
      addTransposedRows(dkAcc, j0 * D, dS, bc, q, row0 * D, D, rows, cw);
      // dq_r += sum_j dS_rj k_j
      for (let r = 0; r < rows; r++) addWeightedRows(dqAcc, r * D, dS, r * bc, k, kBase + j0 * D, D, cw);
    }
  }
  for (let r = 0; r < rows; r++) {
    const qo = (row0 + r) * D;
    const qa = r * D;
    for (let d = 0; d < D; d++) dq[qo + d] = dqAcc[qa + d];
  }
}
