/**
 * The two accumulation patterns of the tile routines, register-blocked four
 * rows at a time so each accumulator element is loaded and stored once per
 * four multiply-adds (the inner loops run over a contiguous row of width W):
 *
 *   addWeightedRows:    acc[0..W) += sum_j w_j * x_j           (out += P V, dq += dS K)
 *   addTransposedRows:  acc_j[0..W) += sum_r m_rj * x_r  for each j   (dv += P^T dO, dk += dS^T Q)
 */

/** acc[ao + e] += sum_{jj < cw} w[wo + jj] * x[xo + jj * W + e], for e < W. */
export function addWeightedRows(acc: Float64Array, ao: number, w: Float64Array, wo: number, x: Float32Array, xo: number, W: number, cw: number): void {
  let jj = 0;
  for (; jj + 3 < cw; jj += 4) {
    const w0 = w[wo + jj];
    const w1 = w[wo + jj + 1];
    const w2 = w[wo + jj + 2];
    const w3 = w[wo + jj + 3];
    if (w0 === 0 && w1 === 0 && w2 === 0 && w3 === 0) continue; // masked keys: never touch x (it may hold Inf/NaN)
    const x0 = xo + jj * W;
    const x1 = x0 + W;
    const x2 = x1 + W;
    const x3 = x2 + W;
    for (let e = 0; e < W; e++) acc[ao + e] += w0 * x[x0 + e] + w1 * x[x1 + e] + w2 * x[x2 + e] + w3 * x[x3 + e];
  }
  for (; jj < cw; jj++) {
    const w0 = w[wo + jj];
    if (w0 === 0) continue;
    const x0 = xo + jj * W;
    for (let e = 0; e < W; e++) acc[ao + e] += w0 * x[x0 + e];
  }
}

/**
 * For each jj < cw: acc[ab + jj * W + e] += sum_{r < rows} m[r * ld + jj] * x[xb + r * W + e].
 * `m` is a rows x ld matrix (row-major), `x` holds `rows` consecutive rows of width W.
 */
export function addTransposedRows(acc: Float64Array, ab: number, m: Float64Array, ld: number, x: Float32Array, xb: number, W: number, rows: number, cw: number): void {
  for (let jj = 0; jj < cw; jj++) {
    const ao = ab + jj * W;
    let r = 0;
    for (; r + 3 < rows; r += 4) {
      const m0 = m[r * ld + jj];
      const m1 = m[(r + 1) * ld + jj];
      const m2 = m[(r + 2) * ld + jj];
      const m3 = m[(r + 3) * ld + jj];
      if (m0 === 0 && m1 === 0 && m2 === 0 && m3 === 0) continue;
      const x0 = xb + r * W;
      const x1 = x0 + W;
      const x2 = x1 + W;
      const x3 = x2 + W;
      for (let e = 0; e < W; e++) acc[ao + e] += m0 * x[x0 + e] + m1 * x[x1 + e] + m2 * x[x2 + e] + m3 * x[x3 + e];
    }
    for (; r < rows; r++) {
      const m0 = m[r * ld + jj];
      if (m0 === 0) continue;
      const x0 = xb + r * W;
      for (let e = 0; e < W; e++) acc[ao + e] += m0 * x[x0 + e];
    }
  }
}
