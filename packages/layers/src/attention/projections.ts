/**
 * The per-head projections of multi-head attention with Keras's weight
 * layout (EinsumDense kernels [dIn, heads, headDim] and [heads, headDim, dOut]),
 * computed as 2-D matMuls on reshaped views: tfjs's einsum has no gradient, and
 * on wasm a 2-D matMul runs ~15x faster than a batched one.
 */
import * as tf from '@tensorflow/tfjs';

/** x [B, T, dIn] with kernel [dIn, H, D] and bias [H, D] -> [B, H, T, D]. */
export function projectHeads(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor | null): tf.Tensor {
  return tf.tidy(() => {
    const [B, T, dIn] = x.shape as number[];
    const [, H, D] = kernel.shape as number[];
    // [B, T, dIn] -> [B*T, dIn] x [dIn, H*D] -> [B*T, H*D]
    let y = tf.matMul(tf.reshape(x, [B * T, dIn]), tf.reshape(kernel, [dIn, H * D]));
    // bias [H, D] -> [H*D]
    if (bias) y = tf.add(y, tf.reshape(bias, [H * D]));
    // [B*T, H*D] -> [B, T, H, D] -> [B, H, T, D]
    return tf.transpose(tf.reshape(y, [B, T, H, D]), [0, 2, 1, 3]);
  });
}

/** o [B, H, T, Dv] with kernel [H, Dv, dOut] and bias [dOut] -> [B, T, dOut]. */
export function projectOutput(o: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor | null): tf.Tensor {
  return tf.tidy(() => {
    const [B, H, T, Dv] = o.shape as number[];
    const dOut = kernel.shape[2] as number;
    // [B, H, T, Dv] -> [B, T, H, Dv] -> [B*T, H*Dv]
    const flat = tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [B * T, H * Dv]);
    // [B*T, H*Dv] x [H*Dv, dOut] -> [B*T, dOut]
    let y = tf.matMul(flat, tf.reshape(kernel, [H * Dv, dOut]));
    if (bias) y = tf.add(y, bias);
    // [B*T, dOut] -> [B, T, dOut]
    return tf.reshape(y, [B, T, dOut]);
  });
}
