/**
 * flashAttention: exact attention in O(n) memory (FlashAttention-2).
 */
import * as tf from '@tensorflow/tfjs-core';
import { slopesToArray } from '../alibi';
import { TesseraFlashAttention, TesseraFlashAttentionAttrs } from '../kernel_names';
import type { AttentionOptions, AttentionWithLse } from '../options';
import { validateAttention } from '../validate';

const BIAS_REJECTED = 'a dense [Tq,Tk] bias would bring back the O(n^2) memory; use alibiSlopes, window, causal, segmentIds or a block-sparse mask';

/**
 * Scaled dot-product attention computed tile by tile with an online softmax
 * (Dao 2023, "FlashAttention-2: Faster Attention with Better Parallelism and
 * Work Partitioning"), forward and backward, never materialising the Tq x Tk
 * score matrix: memory is O(B * H * Tq * (Dv + 1)) for the outputs plus
 * O(tile) scratch. Same results as `attentionReference` (within float32 rounding).
 *
 * @param q [B, H, Tq, D] queries (float32).
 * @param k [B, Hkv, Tk, D] keys; H % Hkv == 0 (Hkv < H: GQA, Hkv == 1: MQA).
 * @param v [B, Hkv, Tk, Dv] values; Dv may differ from D.
 * @param options
 *   - `scale` (default 1/sqrt(D)): multiplier of q.k.
 *   - `causal` (default false): bottom-right aligned, query i sees keys j <= i + Tk - Tq.
 *   - `window` (default none): [left, right] keys around i + Tk - Tq, -1 = unbounded side.
 *   - `softcap` (default none): scores -> softcap * tanh(scores / softcap), > 0.
 *   - `alibiSlopes` (default none): length H; adds -slope_h * |j - (i + Tk - Tq)|.
 *   - `keyMask` (default none): [B, Tk] bool/0-1, false = padding key.
 *   - `segmentIds` (default none): {q: [B, Tq], k: [B, Tk]}, attend within a segment only.
 *   - `returnLse` (default false): also return the row log-sum-exp [B, H, Tq].
 *   - `bias` is rejected: a dense [Tq, Tk] bias would bring back the O(n^2) memory.
 * @returns [B, H, Tq, Dv], or `{output, lse}` with `returnLse`. A row that sees no key
 *   is 0 with lse -Infinity. Differentiable (tf.grad, tf.variableGrads, model.fit) on
 *   every backend; the lse output is differentiable too.
 *
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import { flashAttention } from '@tessera/attention';
 * const q = tf.randomNormal([1, 8, 1024, 64]);
 * const k = tf.randomNormal([1, 2, 1024, 64]);   // GQA: 4 query heads per kv head
 * const v = tf.randomNormal([1, 2, 1024, 64]);
 * const out = flashAttention(q, k, v, { causal: true });           // [1, 8, 1024, 64]
 * const { output, lse } = flashAttention(q, k, v, { returnLse: true });
 * const dq = tf.grad((x: tf.Tensor) => tf.sum(flashAttention(x, k, v)))(q);
 */
export function flashAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, options?: AttentionOptions & { returnLse?: false }): tf.Tensor;
export function flashAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, options: AttentionOptions & { returnLse: true }): AttentionWithLse;
export function flashAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, options?: AttentionOptions): tf.Tensor | AttentionWithLse;
export function flashAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, options?: AttentionOptions): tf.Tensor | AttentionWithLse {
  const r = validateAttention(q, k, v, options, 'flashAttention', { bias: BIAS_REJECTED });
  const attrs: TesseraFlashAttentionAttrs = {
    scale: r.scale,
    causal: r.causal,
    windowLeft: r.window ? r.window[0] : -1,
    windowRight: r.window ? r.window[1] : -1,
    softcap: r.softcap ?? 0,
  };
  const slopes = r.alibiSlopes === null ? null : slopesToArray(r.alibiSlopes);
  const [output, lse] = tf.tidy(() => {
    // Absent optional inputs travel as empty [0] tensors (see kernel_names.ts).
    const empty = () => tf.tensor([], [0], 'float32');
    const inputs = {
      q,
      k,
      v,
      keyMask: r.keyMask ?? empty(),
      segmentIdsQ: r.segmentIds ? r.segmentIds.q : empty(),
      segmentIdsK: r.segmentIds ? r.segmentIds.k : empty(),
      alibiSlopes: slopes ? tf.tensor1d(slopes, 'float32') : empty(),
    };
    return tf.engine().runKernel(TesseraFlashAttention, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  });
  if (r.returnLse) return { output, lse };
  lse.dispose();
  return output;
}
