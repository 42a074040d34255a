/**
 * The oracle: attention written with ordinary tfjs ops, materialising the
 * [B, H, Tq, Tk] score matrix. Every kernel in Tessera is tested against it,
 * forward and gradient. Differentiable through tfjs autodiff; masks are built
 * from indices outside the gradient path (tfjs has no gradient for the
 * comparisons inside a `tf.where` condition).
 */
import * as tf from '@tensorflow/tfjs-core';
import { maskedLogSumExp, maskedSoftmax } from '@tessera/tensor';
import { alibiBias, slopesToArray } from '../alibi';
import type { AttentionOptions, AttentionWithLse } from '../options';
import { validateAttention } from '../validate';
import { denseAttentionMask } from './dense_mask';

/**
 * Dense scaled dot-product attention, softmax(mask(softcap(scale * q k^T) + alibi + bias)) v.
 *
 * @param q [B, H, Tq, D] queries (float32).
 * @param k [B, Hkv, Tk, D] keys; H % Hkv == 0 (Hkv < H is GQA, Hkv == 1 is MQA).
 * @param v [B, Hkv, Tk, Dv] values.
 * @param options see {@link AttentionOptions}: `scale` (default 1/sqrt(D)), `causal`
 *   (bottom-right aligned), `keyMask`, `bias`, `alibiSlopes`, `window`, `softcap`,
 *   `segmentIds`, `returnLse`.
 * @returns [B, H, Tq, Dv], or `{output, lse}` with `returnLse`. Rows that see no key are 0
 *   (their lse is -Infinity).
 *
 * Memory is O(B * H * Tq * Tk): for B=1, H=8, Tq=Tk=4096 the scores alone are 512 MB.
 * Use it as the ground truth and for small inputs; use `flashAttention` for real work.
 *
 * @example
 * import * as tf from '@tensorflow/tfjs-core';
 * import { attentionReference } from '@tessera/attention';
 * const q = tf.randomNormal([1, 2, 4, 8]);
 * const k = tf.randomNormal([1, 2, 4, 8]);
 * const v = tf.randomNormal([1, 2, 4, 8]);
 * const out = attentionReference(q, k, v, { causal: true }); // [1, 2, 4, 8]
 */
export function attentionReference(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, options?: AttentionOptions & { returnLse?: false }): tf.Tensor;
export function attentionReference(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, options: AttentionOptions & { returnLse: true }): AttentionWithLse;
export function attentionReference(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, options?: AttentionOptions): tf.Tensor | AttentionWithLse;
export function attentionReference(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, options?: AttentionOptions): tf.Tensor | AttentionWithLse {
  const r = validateAttention(q, k, v, options, 'attentionReference');
  const { B, H, Hkv, G, Tq, Tk, D, Dv } = r.dims;
  const slopes = r.alibiSlopes ? slopesToArray(r.alibiSlopes) : null;
  return tf.tidy(() => {
    // Query heads h = kv * G + g share key/value head kv, so grouping the G heads
    // with the query axis lets one batched matMul serve GQA without copying k or v.
    // [B, H, Tq, D] -> [B, Hkv, G*Tq, D]
    const qg = tf.reshape(q, [B, Hkv, G * Tq, D]);
    // [B, Hkv, G*Tq, D] x [B, Hkv, Tk, D]^T -> [B, Hkv, G*Tq, Tk] -> [B, H, Tq, Tk]
    let s = tf.reshape(tf.matMul(qg, k, false, true), [B, H, Tq, Tk]);
    s = tf.mul(s, r.scale);
    if (r.softcap !== null) s = tf.mul(tf.tanh(tf.div(s, r.softcap)), r.softcap);
    if (slopes) s = tf.add(s, alibiBias(slopes, Tq, Tk));
    if (r.bias) s = tf.add(s, r.bias);
    const mask = denseAttentionMask(r);
    const p = maskedSoftmax(s, mask);
    // [B, H, Tq, Tk] -> [B, Hkv, G*Tq, Tk]; x [B, Hkv, Tk, Dv] -> [B, Hkv, G*Tq, Dv] -> [B, H, Tq, Dv]
    const out = tf.reshape(tf.matMul(tf.reshape(p, [B, Hkv, G * Tq, Tk]), v), [B, H, Tq, Dv]);
    if (!r.returnLse) return out;
    // [B, H, Tq]
    const lse = maskedLogSumExp(s, mask, -1, false);
    return { output: out, lse };
  }) as tf.Tensor | AttentionWithLse;
}
