/**
 * Options of the linear attention ops (linearAttention, linearAttentionStep,
 * linearAttentionPrefill, linearAttentionState), their defaults and validation.
 * Validation allocates no tensor, so a rejected call cannot leak.
 */
import type { Tensor } from '@tensorflow/tfjs-core';
import { assertBoolean, assertInteger, assertKnownOptions, assertOneOf, assertPositive, fail, formatValue } from '@tessera/tensor';

/** Built-in feature maps. */
export const LINEAR_FEATURE_MAPS = ['elu+1', 'relu', 'favor+'] as const;
export type LinearFeatureMapName = (typeof LINEAR_FEATURE_MAPS)[number];

/** What a feature map is told about the tensor it maps. */
export interface FeatureMapContext {
  /** Whether x holds queries [B, H, T, D] or keys [B, Hkv, T, D]. */
  role: 'query' | 'key';
  /** Causal attention (and recurrent decoding): a key map must not look at other keys. */
  causal: boolean;
}

/**
 * A user feature map: [..., T, D] -> [..., T, F] with F >= 1, non-negative
 * values (so every denominator is positive), built from tfjs ops so gradients flow.
 * @example const cosh: FeatureMapFn = (x) => tf.concat([tf.exp(x), tf.exp(tf.neg(x))], -1);
 */
export type FeatureMapFn = (x: Tensor, context: FeatureMapContext) => Tensor;

/** Options of `linearAttention` (see docs/linear-attention.md). */
export interface LinearAttentionOptions {
  /** Prefix sums over j <= i + Tk - Tq (bottom-right aligned). Default false. */
  causal?: boolean;
  /** 'elu+1' (default, Katharopoulos et al. 2020), 'relu', 'favor+' (Performer), or a FeatureMapFn. */
  featureMap?: LinearFeatureMapName | FeatureMapFn;
  /** FAVOR+ only: random features m. Default 256. */
  numFeatures?: number;
  /** FAVOR+ only: seed of the orthogonal random projection (same seed, same features on every backend). Default 0. */
  seed?: number;
  /** FAVOR+ only: the softmax temperature approximated, softmax(scale q k^T). Default 1/sqrt(D). */
  scale?: number;
  /** Added to every denominator phi(q_i)^T z + eps; must be > 0. Default 1e-6. */
  eps?: number;
  /** Causal only: keys per chunk (quadratic inside a chunk, running state across chunks). Default 64. */
  chunkSize?: number;
}

/** Documented defaults. */
export const LINEAR_DEFAULTS = { featureMap: 'elu+1', numFeatures: 256, seed: 0, eps: 1e-6, chunkSize: 64 } as const;

/** Every option name. */
export const LINEAR_OPTION_NAMES = ['causal', 'featureMap', 'numFeatures', 'seed', 'scale', 'eps', 'chunkSize'] as const;
export type LinearOptionName = (typeof LINEAR_OPTION_NAMES)[number];

/** Options after validation, defaults applied. */
export interface ResolvedLinear {
  causal: boolean;
  featureMap: LinearFeatureMapName | FeatureMapFn;
  numFeatures: number;
  seed: number;
  /** null: 1/sqrt(D). */
  scale: number | null;
  eps: number;
  chunkSize: number;
}

const FAVOR_ONLY = ['numFeatures', 'seed', 'scale'] as const;

/**
 * Validates `options` for the op `where`; `allowed` lists the option names that op takes.
 * Errors name the option and quote the value received.
 */
export function resolveLinearOptions(options: unknown, where: string, allowed: readonly LinearOptionName[] = LINEAR_OPTION_NAMES): ResolvedLinear {
  assertKnownOptions(options, allowed, 'options', where);
  const o = (options ?? {}) as LinearAttentionOptions;
  if (o.causal !== undefined) assertBoolean(o.causal, 'options.causal', where);
  const map = o.featureMap ?? LINEAR_DEFAULTS.featureMap;
  if (typeof map !== 'function') assertOneOf(map, LINEAR_FEATURE_MAPS, 'options.featureMap', where);
  if (map !== 'favor+') {
    for (const key of FAVOR_ONLY) {
      if (o[key] !== undefined) fail(where, `options.${key} applies only to featureMap 'favor+', received ${key} ${formatValue(o[key])} with featureMap ${formatValue(map)}`);
    }
  }
  if (o.numFeatures !== undefined) assertInteger(o.numFeatures, 'options.numFeatures', where, 1);
  if (o.seed !== undefined && !Number.isSafeInteger(o.seed)) fail(where, `options.seed must be a safe integer, received ${formatValue(o.seed)}`);
  if (o.scale !== undefined) assertPositive(o.scale, 'options.scale', where);
  if (o.eps !== undefined) assertPositive(o.eps, 'options.eps', where);
  if (o.chunkSize !== undefined) assertInteger(o.chunkSize, 'options.chunkSize', where, 1);
  return {
    causal: o.causal ?? false,
    featureMap: map as LinearFeatureMapName | FeatureMapFn,
    numFeatures: o.numFeatures ?? LINEAR_DEFAULTS.numFeatures,
    seed: o.seed ?? LINEAR_DEFAULTS.seed,
    scale: o.scale ?? null,
    eps: o.eps ?? LINEAR_DEFAULTS.eps,
    chunkSize: o.chunkSize ?? LINEAR_DEFAULTS.chunkSize,
  };
}
