/**
 * ALiBi (Press et al. 2022, "Train Short, Test Long: Attention with Linear
 * Biases"): each head h adds -slope_h * distance to its scores, with
 * distance |j - (i + Tk - Tq)| under Tessera's bottom-right alignment (the
 * same definition as FlashAttention's alibi_slopes).
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertInteger } from '@tessera/tensor';

/**
 * The paper's slopes for `numHeads` heads: a geometric sequence starting at
 * 2^(-8/n) for n a power of two; otherwise the slopes of the next lower power
 * of two followed by every other slope of the next higher one (the reference
 * implementation's rule).
 * @example alibiSlopes(8); // [0.5, 0.25, ..., 0.00390625]
 */
export function alibiSlopes(numHeads: number): number[] {
  assertInteger(numHeads, 'numHeads', 'alibiSlopes');
  const pow2 = (n: number): number[] => {
    const start = 2 ** (-8 / n);
    return Array.from({ length: n }, (_, i) => start ** (i + 1));
  };
  if (Number.isInteger(Math.log2(numHeads))) return pow2(numHeads);
  const lower = 2 ** Math.floor(Math.log2(numHeads));
  return [...pow2(lower), ...pow2(2 * lower).filter((_, i) => i % 2 === 0).slice(0, numHeads - lower)];
}

/** Reads slopes given as a tensor or an array into a Float32Array (host side). */
export function slopesToArray(slopes: tf.Tensor | ArrayLike<number>): Float32Array {
  if (typeof slopes === 'object' && slopes !== null && 'dataId' in slopes) return Float32Array.from((slopes as tf.Tensor).dataSync());
  return Float32Array.from(slopes as ArrayLike<number>);
}

/**
 * The dense ALiBi bias [1, H, Tq, Tk] (reference and tests only; kernels
 * compute it on the fly).
 */
export function alibiBias(slopes: ArrayLike<number>, tq: number, tk: number): tf.Tensor4D {
  const h = slopes.length;
  return tf.tidy(() => {
    // dist[i, j] = |j - (i + Tk - Tq)|   [Tq, Tk]
    const rel = tf.sub(tf.reshape(tf.range(0, tk, 1, 'float32'), [1, tk]), tf.reshape(tf.range(tk - tq, tk, 1, 'float32'), [tq, 1]));
    const dist = tf.reshape(tf.abs(rel), [1, 1, tq, tk]);
    // -slope_h * dist   [1, H, Tq, Tk]
    return tf.mul(tf.reshape(tf.neg(tf.tensor1d(Array.from(slopes), 'float32')), [1, h, 1, 1]), dist) as tf.Tensor4D;
  });
}
