/**
 * FAVOR+ projections (Choromanski et al. 2021, "Rethinking Attention with
 * Performers", sec. 2.4 and appendix): m x D block-orthogonal Gaussian rows.
 * Each block of D rows is a seeded D x D Gaussian orthonormalised by modified
 * Gram-Schmidt in float64 (the rows of a Haar-random orthogonal matrix, like
 * Performer's QR); the last block keeps m mod D rows. Each row is then
 * rescaled to the norm of a fresh D-dimensional Gaussian vector (chi(D)
 * distributed), so each row is marginally N(0, I_D) as the unbiased estimator
 * needs. Drawn on the host with @tessera/tensor's Rng: identical on every backend.
 */
import { Rng } from '@tessera/tensor';

const cache = new Map<string, Float32Array>();
const CACHE_LIMIT = 16;

/** Orthonormal rows (D x D, row-major) from Gaussian rows; redraws a degenerate row. */
function orthogonalBlock(rng: Rng, D: number): Float64Array {
  const w = new Float64Array(D * D);
  for (let r = 0; r < D; r++) {
    for (;;) {
      const o = r * D;
      for (let c = 0; c < D; c++) w[o + c] = rng.normal();
      for (let p = 0; p < r; p++) {
        let dot = 0;
        for (let c = 0; c < D; c++) dot += w[o + c] * w[p * D + c];
        for (let c = 0; c < D; c++) w[o + c] -= dot * w[p * D + c];
      }
      let n = 0;
      for (let c = 0; c < D; c++) n += w[o + c] * w[o + c];
      n = Math.sqrt(n);
      if (n > 1e-6) {
        for (let c = 0; c < D; c++) w[o + c] /= n;
        break;
      }
    }
  }
  return w;
}

/**
 * The FAVOR+ projection W, [m, D] row-major float32, for head size D, m features and a seed.
 * Cached (a few entries) so decoding does not redraw it every token.
 * @example favorProjectionData(64, 256, 0).length; // 16384
 */
export function favorProjectionData(D: number, m: number, seed: number): Float32Array {
  const key = `${D},${m},${seed}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const rng = new Rng(seed);
  const out = new Float32Array(m * D);
  for (let r0 = 0; r0 < m; r0 += D) {
    const block = orthogonalBlock(rng, D);
    const rows = Math.min(D, m - r0);
    for (let r = 0; r < rows; r++) for (let c = 0; c < D; c++) out[(r0 + r) * D + c] = block[r * D + c];
  }
  for (let r = 0; r < m; r++) {
    let n = 0;
    for (let c = 0; c < D; c++) {
      const g = rng.normal();
      n += g * g;
    }
    const norm = Math.sqrt(n); // chi(D)
    for (let c = 0; c < D; c++) out[r * D + c] *= norm;
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(key, out);
  return out;
}
