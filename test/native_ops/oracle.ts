/**
 * The oracle of the native-op tests: the same computation with the native
 * kernels switched off on tfjs's `cpu` backend (tfjs's own kernels), read back
 * as plain arrays; inputs are passed as arrays so they are rebuilt there.
 */
import * as tf from '@tensorflow/tfjs';
import { setNativeOps } from '@tessera/native';

export type Inputs = { shape: number[]; values: Float32Array | Int32Array; dtype: 'float32' | 'int32' }[];

export function seeded(shape: number[], seed: number, scale = 1): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

/** Runs fn on tensors made from `inputs` on the current backend; returns every output's values. */
export function runOn(fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[], inputs: Inputs): Float32Array[] {
  return tf.tidy(() => {
    const xs = inputs.map((i) => tf.tensor(i.values, i.shape, i.dtype));
    const out = fn(...xs);
    return (Array.isArray(out) ? out : [out]).map((t) => Float32Array.from(t.dataSync()));
  });
}

/** fn on tfjs's own cpu kernels (native ops off), then back to the caller's backend with them on. */
export async function oracle(fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[], inputs: Inputs): Promise<Float32Array[]> {
  const back = tf.getBackend();
  setNativeOps(false);
  try {
    await tf.setBackend('cpu');
    return runOn(fn, inputs);
  } finally {
    setNativeOps(true);
    await tf.setBackend(back);
  }
}

/** Gradients of sum(f(xs) * w) for a fixed random w, for every input. */
export function gradsOf(f: (...xs: tf.Tensor[]) => tf.Tensor): (...xs: tf.Tensor[]) => tf.Tensor[] {
  return (...xs) => {
    const g = tf.grads((...ys: tf.Tensor[]) => {
      const y = f(...ys);
      return tf.sum(tf.mul(y, tf.tensor(seeded(y.shape, 77), y.shape)));
    });
    return g(xs);
  };
}
