/**
 * The typed-array contract of linear attention (Katharopoulos et al. 2020) on
 * mapped features, spoken by the TypeScript engine (linear_forward_impl.ts,
 * linear_backward_impl.ts) and by any engine installed with `setEngine`
 * (engine.ts: `linearForward`, `linearBackward`). Nothing here touches tfjs.
 *
 * Layout: dense, row-major float32.
 *   q [B, H, Tq, F]   k [B, Hkv, Tk, F]   v [B, Hkv, Tk, Dv]     (q, k already feature-mapped)
 *   out [B, H, Tq, Dv]   den [B, H, Tq]
 * Query head h reads key/value head floor(h / (H / Hkv)).
 * Semantics: out_i = q_i^T S_i / den_i, den_i = q_i^T z_i + eps, where S_i = sum_j k_j v_j^T
 * and z_i = sum_j k_j over every key, or (causal) over j <= i + Tk - Tq; a query that sees
 * no key gets out_i = 0, den_i = eps. Outputs are preallocated by the caller and
 * overwritten completely (engines must not rely on them being zero).
 * Also: small shared loops of the forward and backward implementations.
 */

/** Sizes of one linear attention call on mapped features (docs/notation.md; F = features). */
export interface LinearDims {
  B: number;
  H: number;
  Hkv: number;
  Tq: number;
  Tk: number;
  /** Feature count of phi(q), phi(k) (D for elu+1/relu, m for FAVOR+). */
  F: number;
  Dv: number;
}

/** Attributes of TesseraLinearAttention(Grad). */
export interface LinearImplAttrs {
  causal: boolean;
  /** Added to every denominator (> 0). */
  eps: number;
  /** Keys per chunk in causal mode (>= 1). */
  chunkSize: number;
}

/** Query rows [i0, i1) whose aligned position i + Tk - Tq falls in key chunk [c0, c1). */
export function chunkQueries(c0: number, c1: number, Tq: number, Tk: number): [number, number] {
  const shift = Tk - Tq;
  return [Math.max(0, c0 - shift), Math.min(Tq, c1 - shift)];
}

/** S += sum_j k_j v_j^T and z += sum_j k_j for key rows [j0, j1) starting at row `base`. */
export function addKeys(
  k: Float32Array, v: Float32Array, base: number, j0: number, j1: number, F: number, Dv: number,
  S: Float64Array, z: Float64Array,
): void {
  for (let j = j0; j < j1; j++) {
    const ko = (base + j) * F;
    const vo = (base + j) * Dv;
    for (let f = 0; f < F; f++) {
      const kf = k[ko + f];
      if (kf === 0) continue; // relu features are often exactly 0
      z[f] += kf;
      const so = f * Dv;
      for (let e = 0; e < Dv; e++) S[so + e] += kf * v[vo + e];
    }
  }
}

/** num = x^T S (x a row of `a` at offset `xo`); returns x . z. */
export function readState(a: Float32Array, xo: number, F: number, Dv: number, S: Float64Array, z: Float64Array, num: Float64Array): number {
  num.fill(0);
  let d = 0;
  for (let f = 0; f < F; f++) {
    const xf = a[xo + f];
    if (xf === 0) continue;
    d += xf * z[f];
    const so = f * Dv;
    for (let e = 0; e < Dv; e++) num[e] += xf * S[so + e];
  }
  return d;
}

/** Dot product of row `ao` of `a` and row `bo` of `b`, length n. */
export function dotRows(a: Float32Array, ao: number, b: Float32Array, bo: number, n: number): number {
  let s = 0;
  for (let t = 0; t < n; t++) s += a[ao + t] * b[bo + t];
  return s;
}

/** Inputs and outputs of the forward pass. */
export interface LinearForwardArgs extends LinearImplAttrs {
  dims: LinearDims;
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  /** Output [B, H, Tq, Dv], overwritten. */
  out: Float32Array;
  /** Output [B, H, Tq], overwritten: q_i^T z_i + eps, which the backward pass reuses. */
  den: Float32Array;
}

/** Inputs and outputs of the backward pass. */
export interface LinearBackwardArgs extends LinearImplAttrs {
  dims: LinearDims;
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  /** The forward's outputs. */
  out: Float32Array;
  den: Float32Array;
  /** Gradient of the loss with respect to out, [B, H, Tq, Dv]. */
  dOut: Float32Array;
  /** Outputs, overwritten: dq [B, H, Tq, F], dk [B, Hkv, Tk, F], dv [B, Hkv, Tk, Dv] (summed over each group's G query heads). */
  dq: Float32Array;
  dk: Float32Array;
  dv: Float32Array;
}
