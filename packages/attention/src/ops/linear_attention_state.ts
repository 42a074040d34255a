/**
 * linearAttentionState: the empty recurrent state of causal linear attention
 * (Katharopoulos et al. 2020, sec. 3.4), to start decoding from no context.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, assertKnownOptions, fail, formatValue } from '@tessera/tensor';
import { featureCount } from '../linear/feature_maps';
import { FeatureMapFn, LinearFeatureMapName, resolveLinearOptions } from '../linear/linear_options';
import type { LinearAttentionState } from '../linear/linear_state';

const WHERE = 'linearAttentionState';

/** Sizes of a state. */
export interface LinearAttentionStateSpec {
  /** Batch size. */
  B: number;
  /** Key/value heads (query heads H % Hkv == 0 share them). */
  Hkv: number;
  /** Head size of q and k (the feature map's input). */
  D: number;
  /** Head size of v. */
  Dv: number;
  /** Query heads; optional, checked to be a multiple of Hkv. */
  H?: number;
  /** The feature map the steps will use: 'elu+1' (default), 'relu', 'favor+' or a function. */
  featureMap?: LinearFeatureMapName | FeatureMapFn;
  /** FAVOR+ m (default 256). */
  numFeatures?: number;
  /** F, the feature count; needed for a function map, else derived (D, or m for FAVOR+). */
  features?: number;
}

/**
 * Zero state {S: [B, Hkv, F, Dv], z: [B, Hkv, F]} for `linearAttentionStep`.
 * The caller owns it (dispose with `tf.dispose(state)`).
 *
 * @example
 * let state = linearAttentionState({ B: 1, Hkv: 2, D: 64, Dv: 64 });     // elu+1: F = D
 * const r = linearAttentionStep(state, q1, k1, v1);                     // q1 [1, 8, 1, 64]
 * tf.dispose(state); state = r.state;
 */
export function linearAttentionState(spec: LinearAttentionStateSpec): LinearAttentionState {
  assertKnownOptions(spec, ['B', 'Hkv', 'D', 'Dv', 'H', 'featureMap', 'numFeatures', 'features'], 'spec', WHERE);
  if (spec === undefined) fail(WHERE, 'spec must be an object {B, Hkv, D, Dv}, received undefined');
  for (const key of ['B', 'Hkv', 'D', 'Dv'] as const) assertInteger(spec[key], `spec.${key}`, WHERE, 1);
  if (spec.H !== undefined) {
    assertInteger(spec.H, 'spec.H', WHERE, 1);
    if (spec.H % spec.Hkv !== 0) fail(WHERE, `spec.H must be a multiple of spec.Hkv (GQA/MQA), received H=${spec.H} and Hkv=${spec.Hkv}`);
  }
  const r = resolveLinearOptions({ featureMap: spec.featureMap, numFeatures: spec.numFeatures }, WHERE);
  const derived = featureCount(r, spec.D);
  if (spec.features !== undefined) assertInteger(spec.features, 'spec.features', WHERE, 1);
  if (derived === null && spec.features === undefined) fail(WHERE, `spec.features (F) is needed with a function featureMap, received ${formatValue(spec.features)}`);
  if (derived !== null && spec.features !== undefined && spec.features !== derived) {
    fail(WHERE, `spec.features must be ${derived} for featureMap ${formatValue(r.featureMap)}, received ${formatValue(spec.features)}`);
  }
  const F = (spec.features ?? derived) as number;
  return { S: tf.zeros([spec.B, spec.Hkv, F, spec.Dv]), z: tf.zeros([spec.B, spec.Hkv, F]) };
}
