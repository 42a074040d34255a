/**
 * linearAttentionPrefill: the recurrent state after a prompt, in one pass
 * (S = phi(K)^T V, z = sum_j phi(k_j)), so decoding with linearAttentionStep
 * can start from a long context without stepping through it token by token.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertRank, fail, formatShape } from '@tessera/tensor';
import { featureCount, mapFeatures } from '../linear/feature_maps';
import { resolveLinearOptions } from '../linear/linear_options';
import { checkState, LinearAttentionState } from '../linear/linear_state';
import type { LinearAttentionStepOptions } from './linear_attention_step';

const WHERE = 'linearAttentionPrefill';

/**
 * State after keys k and values v (added to `state` if one is given; it is not disposed).
 *
 * @param k [B, Hkv, T, D] the prompt's keys; @param v [B, Hkv, T, Dv] its values.
 * @param options the feature map options the steps will use (`featureMap`, `numFeatures`, `seed`, `scale`).
 * @param state optional state to continue (e.g. a prompt ingested in pieces).
 * @returns a new `{S: [B, Hkv, F, Dv], z: [B, Hkv, F]}`, owned by the caller.
 *
 * @example
 * const prompt = linearAttention(q, k, v, { causal: true });   // outputs for the prompt
 * let state = linearAttentionPrefill(k, v);                     // then decode token by token
 */
export function linearAttentionPrefill(k: tf.Tensor, v: tf.Tensor, options?: Omit<LinearAttentionStepOptions, 'eps'>, state?: LinearAttentionState): LinearAttentionState {
  assertRank(k, 4, 'k', WHERE, '[B, Hkv, T, D]');
  assertRank(v, 4, 'v', WHERE, '[B, Hkv, T, Dv]');
  const [B, Hkv, T, D] = k.shape as number[];
  const Dv = (v.shape as number[])[3];
  if (v.shape[0] !== B || v.shape[1] !== Hkv || v.shape[2] !== T) fail(WHERE, `k and v must share B, Hkv and T, received k ${formatShape(k.shape)} and v ${formatShape(v.shape)}`);
  if (k.dtype !== 'float32' || v.dtype !== 'float32') fail(WHERE, `k and v must have dtype float32, received ${k.dtype} and ${v.dtype}`);
  const r = resolveLinearOptions(options, WHERE, ['featureMap', 'numFeatures', 'seed', 'scale']);
  if (state !== undefined) checkState(state, { B, Hkv, F: featureCount(r, D), Dv }, WHERE);
  return tf.tidy(() => {
    const kf = mapFeatures(k, { role: 'key', causal: true }, r, WHERE); // [B, Hkv, T, F]
    const F = (kf.shape as number[])[3];
    if (state !== undefined && (state.S.shape as number[])[2] !== F) fail(WHERE, `state.S must have F = ${F} features, received ${formatShape(state.S.shape)}`);
    // [B, Hkv, T, F]^T x [B, Hkv, T, Dv] -> [B, Hkv, F, Dv]
    let S = tf.matMul(kf, v, true, false);
    // [B, Hkv, T, F] -> [B, Hkv, F]
    let z = tf.sum(kf, 2);
    if (state !== undefined) {
      S = tf.add(state.S, S);
      z = tf.add(state.z, z);
    }
    return { S, z };
  });
}
