/**
 * The fused layerNorm / gelu of @tessera/native when it is installed and built
 * (Node), else null: callers then compose tfjs ops (browser, no compiler).
 * @tessera/native is an optional dependency, loaded at run time so bundlers
 * never see the addon.
 */
import type * as tf from '@tensorflow/tfjs';

interface FusedOps {
  layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor;
  gelu(x: tf.Tensor, approximate: boolean): tf.Tensor;
  /** One-call GPT decoding step (absent in addons that predate it). */
  gptDecodeAvailable?: () => boolean;
  gptDecodeStep?: (arrays: (Float32Array | null)[], tokens: Int32Array, logits: Float32Array, dims: NativeDecodeDims) => void;
}

/** @tessera/native's GptDecodeDims (repeated here: the package is an optional dependency). */
export interface NativeDecodeDims {
  batch: number;
  hidden: number;
  numHeads: number;
  numKeyValueHeads: number;
  keyDim: number;
  valueDim: number;
  intermediateDim: number;
  numLayers: number;
  vocabularySize: number;
  capacity: number;
  position: number;
  activation: 'relu' | 'gelu' | 'geluApproximate';
  epsilon: number;
  finalEpsilon: number;
  scale: number;
  positionRows: number;
}

let cached: FusedOps | null | undefined;

/** The fused ops, or null when @tessera/native is unavailable. */
export function fusedOps(): FusedOps | null {
  if (cached !== undefined) return cached;
  cached = null;
  if (typeof process === 'undefined' || !process.versions?.node) return cached;
  try {
    const req = typeof require === 'function' ? require : (new Function('return require')() as NodeRequire);
    const mod = req('@tessera/native') as Partial<FusedOps> & { available?: () => boolean };
    if (typeof mod.layerNorm === 'function' && typeof mod.gelu === 'function' && mod.available?.()) cached = mod as FusedOps;
  } catch {
    // not installed: compose tfjs ops
  }
  return cached;
}
