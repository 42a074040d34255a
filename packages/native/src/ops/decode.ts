/**
 * One token of pre-LN GPT decoding in a single native call (src/cc/decode_impl.h):
 * embeddings, every block (layer norm, q/k/v projections, the new keys/values
 * written into the caches, attention of the new query over cache slots
 * 0..pos, output projection, residual, layer norm, feed-forward, residual),
 * final layer norm and head. @tessera/layers' `Gpt.generate` uses it: through
 * tfjs a token costs ~240 small kernels whose per-op overhead, not arithmetic,
 * sets the speed.
 */
import { opError } from './check';
import { ops } from './raw';
import { nativeOpsEnabled } from './registry';

/** Sizes of the model and where this step writes (see GptDecodeArrays for the array order). */
export interface GptDecodeDims {
  batch: number;
  hidden: number;
  numHeads: number;
  numKeyValueHeads: number;
  keyDim: number;
  valueDim: number;
  intermediateDim: number;
  numLayers: number;
  vocabularySize: number;
  /** Cache slots per (batch, kv head). */
  capacity: number;
  /** Position of the new token (= tokens cached so far), < capacity. */
  position: number;
  /** 'relu' | 'gelu' (erf) | 'geluApproximate' (tanh). */
  activation: 'relu' | 'gelu' | 'geluApproximate';
  /** Epsilon of the blocks' layer norms and of the final one. */
  epsilon: number;
  finalEpsilon: number;
  /** Attention scale (usually 1/sqrt(keyDim)). */
  scale: number;
  /** Rows of the learned position table (0 when there is none). */
  positionRows: number;
}

const ACTS = { relu: 0, gelu: 1, geluApproximate: 2 } as const;

/** Whether gptDecodeStep can run (addon built with it, native ops switched on). */
export function gptDecodeAvailable(): boolean {
  return ops !== null && typeof ops.opsDecode === 'function' && nativeOpsEnabled();
}

/**
 * Runs one decoding step. `arrays`: token table [V, d], position table
 * [positionRows, d] or null, final norm gamma [d], beta [d], head kernel
 * [d, V], head bias [V] or null, then per layer: ln1 gamma, beta, query
 * kernel [d, H*D], bias or null, key kernel [d, Hkv*D], bias, value kernel
 * [d, Hkv*Dv], bias, output kernel [H*Dv, d], bias, ln2 gamma, beta,
 * intermediate kernel [d, ff], bias, output kernel [ff, d], bias, key cache
 * [B, Hkv, capacity, D], value cache [B, Hkv, capacity, Dv] (written at slot
 * `position`). Writes logits [B, V]. Every length is checked natively.
 * @example
 * // see packages/layers/src/models/gpt_native_decode.ts
 */
export function gptDecodeStep(arrays: (Float32Array | null)[], tokens: Int32Array, logits: Float32Array, d: GptDecodeDims): void {
  if (!ops || typeof ops.opsDecode !== 'function') throw opError('gptDecodeStep', 'the native transformer ops are not available (addon not built)');
  const act = ACTS[d.activation];
  if (act === undefined) throw opError('gptDecodeStep', `activation must be relu, gelu or geluApproximate, received ${String(d.activation)}`);
  const params = Float64Array.of(d.batch, d.hidden, d.numHeads, d.numKeyValueHeads, d.keyDim, d.valueDim, d.intermediateDim, d.numLayers, d.vocabularySize,
    d.capacity, d.position, act, d.epsilon, d.finalEpsilon, d.scale, d.positionRows);
  ops.opsDecode(arrays, tokens, logits, params);
}
