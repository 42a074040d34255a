/**
 * The computation of multi-head attention, shared by the MultiHeadAttention
 * layer and the transformer blocks (which own its weights under a prefix, see
 * core/weights.ts): Keras-layout projections, RoPE or ALiBi, Keras masks,
 * KV-cache decoding, and the dispatch to flash / sparse / linear / reference.
 */
import * as tf from '@tensorflow/tfjs';
import { alibiSlopes } from '@tessera/attention';
import { assertBoolean, assertRank, fail, formatShape } from '@tessera/tensor';
import { KVCache } from '../cache/kv_cache';
import { LinearStateCache } from '../cache/linear_state_cache';
import { linearOptions } from './attention_config';
import type { AddWeightFn } from '../core/weights';
import { AttentionRun, dispatchAttention } from './dispatch';
import { checkAttentionMask, toKernelMask } from './keras_mask';
import type { MhaSettings } from './mha_args';
import { projectHeads, projectOutput } from './projections';
import { applyRotary } from './rope';
import { SparseMasks } from './sparse_masks';

/** Per-call options (Keras's call arguments plus Tessera's cache). */
export interface MhaCallOptions {
  /** [B, Tq, Tk] (Keras) or [B, Tk] padding mask; true/1 = may attend. */
  attentionMask?: tf.Tensor | null;
  /**
   * Keras causal mask: query i sees keys j <= i (bottom-right aligned when decoding with a cache).
   * OR-ed with the constructor's useCausalMask: either one makes the call causal.
   */
  useCausalMask?: boolean;
  /** Also return the attention probabilities [B, H, Tq, Tk] (runs the reference path). */
  returnAttentionScores?: boolean;
  training?: boolean;
  /** Incremental decoding: attend to the cached keys (or linear state) plus these tokens, then cache them. */
  cache?: AttentionCache | null;
}

/** A KV cache, or the recurrent state of attention 'linear'. */
export type AttentionCache = KVCache | LinearStateCache;

/** Input sizes fixed at build time. */
export interface MhaInputDims {
  query: number;
  value: number;
  key: number;
}

export class MhaCore {
  readonly qKernel: tf.LayerVariable;
  readonly kKernel: tf.LayerVariable;
  readonly vKernel: tf.LayerVariable;
  readonly oKernel: tf.LayerVariable;
  readonly qBias: tf.LayerVariable | null;
  readonly kBias: tf.LayerVariable | null;
  readonly vBias: tf.LayerVariable | null;
  readonly oBias: tf.LayerVariable | null;
  readonly outputDim: number;
  /** What ran in the last call; null before the first. */
  lastRun: AttentionRun | null = null;
  private readonly sparse: SparseMasks | null;
  private readonly slopes: number[] | null;

  constructor(readonly s: MhaSettings, add: AddWeightFn, readonly dims: MhaInputDims, readonly where: string) {
    const w = s.weights;
    const { numHeads: H, numKeyValueHeads: Hkv, keyDim: D, valueDim: Dv } = s;
    this.outputDim = s.outputDim ?? dims.query;
    const kernel = (name: string, shape: number[]): tf.LayerVariable => add(`${name}/kernel`, shape, w.kernelInitializer, w.kernelRegularizer, w.kernelConstraint);
    const bias = (name: string, shape: number[]): tf.LayerVariable | null => (s.useBias ? add(`${name}/bias`, shape, w.biasInitializer, w.biasRegularizer, w.biasConstraint) : null);
    this.qKernel = kernel('query', [dims.query, H, D]);
    this.qBias = bias('query', [H, D]);
    this.kKernel = kernel('key', [dims.key, Hkv, D]);
    this.kBias = bias('key', [Hkv, D]);
    this.vKernel = kernel('value', [dims.value, Hkv, Dv]);
    this.vBias = bias('value', [Hkv, Dv]);
    this.oKernel = kernel('attention_output', [H, Dv, this.outputDim]);
    this.oBias = bias('attention_output', [this.outputDim]);
    this.sparse = s.attention === 'sparse' ? new SparseMasks(s.attentionOptions.sparse ?? {}, where) : null;
    this.slopes = s.positional === 'alibi' ? alibiSlopes(H) : null;
  }

