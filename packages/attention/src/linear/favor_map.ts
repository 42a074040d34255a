/**
 * The FAVOR+ positive random feature map (Choromanski et al. 2021, eq. 7 and
 * lemma 1), with tfjs ops so gradients flow to x through the fixed projection:
 *
 *   phi(x) = exp(w_r^T x' - |x'|^2 / 2 - c) / sqrt(m),   x' = sqrt(scale) x
 *
 * so that E[phi(q)^T phi(k)] = exp(scale q.k) e^{-c_q - c_k}: the softmax kernel
 * up to constants that cancel in out = phi(q)^T S / phi(q)^T z. scale defaults
 * to 1/sqrt(D), i.e. D^(-1/4) on q and on k, as Performer does.
 *
 * The stabiliser c keeps exp() from overflowing, as Performer's `softmax_kernel`
 * does, but it is the maximum of the whole exponent (w_r^T x' - |x'|^2/2), not of
 * w_r^T x' alone: the largest feature is then exactly 1/sqrt(m), so the
 * denominator stays far above eps and c cancels in the ratio to float32 accuracy:
 *  - queries: c = max_r of the exponent, per row;
 *  - keys, non-causal: c = max over all keys and features of the (batch, head);
 *  - keys, causal (and recurrent decoding): no stabiliser, since a maximum over
 *    the sequence would let a query see future keys and could not be known when
 *    decoding token by token. Unstabilised key features are bounded by
 *    exp(|w_r|^2 / 2) (w^T x - |x|^2/2 <= |w|^2/2), about e^50 for D = 64: finite in float32.
 * c is differentiated like any other op, so gradients are those of exactly this function.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { FeatureMapContext } from './linear_options';

/**
 * @param x [B, heads, T, D] queries or keys.
 * @param projection [m, D] FAVOR+ projection (favorProjectionData or FavorFeatures).
 * @param scale softmax temperature approximated; sqrt(scale) is applied to x.
 * @returns [B, heads, T, m] positive features.
 */
export function favorFeatureMap(x: tf.Tensor, projection: tf.Tensor, context: FeatureMapContext, scale: number): tf.Tensor {
  return tf.tidy(() => {
    const [m, D] = projection.shape;
    const lead = x.shape.slice(0, -1);
    const xs = tf.mul(x, Math.sqrt(scale));
    // [B, heads, T, D] -> [B*heads*T, D] x [D, m] -> [B*heads*T, m] -> [B, heads, T, m]
    const wx = tf.reshape(tf.matMul(tf.reshape(xs, [-1, D]), tf.transpose(projection)), [...lead, m]);
    // Everything subtracted from wx is folded into one small offset tensor (with log sqrt(m),
    // the 1/sqrt(m) factor), so only a few [.., T, m] tensors are ever alive at once.
    const logSqrtM = 0.5 * Math.log(m);
    let offset: tf.Tensor;
    if (context.role === 'query') {
      // Per row, |x'|^2/2 is constant over features, so the maximum of the whole
      // exponent is max_r(w_r^T x') - |x'|^2/2 and the |x'|^2/2 terms cancel.
      offset = tf.add(tf.max(wx, -1, true), logSqrtM); // [B, heads, T, 1]
    } else {
      const half = tf.mul(tf.sum(tf.square(xs), -1, true), 0.5); // [B, heads, T, 1]
      if (context.causal) {
        offset = tf.add(half, logSqrtM);
      } else {
        const axes = lead.length >= 2 ? [lead.length - 1, lead.length] : [lead.length];
        offset = tf.add(tf.add(half, tf.max(tf.sub(wx, half), axes, true)), logSqrtM); // [B, heads, T, 1]
      }
    }
    return tf.exp(tf.sub(wx, offset));
  });
}
