/**
 * The dense oracle of the linear attention tests, written with ordinary tfjs
 * ops and sharing nothing with the kernels: phi(Q) phi(K)^T materialised,
 * causal mask applied (bottom-right), rows normalised (+ eps), times V.
 * The feature maps are written out again from the papers (FAVOR+ without the
 * stabiliser, which must cancel), so the library's maps are checked too.
 */
import * as tf from '@tensorflow/tfjs-core';
import { favorProjectionData, FeatureMapFn, FlashDims } from '@tessera/attention';
import { Rng } from '@tessera/tensor';

export type MapSpec = { kind: 'elu+1' } | { kind: 'relu' } | { kind: 'favor+'; m: number; seed: number } | { kind: 'fn' };

/** A user map with F = 2D (F != D on purpose) and positive features. */
export const userMap: FeatureMapFn = (x) => tf.concat([tf.sigmoid(x), tf.softplus(x)], -1);

/** The library options selecting a map. */
export function mapOptions(spec: MapSpec): { featureMap: 'elu+1' | 'relu' | 'favor+' | FeatureMapFn; numFeatures?: number; seed?: number } {
  if (spec.kind === 'favor+') return { featureMap: 'favor+', numFeatures: spec.m, seed: spec.seed };
  if (spec.kind === 'fn') return { featureMap: userMap };
  return { featureMap: spec.kind };
}

/**
 * phi(x) per the papers, for x [B, heads, T, D]. FAVOR+: exp(w^T x' - |x'|^2/2 - c) / sqrt(m),
 * x' = D^(-1/4) x, with the documented stabiliser c (max of the exponent per query row; per
 * (batch, head) over all keys when not causal; none for causal keys) unless `stabilise` is false.
 */
export function densePhi(x: tf.Tensor, spec: MapSpec, role: 'query' | 'key' = 'key', causal = false, stabilise = true): tf.Tensor {
  if (spec.kind === 'elu+1') return tf.add(tf.elu(x), 1);
  if (spec.kind === 'relu') return tf.relu(x);
  if (spec.kind === 'fn') return userMap(x, { role: 'key', causal: false });
  const D = x.shape[x.rank - 1] as number;
  const w = tf.tensor2d(favorProjectionData(D, spec.m, spec.seed).slice(), [spec.m, D]);
  const xs = tf.mul(x, Math.pow(D, -0.25));
  const wx = tf.reshape(tf.matMul(tf.reshape(xs, [-1, D]), w, false, true), [...x.shape.slice(0, -1), spec.m]);
  let e = tf.sub(wx, tf.mul(tf.sum(tf.square(xs), -1, true), 0.5));
  if (stabilise && role === 'query') e = tf.sub(e, tf.max(e, -1, true));
  if (stabilise && role === 'key' && !causal) e = tf.sub(e, tf.max(e, [2, 3], true));
  return tf.div(tf.exp(e), Math.sqrt(spec.m));
}

/** [Tq, Tk] 0/1 causal mask, bottom-right aligned, built outside any tape. */
function causalMask(Tq: number, Tk: number): tf.Tensor {
  const m = new Float32Array(Tq * Tk);
  for (let i = 0; i < Tq; i++) for (let j = 0; j < Tk; j++) m[i * Tk + j] = j <= i + Tk - Tq ? 1 : 0;
  return tf.tensor2d(m, [Tq, Tk]);
}

/** Dense linear attention on features qf [B,H,Tq,F], kf [B,Hkv,Tk,F], v [B,Hkv,Tk,Dv]. */
export function denseLinearOnFeatures(qf: tf.Tensor, kf: tf.Tensor, v: tf.Tensor, causal: boolean, eps: number): tf.Tensor {
  const [B, H, Tq, F] = qf.shape as number[];
  const [, Hkv, Tk] = kf.shape as number[];
  const Dv = v.shape[3] as number;
  const G = H / Hkv;
  // [B,H,Tq,F] -> [B,Hkv,G*Tq,F]; x kf^T -> [B,Hkv,G*Tq,Tk] -> [B,H,Tq,Tk]
  let a = tf.reshape(tf.matMul(tf.reshape(qf, [B, Hkv, G * Tq, F]), kf, false, true), [B, H, Tq, Tk]);
  if (causal) a = tf.mul(a, causalMask(Tq, Tk));
  const p = tf.div(a, tf.add(tf.sum(a, -1, true), eps));
  // [B,H,Tq,Tk] -> [B,Hkv,G*Tq,Tk]; x v -> [B,Hkv,G*Tq,Dv] -> [B,H,Tq,Dv]
  return tf.reshape(tf.matMul(tf.reshape(p, [B, Hkv, G * Tq, Tk]), v), [B, H, Tq, Dv]);
}

/** Dense linear attention on raw q, k, v with the map `spec`. */
export function denseLinear(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, spec: MapSpec, causal: boolean, eps = 1e-6, stabilise = true): tf.Tensor {
  return tf.tidy(() => denseLinearOnFeatures(densePhi(q, spec, 'query', causal, stabilise), densePhi(k, spec, 'key', causal, stabilise), v, causal, eps));
}

export type LinShape = FlashDims;

/** Seeded q, k, v of a shape (normal * mag). */
export function makeQKV(s: LinShape, seed: number, mag = 1): { q: tf.Tensor; k: tf.Tensor; v: tf.Tensor; dispose: () => void } {
  const rng = new Rng(seed);
  const t = (shape: number[]) => tf.tensor(rng.fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1)), 0, mag), shape);
  const q = t([s.B, s.H, s.Tq, s.D]);
  const k = t([s.B, s.Hkv, s.Tk, s.D]);
  const v = t([s.B, s.Hkv, s.Tk, s.Dv]);
  return { q, k, v, dispose: () => tf.dispose([q, k, v]) };
}

/** Gradients of sum(f(q,k,v) * W) for a fixed seeded W, as host arrays. */
export function gradsOf(f: (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => tf.Tensor, q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, outShape: number[], seed = 99): Float32Array[] {
  const n = outShape.reduce((a, b) => a * b, 1);
  const w = tf.tensor(new Rng(seed).fillNormal(new Float32Array(n)), outShape);
  const gs = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(f(a, b, c), w)))([q, k, v]);
  const out = gs.map((g) => g.dataSync() as Float32Array);
  tf.dispose([w, ...gs]);
  return out;
}
