/**
 * Chooses and runs the attention implementation of a layer call, and records
 * which one ran and why. The tiled kernels cannot return probabilities, apply
 * Keras's dropout to them, or take a general [Tq, Tk] mask: a call that needs
 * one of those runs the reference path instead (and says so), except for
 * 'linear', whose different math must not be silently swapped, so it throws.
 */
import * as tf from '@tensorflow/tfjs';
import { attentionReference, blockSparseAttention, flashAttention, linearAttention } from '@tessera/attention';
import type { AttentionOptions } from '@tessera/attention';
import { fail } from '@tessera/tensor';
import type { AttentionConfig, AttentionPath } from './attention_config';
import { intersectWindows, linearOptions } from './attention_config';
import type { KernelMask } from './keras_mask';
import { attentionWithProbabilities } from './probabilities';
import type { SparseMasks } from './sparse_masks';

/** What ran in a layer's last call. */
export interface AttentionRun {
  /** The implementation requested by the layer's `attention` argument. */
  requested: AttentionPath;
  /** The implementation that ran. */
  path: Exclude<AttentionPath, 'auto'>;
  /** Why `path` differs from the request ('' when it does not, or for 'auto' -> 'flash'). */
  reason: string;
  /** Query rows and keys of the call (a cached decoding step has Tq = new tokens, Tk = context). */
  Tq?: number;
  Tk?: number;
}

export interface DispatchRequest {
  requested: AttentionPath;
  q: tf.Tensor;
  k: tf.Tensor;
  v: tf.Tensor;
  config: AttentionConfig;
  alibiSlopes: number[] | null;
  mask: KernelMask;
  wantScores: boolean;
  /** Attention dropout rate in effect (0 outside training). */
  dropout: number;
  seed?: number;
  sparse: SparseMasks | null;
  where: string;
}

export interface DispatchResult {
  output: tf.Tensor;
  scores: tf.Tensor | null;
  run: AttentionRun;
}

/** Why the tiled kernels cannot serve this call ('' when they can). */
function needsReference(r: DispatchRequest): string {
  if (r.wantScores) return 'returnAttentionScores needs the attention probabilities';
  if (r.dropout > 0) return 'attention dropout during training acts on the attention probabilities';
  if (r.mask.dense) return r.mask.denseReason;
  return '';
}

/** Runs the request (inside the caller's tidy). */
export function dispatchAttention(r: DispatchRequest): DispatchResult {
  const window = intersectWindows(r.config.window ?? null, r.mask.window);
  const base: AttentionOptions = {};
  if (r.config.scale !== undefined) base.scale = r.config.scale;
  if (r.config.softcap !== undefined) base.softcap = r.config.softcap;
  if (r.alibiSlopes) base.alibiSlopes = r.alibiSlopes;
  const masked: AttentionOptions = { ...base, causal: r.mask.causal };
  if (window) masked.window = window;
  if (r.mask.keyMask) masked.keyMask = r.mask.keyMask;

  const why = needsReference(r);
  const reference = (reason: string): DispatchResult => {
    const run: AttentionRun = { requested: r.requested, path: 'reference', reason };
    if (r.wantScores || r.dropout > 0 || r.mask.dense) {
      const p = attentionWithProbabilities(r.q, r.k, r.v, { ...masked, denseMask: r.mask.dense, dropout: r.dropout, seed: r.seed }, r.where);
      return { output: p.output, scores: r.wantScores ? p.probabilities : (p.probabilities.dispose(), null), run };
    }
    return { output: attentionReference(r.q, r.k, r.v, { ...masked, returnLse: false }), scores: null, run };
  };

  switch (r.requested) {
    case 'reference':
      return reference('');
    case 'auto':
    case 'flash':
      if (why) return reference(why);
      return { output: flashAttention(r.q, r.k, r.v, { ...masked, returnLse: false }), scores: null, run: { requested: r.requested, path: 'flash', reason: '' } };
    case 'sparse': {
      if (why) return reference(why);
      const Tq = r.q.shape[2] as number;
      const Tk = r.k.shape[2] as number;
      const km = r.mask.keyMask ? { data: r.mask.keyMask.dataSync() as ArrayLike<number>, B: r.q.shape[0] as number } : null;
      const mask = (r.sparse as SparseMasks).get({ Tq, Tk, causal: r.mask.causal, window, keyMask: km });
      return { output: blockSparseAttention(r.q, r.k, r.v, mask, { ...base, returnLse: false }), scores: null, run: { requested: 'sparse', path: 'sparse', reason: '' } };
    }
    case 'linear': {
      // Linear attention has no scores, masks beyond causal, or windows: refuse rather than change the math.
      const no = (what: string): never => fail(r.where, `attention 'linear' cannot apply ${what} (kernelised attention has no score matrix); use attention 'flash' or 'reference'`);
      if (r.wantScores) no('returnAttentionScores');
      if (r.mask.dense) no(`this attentionMask: ${r.mask.denseReason}`);
      if (r.mask.keyMask) no('a padding mask (attentionMask / paddingMask)');
      if (window) no(`a window ${JSON.stringify(window)}`);
      if (r.config.softcap !== undefined) no('softcap');
      const output = linearAttention(r.q, r.k, r.v, { ...linearOptions(r.config), causal: r.mask.causal });
      const reason = r.dropout > 0 ? 'attention dropout does not apply to linear attention (no probabilities)' : '';
      return { output, scores: null, run: { requested: 'linear', path: 'linear', reason } };
    }
    default:
      return fail(r.where, `attention ${JSON.stringify(r.requested)} is not available`);
  }
}