  /** Checks a call's inputs without allocating anything. */
  check(query: tf.Tensor, value: tf.Tensor, key: tf.Tensor, o: MhaCallOptions): void {
    const w = this.where;
    assertRank(query, 3, 'query', w, '[B, Tq, dim]');
    assertRank(value, 3, 'value', w, '[B, Tk, dim]');
    assertRank(key, 3, 'key', w, '[B, Tk, dim]');
    const d = this.dims;
    const [qs, vs, ks] = [query.shape as number[], value.shape as number[], key.shape as number[]];
    if (qs[2] !== d.query) fail(w, `query last dimension must be ${d.query} (as built), received query ${formatShape(query.shape)}`);
    if (vs[2] !== d.value) fail(w, `value last dimension must be ${d.value} (as built), received value ${formatShape(value.shape)}`);
    if (ks[2] !== d.key) fail(w, `key last dimension must be ${d.key} (as built), received key ${formatShape(key.shape)}`);
    if (vs[0] !== qs[0] || ks[0] !== qs[0]) fail(w, `query, value and key must share the batch size, received query ${formatShape(query.shape)}, value ${formatShape(value.shape)}, key ${formatShape(key.shape)}`);
    if (ks[1] !== vs[1]) fail(w, `key and value must share the sequence length, received key ${formatShape(key.shape)} and value ${formatShape(value.shape)}`);
    if (o.useCausalMask !== undefined) assertBoolean(o.useCausalMask, 'useCausalMask', w);
    if (o.returnAttentionScores !== undefined) assertBoolean(o.returnAttentionScores, 'returnAttentionScores', w);
    if (o.cache) {
      const linear = this.s.attention === 'linear';
      if (linear ? !(o.cache instanceof LinearStateCache) : !(o.cache instanceof KVCache)) fail(w, `cache must be a ${linear ? 'LinearStateCache' : 'KVCache'} from this layer's createCache(), received ${String(o.cache)}`);
      if (vs[1] !== qs[1]) fail(w, `with a cache, value/key must be the new tokens themselves (same length as query), received query ${formatShape(query.shape)} and value ${formatShape(value.shape)}`);
      if (o.attentionMask) fail(w, 'attentionMask is not supported with a cache (decode unpadded sequences; the causal mask is implied)');
      o.cache.checkAppend(qs[0], qs[1], w);
      if (o.cache.numHeads !== this.s.numKeyValueHeads || o.cache.keyDim !== this.s.keyDim || o.cache.valueDim !== this.s.valueDim) {
        fail(w, `cache has ${o.cache.numHeads} heads of keyDim ${o.cache.keyDim}/valueDim ${o.cache.valueDim}, this layer needs ${this.s.numKeyValueHeads} heads of keyDim ${this.s.keyDim}/valueDim ${this.s.valueDim}`);
      }
    }
    const Tk = o.cache instanceof KVCache ? o.cache.stored + ks[1] : ks[1];
    if (o.attentionMask) checkAttentionMask(o.attentionMask, qs[0], qs[1], Tk, w);
  }

