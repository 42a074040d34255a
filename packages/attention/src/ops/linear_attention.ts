/**
 * linearAttention: kernelised attention in O(n) time and memory
 * (Katharopoulos et al. 2020, "Transformers are RNNs"; FAVOR+ from
 * Choromanski et al. 2021, "Rethinking Attention with Performers").
 *
 *   out_i = phi(q_i)^T S / (phi(q_i)^T z + eps),  S = sum_j phi(k_j) v_j^T,  z = sum_j phi(k_j)
 *
 * over all keys, or over j <= i + Tk - Tq (bottom-right aligned) when causal.
 * phi is applied here with ordinary tfjs ops (autodiff flows through it, user
 * maps and FAVOR+'s fixed projection included); TesseraLinearAttention then
 * works on the features: non-causal with one F x Dv state per head, causal
 * chunk by chunk (quadratic inside a chunk, running state across chunks).
 */
import { engine, Tensor, tidy } from '@tensorflow/tfjs-core';
import { fail, formatShape } from '@tessera/tensor';
import { TesseraLinearAttention, TesseraLinearAttentionAttrs } from '../kernel_names';
import { mapFeatures } from '../linear/feature_maps';
import { LinearAttentionOptions, resolveLinearOptions } from '../linear/linear_options';
import { validateAttention } from '../validate';

const WHERE = 'linearAttention';

/**
 * Linear attention with a kernel feature map.
 *
 * @param q [B, H, Tq, D] queries (float32).
 * @param k [B, Hkv, Tk, D] keys; H % Hkv == 0 (GQA/MQA: query head h uses kv head floor(h / (H / Hkv))).
 * @param v [B, Hkv, Tk, Dv] values.
 * @param options `causal` (default false), `featureMap` ('elu+1' default, 'relu', 'favor+',
 *   or a function of a tensor), `numFeatures` (FAVOR+ m, default 256), `seed` (FAVOR+, default 0),
 *   `scale` (FAVOR+ softmax temperature, default 1/sqrt(D)), `eps` (default 1e-6, > 0),
 *   `chunkSize` (causal, default 64). See docs/linear-attention.md.
 * @returns [B, H, Tq, Dv]. A causal query that sees no key (Tq > Tk) outputs 0.
 *
 * @example
 * import * as tf from '@tensorflow/tfjs-core';
 * import { linearAttention } from '@tessera/attention';
 * const q = tf.randomNormal([1, 8, 4096, 64]);
 * const k = tf.randomNormal([1, 2, 4096, 64]);   // GQA: 2 kv heads
 * const v = tf.randomNormal([1, 2, 4096, 64]);
 * const y = linearAttention(q, k, v, { causal: true });                        // elu+1
 * const p = linearAttention(q, k, v, { featureMap: 'favor+', numFeatures: 256, seed: 7 });
 */
export function linearAttention(q: Tensor, k: Tensor, v: Tensor, options?: LinearAttentionOptions): Tensor {
  const { dims } = validateAttention(q, k, v, undefined, WHERE);
  const r = resolveLinearOptions(options, WHERE);
  return tidy(() => {
    // [B, H, Tq, D] -> [B, H, Tq, F] and [B, Hkv, Tk, D] -> [B, Hkv, Tk, F]
    const qf = mapFeatures(q, { role: 'query', causal: r.causal }, r, WHERE);
    const kf = mapFeatures(k, { role: 'key', causal: r.causal }, r, WHERE);
    if (qf.shape[3] !== kf.shape[3]) {
      fail(WHERE, `options.featureMap must give queries and keys the same feature count F, received ${formatShape(qf.shape)} and ${formatShape(kf.shape)}`);
    }
    const attrs: TesseraLinearAttentionAttrs = { causal: r.causal, eps: r.eps, chunkSize: r.chunkSize };
    const [out] = engine().runKernel(TesseraLinearAttention, { q: qf, k: kf, v }, attrs as unknown as Record<string, boolean | number>) as Tensor[];
    return out;
  });
}
