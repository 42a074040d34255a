/**
 * Arguments of MultiHeadAttention: Keras 3's names and defaults, plus Tessera's
 * `numKeyValueHeads`, `attention`, `attentionOptions` and `positional`.
 * Validated once at construction; every error names the argument and quotes
 * the value received.
 */
import type * as tf from '@tensorflow/tfjs';
import { assertBoolean, assertInteger, assertKnownOptions, assertPositive, fail, formatValue } from '@tessera/tensor';
import type { WeightSettings } from '../core/weights';
import { getConstraint, getInitializer, getRegularizer, serialize, type InitializerId } from '../util/serial';
import { AttentionConfig, AttentionPath, Positional, validateAttentionConfig, validatePath, validatePositional } from './attention_config';

/** Constructor arguments (Keras 3 names; Tessera's additions marked). */
export interface MultiHeadAttentionArgs {
  /** Number of query heads. */
  numHeads: number;
  /** Size of each query/key head. */
  keyDim: number;
  /** Size of each value head; default keyDim. */
  valueDim?: number | null;
  /** Dropout rate on the attention probabilities (training only); default 0. */
  dropout?: number;
  /** Biases in the projections; default true. */
  useBias?: boolean;
  /** Last dimension of the output; default the query's last dimension. */
  outputShape?: number | [number] | null;
  /** Default 'glorotUniform'. */
  kernelInitializer?: InitializerId;
  /** Default 'zeros'. */
  biasInitializer?: InitializerId;
  kernelRegularizer?: InitializerId | null;
  biasRegularizer?: InitializerId | null;
  kernelConstraint?: InitializerId | null;
  biasConstraint?: InitializerId | null;
  /** Dropout seed; default none. */
  seed?: number | null;
  /** Tessera: key/value heads (GQA; 1 = MQA); must divide numHeads. Default numHeads. */
  numKeyValueHeads?: number | null;
  /** Tessera: implementation, 'auto' | 'flash' | 'sparse' | 'linear' | 'reference'. Default 'auto'. */
  attention?: AttentionPath;
  /** Tessera: window, scale, softcap, sparse pattern, linear feature map. */
  attentionOptions?: AttentionConfig;
  /** Tessera: 'none' | 'rope' | 'alibi'. Default 'none'. */
  positional?: Positional;
  /** Tessera: RoPE max wavelength; default 10000. */
  ropeMaxWavelength?: number;
  /** Tessera: RoPE position scaling factor; default 1. */
  ropeScalingFactor?: number;
  /**
   * Keras's call argument `use_causal_mask` as a constructor argument (query i sees keys
   * j <= i), so that functional models (`tf.model`, predict/fit) are causal: tfjs-layers
   * does not apply call options of a symbolic call. A call's `useCausalMask` is OR-ed with
   * it in eager calls: causal = useCausalMask (constructor) || useCausalMask (call). Default false.
   */
  useCausalMask?: boolean;
}

/** Validated arguments with defaults applied. */
export interface MhaSettings {
  numHeads: number;
  numKeyValueHeads: number;
  keyDim: number;
  valueDim: number;
  dropout: number;
  useBias: boolean;
  outputDim: number | null;
  seed: number | null;
  attention: AttentionPath;
  attentionOptions: AttentionConfig;
  positional: Positional;
  ropeMaxWavelength: number;
  ropeScalingFactor: number;
  useCausalMask: boolean;
  weights: WeightSettings;
}

export const MHA_ARG_NAMES = [
  'numHeads', 'keyDim', 'valueDim', 'dropout', 'useBias', 'outputShape', 'kernelInitializer', 'biasInitializer',
  'kernelRegularizer', 'biasRegularizer', 'kernelConstraint', 'biasConstraint', 'seed', 'numKeyValueHeads',
  'attention', 'attentionOptions', 'positional', 'ropeMaxWavelength', 'ropeScalingFactor', 'useCausalMask',
] as const;

/** Kernel/bias settings shared by every Tessera layer with projections. */
export function resolveWeightSettings(a: Partial<Record<string, unknown>>, where: string): WeightSettings {
  return {
    kernelInitializer: getInitializer(a.kernelInitializer ?? 'glorotUniform', 'kernelInitializer', where),
    biasInitializer: getInitializer(a.biasInitializer ?? 'zeros', 'biasInitializer', where),
    kernelRegularizer: getRegularizer(a.kernelRegularizer, 'kernelRegularizer', where),
    biasRegularizer: getRegularizer(a.biasRegularizer, 'biasRegularizer', where),
    kernelConstraint: getConstraint(a.kernelConstraint, 'kernelConstraint', where),
    biasConstraint: getConstraint(a.biasConstraint, 'biasConstraint', where),
  };
}

