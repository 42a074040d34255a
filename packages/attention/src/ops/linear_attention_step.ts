/**
 * linearAttentionStep: one token of causal linear attention in its RNN form
 * (Katharopoulos et al. 2020, sec. 3.4, eqs. 16-20):
 *
 *   S' = S + phi(k) v^T,   z' = z + phi(k),   out = phi(q)^T S' / (phi(q)^T z' + eps)
 *
 * O(F * Dv) time and memory per token whatever the context length. Written with
 * tfjs ops (a handful of small ones), so it runs on every backend and is
 * differentiable. Token by token it equals `linearAttention(..., {causal: true})`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fail, formatShape } from '@tessera/tensor';
import { featureCount, mapFeatures } from '../linear/feature_maps';
import { LinearAttentionOptions, resolveLinearOptions } from '../linear/linear_options';
import { checkState, LinearAttentionState } from '../linear/linear_state';
import { validateAttention } from '../validate';

const WHERE = 'linearAttentionStep';

/** Options of a step: the feature map's and eps (causal is implied, chunks do not apply). */
export type LinearAttentionStepOptions = Pick<LinearAttentionOptions, 'featureMap' | 'numFeatures' | 'seed' | 'scale' | 'eps'>;

/** What a step returns: the new token's output and the new state (both owned by the caller). */
export interface LinearAttentionStepResult {
  /** [B, H, 1, Dv] */
  output: tf.Tensor;
  state: LinearAttentionState;
}

/**
 * Advances `state` by one token and returns that token's output.
 *
 * @param state from linearAttentionState, linearAttentionPrefill or a previous step; NOT disposed.
 * @param q [B, H, 1, D] the new token's queries; @param k [B, Hkv, 1, D]; @param v [B, Hkv, 1, Dv].
 * @param options the same feature map options as the batch op (`featureMap`, `numFeatures`,
 *   `seed`, `scale`, `eps`); pass the ones used for the prompt.
 * @returns `{output [B, H, 1, Dv], state}`: a new state; the caller disposes the old one.
 *
 * @example
 * let state = linearAttentionState({ B: 1, Hkv: 8, D: 64, Dv: 64 });
 * for (let t = 0; t < 100; t++) {
 *   const { output, state: next } = linearAttentionStep(state, qT, kT, vT);  // [1, 8, 1, 64] each
 *   tf.dispose(state);
 *   state = next;
 *   // ... use output, dispose it
 * }
 */
export function linearAttentionStep(state: LinearAttentionState, q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, options?: LinearAttentionStepOptions): LinearAttentionStepResult {
  const { dims } = validateAttention(q, k, v, undefined, WHERE);
  const { B, H, Hkv, G, D, Dv } = dims;
  if (dims.Tq !== 1 || dims.Tk !== 1) {
    fail(WHERE, `q, k and v must hold one token each ([B, H, 1, D], [B, Hkv, 1, D], [B, Hkv, 1, Dv]), received q ${formatShape(q.shape)}, k ${formatShape(k.shape)}, v ${formatShape(v.shape)}`);
  }
  const r = resolveLinearOptions(options, WHERE, ['featureMap', 'numFeatures', 'seed', 'scale', 'eps']);
  checkState(state, { B, Hkv, F: featureCount(r, D), Dv }, WHERE);
  const F = (state.S.shape as number[])[2];
  return tf.tidy(() => {
    const ctx = { causal: true } as const;
    const kf = mapFeatures(k, { ...ctx, role: 'key' }, r, WHERE); // [B, Hkv, 1, F]
    const qf = mapFeatures(q, { ...ctx, role: 'query' }, r, WHERE); // [B, H, 1, F]
    if (kf.shape[3] !== F || qf.shape[3] !== F) {
      fail(WHERE, `state.S must have shape [${B},${Hkv},F,${Dv}] with F = the feature map's ${kf.shape[3]} features, received ${formatShape(state.S.shape)} (a state from other shapes)`);
    }
    // [B, Hkv, 1, F]^T x [B, Hkv, 1, Dv] -> [B, Hkv, F, Dv]
    const S = tf.add(state.S, tf.matMul(kf, v, true, false));
    // [B, Hkv, 1, F] -> [B, Hkv, F]
    const z = tf.add(state.z, tf.reshape(kf, [B, Hkv, F]));
    // [B, H, 1, F] -> [B, Hkv, G, F]: the G query heads of a kv head read its state together.
    const qg = tf.reshape(qf, [B, Hkv, G, F]);
    // [B, Hkv, G, F] x [B, Hkv, F, Dv] -> [B, Hkv, G, Dv]
    const num = tf.matMul(qg, S);
    // [B, Hkv, G, F] x [B, Hkv, F, 1] -> [B, Hkv, G, 1]
    const den = tf.add(tf.matMul(qg, tf.reshape(z, [B, Hkv, F, 1])), r.eps);
    // [B, Hkv, G, Dv] -> [B, H, 1, Dv]
    const output = tf.reshape(tf.div(num, den), [B, H, 1, Dv]);
    return { output, state: { S, z } };
  });
}
