/**
 * Scores of one query row against one chunk of consecutive keys, the inner
 * kernel of the forward and backward tile routines:
 *   s_j = scale * q_i . k_j;  softcap: s_j = c * tanh(s_j / c);  alibi: s_j -= slope * |j - pos|.
 * The dot products are blocked four keys at a time so each q element is
 * loaded once per four multiply-adds (V8 keeps the four sums in registers).
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
 * Writes cw scores into s[0..cw).
 * @param qo offset of the query row in q; ko offset of key j0's row in k.
 * @param capd when non-null and softcap > 0, receives d(capped)/d(uncapped) = 1 - tanh^2 per key.
 */
export function scoreChunk(
  q: Float32Array,
  qo: number,
  k: Float32Array,
  ko: number,
  D: number,
  cw: number,
  scale: number,
  softcap: number,
  slope: number,
  j0: number,
  pos: number,
  s: Float64Array,
  capd: Float64Array | null,
): void {
  dotChunk(q, qo, k, ko, D, cw, s);
  for (let j = 0; j < cw; j++) s[j] *= scale;
  if (softcap > 0) {
    const inv = 1 / softcap;
    for (let j = 0; j < cw; j++) {
      const t = Math.tanh(s[j] * inv);
      s[j] = softcap * t;
      if (capd !== null) capd[j] = 1 - t * t;
    }
  }
  if (slope !== 0) {
    for (let j = 0; j < cw; j++) {
      const dist = j0 + j - pos;
      s[j] -= slope * (dist < 0 ? -dist : dist);
    }
  }
}