/** Serialized kernel/bias settings for getConfig(). */
export function weightSettingsConfig(w: WeightSettings): tf.serialization.ConfigDict {
  return {
    kernelInitializer: serialize(w.kernelInitializer),
    biasInitializer: serialize(w.biasInitializer),
    kernelRegularizer: serialize(w.kernelRegularizer),
    biasRegularizer: serialize(w.biasRegularizer),
    kernelConstraint: serialize(w.kernelConstraint),
    biasConstraint: serialize(w.biasConstraint),
  } as unknown as tf.serialization.ConfigDict;
}

export function assertRate(x: unknown, name: string, where: string): asserts x is number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0 || x >= 1) fail(where, `${name} must be a number in [0, 1), received ${formatValue(x)}`);
}

export function resolveMhaArgs(args: MultiHeadAttentionArgs, where: string): MhaSettings {
  if (typeof args !== 'object' || args === null) fail(where, `args must be an object with numHeads and keyDim, received ${formatValue(args)}`);
  // An argument not listed here would change nothing and be missing from getConfig(): reject it.
  assertKnownOptions(args, MHA_ARG_NAMES, 'args', where);
  assertInteger(args.numHeads, 'numHeads', where);
  assertInteger(args.keyDim, 'keyDim', where);
  const valueDim = args.valueDim ?? args.keyDim;
  assertInteger(valueDim, 'valueDim', where);
  const numKeyValueHeads = args.numKeyValueHeads ?? args.numHeads;
  assertInteger(numKeyValueHeads, 'numKeyValueHeads', where);
  if (args.numHeads % numKeyValueHeads !== 0) {
    fail(where, `numHeads must be divisible by numKeyValueHeads, received numHeads ${args.numHeads} and numKeyValueHeads ${numKeyValueHeads}`);
  }
  const dropout = args.dropout ?? 0;
  assertRate(dropout, 'dropout', where);
  const useBias = args.useBias ?? true;
  assertBoolean(useBias, 'useBias', where);
  let outputDim: number | null = null;
  if (args.outputShape !== undefined && args.outputShape !== null) {
    const o = Array.isArray(args.outputShape) && args.outputShape.length === 1 ? args.outputShape[0] : args.outputShape;
    if (typeof o !== 'number' || !Number.isInteger(o) || o < 1) fail(where, `outputShape must be a positive integer (or [n]), received ${formatValue(args.outputShape)}`);
    outputDim = o;
  }
  const seed = args.seed ?? null;
  if (seed !== null) assertInteger(seed, 'seed', where, 0);
  const attention = validatePath(args.attention ?? 'auto', where);
  const attentionOptions = validateAttentionConfig(args.attentionOptions, where);
  const positional = validatePositional(args.positional ?? 'none', where);
  const ropeMaxWavelength = args.ropeMaxWavelength ?? 10000;
  assertPositive(ropeMaxWavelength, 'ropeMaxWavelength', where);
  const ropeScalingFactor = args.ropeScalingFactor ?? 1;
  assertPositive(ropeScalingFactor, 'ropeScalingFactor', where);
  const useCausalMask = args.useCausalMask ?? false;
  assertBoolean(useCausalMask, 'useCausalMask', where);
  if (positional === 'rope' && args.keyDim % 2 !== 0) fail(where, `positional 'rope' needs an even keyDim, received keyDim ${args.keyDim}`);
  if (attention === 'linear' && positional === 'alibi') fail(where, "positional 'alibi' is a score bias and linear attention has no scores; use 'rope' or 'none' with attention 'linear'");
  return {
    numHeads: args.numHeads,
    numKeyValueHeads,
    keyDim: args.keyDim,
    valueDim,
    dropout,
    useBias,
    outputDim,
    seed,
    attention,
    attentionOptions,
    positional,
    ropeMaxWavelength,
    ropeScalingFactor,
    useCausalMask,
    weights: resolveWeightSettings(args as unknown as Record<string, unknown>, where),
  };
}

/** getConfig() entries of the MHA arguments (every constructor argument). */
export function mhaConfig(s: MhaSettings): tf.serialization.ConfigDict {
  return {
    numHeads: s.numHeads,
    keyDim: s.keyDim,
    valueDim: s.valueDim,
    dropout: s.dropout,
    useBias: s.useBias,
    outputShape: s.outputDim,
    seed: s.seed,
    numKeyValueHeads: s.numKeyValueHeads,
    attention: s.attention,
    attentionOptions: s.attentionOptions as unknown as tf.serialization.ConfigDict,
    positional: s.positional,
    ropeMaxWavelength: s.ropeMaxWavelength,
    ropeScalingFactor: s.ropeScalingFactor,
    useCausalMask: s.useCausalMask,
    ...weightSettingsConfig(s.weights),
  };
}
