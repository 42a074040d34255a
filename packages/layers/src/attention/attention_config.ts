/**
 * Tessera's attention arguments of the layers: which implementation runs
 * (`attention`), its options (`attentionOptions`) and the position scheme
 * (`positional`). All JSON-serializable, so they round-trip through getConfig().
 */
import { LINEAR_FEATURE_MAPS } from '@tessera/attention';
import { assertFiniteNumber, assertInteger, assertKnownOptions, assertOneOf, assertPositive, assertWindow, fail, formatValue } from '@tessera/tensor';

export const ATTENTION_PATHS = ['auto', 'flash', 'sparse', 'linear', 'reference'] as const;
/** 'auto' runs flash unless the call needs the reference (scores, a general mask, attention dropout). */
export type AttentionPath = (typeof ATTENTION_PATHS)[number];
export const POSITIONAL = ['none', 'rope', 'alibi'] as const;
/** 'rope': rotary q/k (Su et al. 2021); 'alibi': linear score biases (Press et al. 2022). */
export type Positional = (typeof POSITIONAL)[number];

/** Block-sparse pattern of `attention: 'sparse'` (built per sequence length with @tessera/attention's builders). */
export interface SparseConfig {
  /** Tile edge (power of two); default 64, clamped for short sequences. */
  blockSize?: number;
  /** Global token indices that see and are seen by every position (Longformer). */
  globalTokens?: number[];
  /** BigBird pattern in blocks instead of a window (Zaheer et al. 2020). */
  bigBird?: { windowBlocks: number; globalBlocks: number; randomBlocks: number; seed: number };
}

/** Options of the attention computation. */
export interface AttentionConfig {
  /** Local window [left, right] around the aligned query; -1 = unbounded. Mistral: [W - 1, 0]. */
  window?: [number, number];
  /** Scores multiplier; default 1/sqrt(keyDim). */
  scale?: number;
  /** Tanh soft-capping of the scores (Gemma 2). */
  softcap?: number;
  /** Block-sparse pattern (attention: 'sparse'). */
  sparse?: SparseConfig;
  /** Feature map of attention 'linear': 'elu+1' (default), 'relu' or 'favor+' (Performer). */
  featureMap?: string;
  /** Further options of attention 'linear' (see linearAttention): FAVOR+ numFeatures and seed, eps, chunkSize. */
  linear?: { numFeatures?: number; seed?: number; eps?: number; chunkSize?: number };
}

export const ATTENTION_CONFIG_KEYS = ['window', 'scale', 'softcap', 'sparse', 'featureMap', 'linear'] as const;

/** Validates `attentionOptions` for layer `where` (no tensors involved). */
export function validateAttentionConfig(c: unknown, where: string): AttentionConfig {
  if (c === undefined || c === null) return {};
  assertKnownOptions(c, ATTENTION_CONFIG_KEYS, 'attentionOptions', where);
  const o = c as AttentionConfig;
  if (o.window !== undefined) assertWindow(o.window, 'attentionOptions.window', where);
  if (o.scale !== undefined) assertFiniteNumber(o.scale, 'attentionOptions.scale', where);
  if (o.softcap !== undefined) assertPositive(o.softcap, 'attentionOptions.softcap', where);
  if (o.featureMap !== undefined) assertOneOf(o.featureMap, LINEAR_FEATURE_MAPS, 'attentionOptions.featureMap', where);
  if (o.linear !== undefined) {
    assertKnownOptions(o.linear, ['numFeatures', 'seed', 'eps', 'chunkSize'], 'attentionOptions.linear', where);
    const l = o.linear;
    if (l.numFeatures !== undefined) assertInteger(l.numFeatures, 'attentionOptions.linear.numFeatures', where);
    if (l.seed !== undefined) assertInteger(l.seed, 'attentionOptions.linear.seed', where, 0);
    if (l.eps !== undefined) assertPositive(l.eps, 'attentionOptions.linear.eps', where);
    if (l.chunkSize !== undefined) assertInteger(l.chunkSize, 'attentionOptions.linear.chunkSize', where);
  }
  if (o.sparse !== undefined) {
    const s = o.sparse;
    assertKnownOptions(s, ['blockSize', 'globalTokens', 'bigBird'], 'attentionOptions.sparse', where);
    if (s.blockSize !== undefined) assertInteger(s.blockSize, 'attentionOptions.sparse.blockSize', where);
    if (s.globalTokens !== undefined) {
      if (!Array.isArray(s.globalTokens)) fail(where, `attentionOptions.sparse.globalTokens must be an array of token indices, received ${formatValue(s.globalTokens)}`);
      s.globalTokens.forEach((g, i) => assertInteger(g, `attentionOptions.sparse.globalTokens[${i}]`, where, 0));
    }
    if (s.bigBird !== undefined) {
      assertKnownOptions(s.bigBird, ['windowBlocks', 'globalBlocks', 'randomBlocks', 'seed'], 'attentionOptions.sparse.bigBird', where);
      for (const k of ['windowBlocks', 'globalBlocks', 'randomBlocks', 'seed'] as const) assertInteger(s.bigBird[k], `attentionOptions.sparse.bigBird.${k}`, where, 0);
    }
  }
  return o;
}

export function validatePath(x: unknown, where: string): AttentionPath {
  assertOneOf(x, ATTENTION_PATHS, 'attention', where);
  return x;
}

export function validatePositional(x: unknown, where: string): Positional {
  assertOneOf(x, POSITIONAL, 'positional', where);
  return x;
}

/** Intersection of two windows (-1 = unbounded side); null stands for "no window". */
export function intersectWindows(a: readonly [number, number] | null, b: readonly [number, number] | null): [number, number] | null {
  if (!a) return b ? [b[0], b[1]] : null;
  if (!b) return [a[0], a[1]];
  const side = (x: number, y: number): number => (x < 0 ? y : y < 0 ? x : Math.min(x, y));
  return [side(a[0], b[0]), side(a[1], b[1])];
}

/** linearAttention options from a layer's attention config. */
export function linearOptions(c: AttentionConfig): import('@tessera/attention').LinearAttentionOptions {
  const o: import('@tessera/attention').LinearAttentionOptions = { ...(c.linear ?? {}) };
  if (c.featureMap !== undefined) o.featureMap = c.featureMap as import('@tessera/attention').LinearFeatureMapName;
  if (c.scale !== undefined && c.featureMap === 'favor+') o.scale = c.scale;
  return o;
}
