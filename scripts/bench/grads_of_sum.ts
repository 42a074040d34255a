/**
 * forward+backward for the attention variants: the gradients of sum(out) with
 * respect to q, k and v, computed with an explicit upstream gradient dy = 1
 * (what sum's gradient is) instead of differentiating tf.sum. tfjs cpu's sum
 * gradient is a broadcast multiply that alone took 41 ms at n = 1,024 (more
 * than the native attention backward), so rows measured tfjs's loss rather
 * than the attention kernels. dy is an input like q, k and v: made once per
 * shape, outside the timed calls (filling it took 2-3 ms at n = 4,096).
 */
import type * as tf from '@tensorflow/tfjs-core';
import * as tfc from '@tensorflow/tfjs-core';
import type { BenchInputs } from './types';

let dyCache: { dy: tf.Tensor; backend: string } | null = null;

/**
 * dy = 1 of the attention output's shape [B, H, n, Dv] on the current backend, kept across calls
 * for one shape and backend (the previous one is disposed when either changes).
 */
export function onesLikeOutput(x: BenchInputs): tf.Tensor {
  const shape = [x.B, x.H, x.n, x.v.shape[3] as number];
  const backend = tfc.getBackend();
  if (!dyCache || dyCache.dy.isDisposed || dyCache.backend !== backend || !tfc.util.arraysEqual(dyCache.dy.shape, shape)) {
    if (dyCache && !dyCache.dy.isDisposed) dyCache.dy.dispose();
    dyCache = { dy: tfc.tidy(() => tfc.keep(tfc.ones(shape))), backend };
  }
  return dyCache.dy;
}

/** d sum(attention(q, k, v)) / d(q, k, v) for the inputs x. */
export function gradsOfSum(attention: (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => tf.Tensor, x: BenchInputs): tf.Tensor[] {
  return tfc.tidy(() => tfc.grads(attention)([x.q, x.k, x.v], onesLikeOutput(x)));
}
