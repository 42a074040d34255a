/**
 * Dense attention that also returns the attention probabilities [B, H, Tq, Tk]
 * (Keras's `returnAttentionScores`) and applies Keras's attention dropout to
 * them. Same math as `attentionReference` (scale, softcap, ALiBi, masks, GQA),
 * written with the library's own mask and softmax helpers plus an optional
 * dense Keras mask; its output is tested equal to `attentionReference`.
 */
import * as tf from '@tensorflow/tfjs';
import { AttentionOptions, alibiBias, denseAttentionMask, slopesToArray, validateAttention } from '@tessera/attention';
import { combineMasks, maskedSoftmax } from '@tessera/tensor';

export interface ProbabilityOptions extends AttentionOptions {
  /** Extra bool mask broadcastable to [B, H, Tq, Tk] (a general Keras attentionMask). */
  denseMask?: tf.Tensor | null;
  /** Dropout rate on the probabilities (applied only when > 0). */
  dropout?: number;
  /** Dropout seed (tfjs's). */
  seed?: number;
}

/** Returns output [B, H, Tq, Dv] and probabilities [B, H, Tq, Tk] (before dropout). */
export function attentionWithProbabilities(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, o: ProbabilityOptions, where: string): { output: tf.Tensor; probabilities: tf.Tensor } {
  const { denseMask, dropout, seed, ...opts } = o;
  const r = validateAttention(q, k, v, opts, where);
  const { B, H, Hkv, G, Tq, Tk, D, Dv } = r.dims;
  return tf.tidy(() => {
    // [B, H, Tq, D] -> [B, Hkv, G*Tq, D] x [B, Hkv, Tk, D]^T -> [B, Hkv, G*Tq, Tk] -> [B, H, Tq, Tk]
    let s = tf.reshape(tf.matMul(tf.reshape(q, [B, Hkv, G * Tq, D]), k, false, true), [B, H, Tq, Tk]);
    s = tf.mul(s, r.scale);
    if (r.softcap !== null) s = tf.mul(tf.tanh(tf.div(s, r.softcap)), r.softcap);
    if (r.alibiSlopes) s = tf.add(s, alibiBias(slopesToArray(r.alibiSlopes), Tq, Tk));
    if (r.bias) s = tf.add(s, r.bias);
    const mask = combineMasks(denseAttentionMask(r), denseMask ?? null);
    const p = maskedSoftmax(s, mask);
    const pd = dropout && dropout > 0 ? tf.dropout(p, dropout, undefined, seed) : p;
    // [B, H, Tq, Tk] -> [B, Hkv, G*Tq, Tk] x [B, Hkv, Tk, Dv] -> [B, H, Tq, Dv]
    const output = tf.reshape(tf.matMul(tf.reshape(pd, [B, Hkv, G * Tq, Tk]), v), [B, H, Tq, Dv]);
    return { output, probabilities: p };
  });
}
