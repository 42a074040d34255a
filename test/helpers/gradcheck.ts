/**
 * Finite-difference gradient checker. The loss is L(x) = sum(f(x) * W) with a
 * fixed random weight W (so no gradient is trivially zero), summed in float64
 * on the host; analytic gradients come from `tf.grads`, numeric ones from
 * central differences at sampled coordinates.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@tessera/tensor';

export interface GradCheckOptions {
  /** Finite-difference step. float32 forward passes want ~1e-2. */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Coordinates checked per input (all if the input is smaller). */
  samples?: number;
  seed?: number;
  /** Which inputs to differentiate (default: all). */
  wrt?: number[];
}

/** Host float64 value of sum(f(inputs) * w). */
function lossValue(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], w: Float64Array): number {
  const out = tf.tidy(() => f(...inputs));
  const data = out.dataSync();
  out.dispose();
  let s = 0;
  for (let i = 0; i < data.length; i++) s += data[i] * w[i];
  return s;
}

/**
 * Checks `tf.grads` of `f` against central differences; throws with the worst
 * coordinate on failure. Returns the largest relative error seen.
 * @example checkGradients((q, k, v) => attentionReference(q, k, v), [q, k, v]);
 */
export function checkGradients(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], opts: GradCheckOptions = {}): number {
  const eps = opts.eps ?? 1e-2;
  const atol = opts.atol ?? 5e-3;
  const rtol = opts.rtol ?? 2e-2;
  const rng = new Rng(opts.seed ?? 1234);
  const wrt = opts.wrt ?? inputs.map((_, i) => i);
  const outShape = tf.tidy(() => f(...inputs).shape);
  const n = outShape.reduce((a, b) => a * b, 1);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = rng.normal();
  const wT = tf.tensor(Float32Array.from(w), outShape);
  const analytic = tf.tidy(() => {
    const g = tf.grads((...xs: tf.Tensor[]) => {
      const all = inputs.slice();
      wrt.forEach((idx, j) => (all[idx] = xs[j]));
      return tf.sum(tf.mul(f(...all), wT));
    });
    return g(wrt.map((i) => inputs[i])).map((t) => t.dataSync().slice());
  });
  wT.dispose();
  let worstRel = 0;
  wrt.forEach((idx, j) => {
    const base = inputs[idx];
    const data = Float32Array.from(base.dataSync());
    const size = data.length;
    const count = Math.min(opts.samples ?? 24, size);
    const coords = size <= count ? Array.from({ length: size }, (_, i) => i) : rng.shuffle(Array.from({ length: size }, (_, i) => i)).slice(0, count);
    for (const c of coords) {
      const orig = data[c];
      const evalAt = (val: number): number => {
        data[c] = val;
        const t = tf.tensor(data, base.shape, base.dtype);
        const all = inputs.slice();
        all[idx] = t;
        const l = lossValue(f, all, w);
        t.dispose();
        return l;
      };
      const numeric = (evalAt(orig + eps) - evalAt(orig - eps)) / (2 * eps);
      data[c] = orig;
      const a = analytic[j][c];
      const err = Math.abs(a - numeric);
      const rel = err / (atol + rtol * Math.abs(numeric));
      worstRel = Math.max(worstRel, rel);
      if (!(rel <= 1)) {
        throw new Error(`gradient of input ${idx} at flat index ${c}: analytic ${a}, numeric ${numeric} (atol ${atol}, rtol ${rtol})`);
      }
    }
  });
  return worstRel;
}