  /** output [B, Tq, outputDim] and, when requested, scores [B, H, Tq, Tk]. */
  forward(query: tf.Tensor, value: tf.Tensor, key: tf.Tensor, o: MhaCallOptions): { output: tf.Tensor; scores: tf.Tensor | null } {
    this.check(query, value, key, o);
    const s = this.s;
    const cache = o.cache ?? null;
    const start = cache ? cache.length : 0;
    let result: { output: tf.Tensor; scores: tf.Tensor | null } | null = null;
    const kept = tf.tidy(() => {
      const read = (x: tf.LayerVariable | null): tf.Tensor | null => (x ? x.read() : null);
      // [B, T, dim] -> [B, H, T, D]
      let q = projectHeads(query, this.qKernel.read(), read(this.qBias));
      let k = projectHeads(key, this.kKernel.read(), read(this.kBias));
      let v = projectHeads(value, this.vKernel.read(), read(this.vBias));
      if (s.positional === 'rope') {
        const ro = { startIndex: start, maxWavelength: s.ropeMaxWavelength, scalingFactor: s.ropeScalingFactor };
        q = applyRotary(q, 2, 3, ro, this.where);
        k = applyRotary(k, 2, 3, ro, this.where);
      }
      if (cache instanceof LinearStateCache) {
        // Recurrent decoding: causal linear attention continued from the state.
        if (o.returnAttentionScores) fail(this.where, "attention 'linear' cannot apply returnAttentionScores (kernelised attention has no score matrix)");
        const st = cache.stage(q, k, v, this.where);
        st.commit();
        this.lastRun = { requested: 'linear', path: 'linear', reason: '', Tq: q.shape[2] as number, Tk: cache.length };
        const output = projectOutput(st.output, this.oKernel.read(), read(this.oBias));
        result = { output, scores: null };
        return [output];
      }
      const staged = cache ? cache.stage(k, v, this.where) : null;
      if (staged) ({ k, v } = staged);
      const [B, , Tq] = q.shape as number[];
      const Tk = k.shape[2] as number;
      const mask = toKernelMask({ attentionMask: o.attentionMask ?? null, useCausalMask: s.useCausalMask || (o.useCausalMask ?? false), bottomRight: cache !== null, B, Tq, Tk, where: this.where });
      const requested = cache && s.attention === 'sparse' ? 'flash' : s.attention;
      const r = dispatchAttention({
        requested,
        q,
        k,
        v,
        config: s.attentionOptions,
        alibiSlopes: this.slopes,
        mask,
        wantScores: o.returnAttentionScores ?? false,
        dropout: o.training ? s.dropout : 0,
        seed: s.seed ?? undefined,
        sparse: this.sparse,
        where: this.where,
      });
      staged?.commit();
      r.run.Tq = Tq;
      r.run.Tk = Tk;
      this.lastRun = requested === s.attention ? r.run : { ...r.run, requested: s.attention, reason: r.run.reason || 'cached decoding: the window is applied by the flash kernel row by row' };
      // [B, H, Tq, Dv] -> [B, Tq, outputDim]
      const output = projectOutput(r.output, this.oKernel.read(), read(this.oBias));
      result = { output, scores: r.scores };
      return r.scores ? [output, r.scores] : [output];
    });
    void kept;
    return result as unknown as { output: tf.Tensor; scores: tf.Tensor | null };
  }

  /** A KV cache for this attention (full, or rolling over `window` positions). */
  createCache(batchSize: number, maxLength: number, rolling: boolean): AttentionCache {
    const sp = this.s.attentionOptions.sparse;
    if (this.s.attention === 'linear') {
      return new LinearStateCache({ batchSize, numHeads: this.s.numKeyValueHeads, keyDim: this.s.keyDim, valueDim: this.s.valueDim, options: linearOptions(this.s.attentionOptions) });
    }
    if (this.s.attention === 'sparse' && sp && (sp.globalTokens?.length || sp.bigBird)) {
      fail(this.where, 'cached decoding supports sparse patterns that are windows; globalTokens and bigBird need the whole sequence');
    }
    if (rolling) {
      const win = this.s.attentionOptions.window;
      if (!win || win[0] < 0 || win[1] !== 0) fail(this.where, `a rolling cache needs a causal sliding window attentionOptions.window [W, 0], received ${JSON.stringify(win ?? null)}`);
      if (maxLength < win[0]) fail(this.where, `a rolling cache must hold at least the window's ${win[0]} previous keys, received maxLength ${maxLength}`);
    }
    return new KVCache({ batchSize, numHeads: this.s.numKeyValueHeads, keyDim: this.s.keyDim, valueDim: this.s.valueDim, capacity: maxLength, rolling });
  }

  dispose(): void {
    this.sparse?.dispose();
  }
}
