/**
 * Arguments shared by TransformerEncoder and TransformerDecoder: KerasHub's
 * names and defaults plus Tessera's attention arguments.
 */
import type * as tf from '@tensorflow/tfjs';
import { assertBoolean, assertInteger, assertKnownOptions, assertOneOf, assertPositive, fail } from '@tessera/tensor';
import { AttentionConfig, AttentionPath, Positional } from '../attention/attention_config';
import { assertRate, MhaSettings, resolveMhaArgs, resolveWeightSettings, weightSettingsConfig } from '../attention/mha_args';
import { ACTIVATIONS, ActivationName, normalizeActivation } from '../core/activation';
import type { WeightSettings } from '../core/weights';
import type { InitializerId } from '../util/serial';

export interface TransformerArgs {
  /** Hidden size of the feed-forward network. */
  intermediateDim: number;
  numHeads: number;
  /** Dropout after attention and feed-forward (and on attention probabilities); default 0. */
  dropout?: number;
  /** 'relu' (default) | 'gelu' | 'geluApproximate'. */
  activation?: ActivationName | 'gelu_approximate';
  /** Default 1e-5. */
  layerNormEpsilon?: number;
  kernelInitializer?: InitializerId;
  biasInitializer?: InitializerId;
  /** Pre-LN (true) or post-LN (false, default, as the original Transformer). */
  normalizeFirst?: boolean;
  /** Tessera: key/value heads (GQA/MQA); default numHeads. */
  numKeyValueHeads?: number | null;
  /** Tessera: attention implementation; default 'auto'. */
  attention?: AttentionPath;
  attentionOptions?: AttentionConfig;
  /** Tessera: 'none' (default) | 'rope' | 'alibi'. */
  positional?: Positional;
}

/** Every constructor argument (all listed by getConfig()). */
export const TRANSFORMER_ARG_NAMES = [
  'intermediateDim', 'numHeads', 'dropout', 'activation', 'layerNormEpsilon', 'kernelInitializer', 'biasInitializer',
  'normalizeFirst', 'numKeyValueHeads', 'attention', 'attentionOptions', 'positional',
] as const;

export interface TransformerSettings {
  intermediateDim: number;
  numHeads: number;
  dropout: number;
  activation: ActivationName;
  layerNormEpsilon: number;
  normalizeFirst: boolean;
  numKeyValueHeads: number | null;
  attention: AttentionPath;
  attentionOptions: AttentionConfig;
  positional: Positional;
  weights: WeightSettings;
  raw: { kernelInitializer?: InitializerId; biasInitializer?: InitializerId };
}

export function resolveTransformerArgs(a: TransformerArgs, where: string): TransformerSettings {
  if (typeof a !== 'object' || a === null) fail(where, `args must be an object with intermediateDim and numHeads, received ${String(a)}`);
  // An argument not listed would be ignored (or half-applied) and missing from getConfig(): reject it.
  assertKnownOptions(a, TRANSFORMER_ARG_NAMES, 'args', where);
  assertInteger(a.intermediateDim, 'intermediateDim', where);
  assertInteger(a.numHeads, 'numHeads', where);
  const dropout = a.dropout ?? 0;
  assertRate(dropout, 'dropout', where);
  const activation = normalizeActivation(a.activation ?? 'relu');
  assertOneOf(activation, ACTIVATIONS, 'activation', where);
  const eps = a.layerNormEpsilon ?? 1e-5;
  assertPositive(eps, 'layerNormEpsilon', where);
  const normalizeFirst = a.normalizeFirst ?? false;
  assertBoolean(normalizeFirst, 'normalizeFirst', where);
  const s: TransformerSettings = {
    intermediateDim: a.intermediateDim,
    numHeads: a.numHeads,
    dropout,
    activation,
    layerNormEpsilon: eps,
    normalizeFirst,
    numKeyValueHeads: a.numKeyValueHeads ?? null,
    attention: a.attention ?? 'auto',
    attentionOptions: a.attentionOptions ?? {},
    positional: a.positional ?? 'none',
    weights: resolveWeightSettings(a as unknown as Record<string, unknown>, where),
    raw: { kernelInitializer: a.kernelInitializer, biasInitializer: a.biasInitializer },
  };
  // Validate the attention arguments now (keyDim is only known at build time; 1 stands in).
  attentionSettings(s, s.numHeads * 2, where);
  return s;
}

/** The MultiHeadAttention settings of a block with hidden size `hidden` (keyDim = hidden / numHeads, as KerasHub). */
export function attentionSettings(s: TransformerSettings, hidden: number, where: string, positional = true): MhaSettings {
  const keyDim = Math.floor(hidden / s.numHeads);
  if (keyDim < 1) fail(where, `numHeads must be <= the hidden size ${hidden}, received numHeads ${s.numHeads}`);
  return resolveMhaArgs(
    {
      numHeads: s.numHeads,
      keyDim,
      dropout: s.dropout,
      numKeyValueHeads: s.numKeyValueHeads,
      attention: s.attention,
      attentionOptions: s.attentionOptions,
      positional: positional ? s.positional : 'none',
      kernelInitializer: s.raw.kernelInitializer,
      biasInitializer: s.raw.biasInitializer,
    },
    where,
  );
}

export function transformerConfig(s: TransformerSettings): tf.serialization.ConfigDict {
  const w = weightSettingsConfig(s.weights);
  return {
    intermediateDim: s.intermediateDim,
    numHeads: s.numHeads,
    dropout: s.dropout,
    activation: s.activation,
    layerNormEpsilon: s.layerNormEpsilon,
    kernelInitializer: w.kernelInitializer,
    biasInitializer: w.biasInitializer,
    normalizeFirst: s.normalizeFirst,
    numKeyValueHeads: s.numKeyValueHeads,
    attention: s.attention,
    attentionOptions: s.attentionOptions as unknown as tf.serialization.ConfigDict,
    positional: s.positional,
  };
}
