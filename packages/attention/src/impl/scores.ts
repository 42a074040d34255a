/**
 * Scores of a query tile against a chunk of consecutive keys, the inner
 * kernel of the forward and backward tile routines:
 *   s_ij = scale * q_i . k_j;  softcap: s_ij = c * tanh(s_ij / c);  alibi: s_ij -= slope * |j - pos_i|.
 * The dot products are register-blocked (two rows by four keys, V8 keeps the
 * eight sums in registers), so each loaded element feeds several multiply-adds.
 */

/**
 * Raw dot products out[jj] = a[ao .. ao+len) . b[bo + jj*len .. +len) for jj < cw:
 * one row of `a` against cw consecutive rows of `b`.
 */
export function dotChunk(a: Float32Array, ao: number, b: Float32Array, bo: number, len: number, cw: number, out: Float64Array): void {
  let jj = 0;
  for (; jj + 3 < cw; jj += 4) {
    const b0 = bo + jj * len;
    const b1 = b0 + len;
    const b2 = b1 + len;
    const b3 = b2 + len;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let d = 0; d < len; d++) {
      const x = a[ao + d];
      s0 += x * b[b0 + d];
      s1 += x * b[b1 + d];
      s2 += x * b[b2 + d];
      s3 += x * b[b3 + d];
    }
    out[jj] = s0;
    out[jj + 1] = s1;
    out[jj + 2] = s2;
    out[jj + 3] = s3;
  }
  for (; jj < cw; jj++) {
    const b0 = bo + jj * len;
    let s0 = 0;
    for (let d = 0; d < len; d++) s0 += a[ao + d] * b[b0 + d];
    out[jj] = s0;
  }
}

/**
 * Dot products of `rows` consecutive rows of `a` (from a0) with cw consecutive
 * rows of `b` (from b0), all of length len: out[r * ld + jj] = a_r . b_jj.
 * Blocked two rows by four keys: per element of len, 6 loads feed 8 multiply-adds.
 */
export function dotTile(a: Float32Array, a0: number, rows: number, b: Float32Array, b0: number, len: number, cw: number, out: Float64Array, ld: number): void {
  let r = 0;
  for (; r + 1 < rows; r += 2) {
    const ra = a0 + r * len;
    const rb = ra + len;
    const oa = r * ld;
    const ob = oa + ld;
    let jj = 0;
    for (; jj + 3 < cw; jj += 4) {
      const k0 = b0 + jj * len;
      const k1 = k0 + len;
      const k2 = k1 + len;
      const k3 = k2 + len;
      let s00 = 0;
      let s01 = 0;
      let s02 = 0;
      let s03 = 0;
      let s10 = 0;
      let s11 = 0;
      let s12 = 0;
      let s13 = 0;
      for (let d = 0; d < len; d++) {
        const x = a[ra + d];
        const y = a[rb + d];
        const c0 = b[k0 + d];
        const c1 = b[k1 + d];
        const c2 = b[k2 + d];
        const c3 = b[k3 + d];
        s00 += x * c0;
        s01 += x * c1;
        s02 += x * c2;
        s03 += x * c3;
        s10 += y * c0;
        s11 += y * c1;
        s12 += y * c2;
        s13 += y * c3;
      }
      out[oa + jj] = s00;
      out[oa + jj + 1] = s01;
      out[oa + jj + 2] = s02;
      out[oa + jj + 3] = s03;
      out[ob + jj] = s10;
      out[ob + jj + 1] = s11;
      out[ob + jj + 2] = s12;
      out[ob + jj + 3] = s13;
    }
    for (; jj < cw; jj++) {
      const k0 = b0 + jj * len;
      let s0 = 0;
      let s1 = 0;
      for (let d = 0; d < len; d++) {
        const c = b[k0 + d];
        s0 += a[ra + d] * c;
        s1 += a[rb + d] * c;
      }
      out[oa + jj] = s0;
      out[ob + jj] = s1;
    }
  }
  if (r < rows) {
    const tmp = out.subarray(r * ld, r * ld + cw);
    dotChunk(a, a0 + r * len, b, b0, len, cw, tmp);
  }
}

/**
 * Scores of query rows [i0, i0 + rows) against keys [j0, j0 + cw) into
 * s[r * ld + jj] (same formula as scoreChunk; pos of row r = i0 + r + shift).
 * `capd` (same layout) receives the softcap derivative when non-null.
 */
export function scoreTile(
  q: Float32Array,
  q0: number,
  rows: number,
  k: Float32Array,
  ko: number,
  D: number,
  cw: number,
  scale: number,
  softcap: number,
  slope: number,
  j0: number,
  pos0: number,
  s: Float64Array,
  ld: number,
  capd: Float64Array | null,
): void {
  dotTile(q, q0, rows, k, ko, D, cw, s, ld);
  const inv = softcap > 0 ? 1 / softcap : 0;
  for (let r = 0; r < rows; r++) {
    const o = r * ld;
    for (let j = 0; j < cw; j++) s[o + j] *= scale;
    if (softcap > 0) {
      for (let j = 0; j < cw; j++) {
        const t = Math.tanh(s[o + j] * inv);
        s[o + j] = softcap * t;
        if (capd !== null) capd[o + j] = 1 - t * t;
      }
    }
    if (slope !== 0) {
      const pos = pos0 + r;
      for (let j = 0; j < cw; j++) {
        const dist = j0 + j - pos;
        s[o + j] -= slope * (dist < 0 ? -dist : dist);
      }
    }
  }
}
