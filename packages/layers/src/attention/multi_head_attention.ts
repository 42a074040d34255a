/**
 * MultiHeadAttention (Vaswani et al. 2017, "Attention Is All You Need") as a
 * tfjs-layers Layer with Keras 3's arguments, call semantics and weight layout,
 * running on Tessera's kernels: flash (Dao 2023), block-sparse, linear
 * (Katharopoulos et al. 2020) or the dense reference. Adds GQA/MQA
 * (`numKeyValueHeads`; Ainslie et al. 2023), RoPE/ALiBi and KV-cache decoding.
 */
import * as tf from '@tensorflow/tfjs';
import { fail, formatValue } from '@tessera/tensor';
import type { AttentionCache } from '../attention/mha_core';
import { addWeightOf, LayerArgs, splitLayerArgs } from '../core/layer_args';
import { absentRule, rejectDroppedSymbolicOptions, SymbolicOptionRule } from '../core/symbolic_call_options';
import { dedupeAttentionInputs, isSymbolicList } from '../core/symbolic_inputs';
import type { AttentionRun } from './dispatch';
import { MhaSettings, MultiHeadAttentionArgs, mhaConfig, resolveMhaArgs } from './mha_args';
import { MhaCallOptions, MhaCore } from './mha_core';

type Shape = Array<number | null>;

/** Call kwargs: Keras's plus `value`/`key` for eager calls and Tessera's `cache`. */
export interface MultiHeadAttentionCallArgs extends MhaCallOptions {
  value?: tf.Tensor;
  key?: tf.Tensor;
}

/**
 * Multi-head attention layer.
 *
 * Inputs: a query tensor [B, Tq, dim] (self-attention), or a list
 * `[query, value]`, `[query, value, key]` or `[query, value, key, attentionMask]`
 * (the functional API passes several symbolic inputs as a list). Call options
 * (`useCausalMask`, `attentionMask`, `returnAttentionScores`, `cache`, `training`) apply to
 * eager calls; a symbolic call that passes one with an effect throws, because
 * tfjs-layers' predict/fit would ignore it. Causal = constructor `useCausalMask` ||
 * call `useCausalMask`. Output
 * [B, Tq, outputShape ?? dim]; with `returnAttentionScores` (eager calls) a pair
 * `[output, scores]`, scores [B, numHeads, Tq, Tk].
 *
 * Weights (Keras names and shapes): query/kernel [dim, numHeads, keyDim],
 * query/bias [numHeads, keyDim], key/... and value/... with numKeyValueHeads,
 * attention_output/kernel [numHeads, valueDim, outDim], attention_output/bias [outDim].
 *
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import { multiHeadAttention } from '@tessera/layers';
 * const q = tf.input({ shape: [16, 32] });
 * const v = tf.input({ shape: [24, 32] });
 * const mha = multiHeadAttention({ numHeads: 4, keyDim: 8 });
 * const model = tf.model({ inputs: [q, v], outputs: mha.apply([q, v]) as tf.SymbolicTensor });
 * // causal self-attention in a functional model (predict/fit): a constructor argument,
 * // since tfjs-layers does not apply a symbolic call's options (they are refused):
 * const x = tf.input({ shape: [16, 32] });
 * const causal = multiHeadAttention({ numHeads: 4, keyDim: 8, useCausalMask: true });
 * const lm = tf.model({ inputs: x, outputs: causal.apply(x) as tf.SymbolicTensor });
 * // eager, causal self-attention with GQA on the flash kernel (the call option works eagerly):
 * const gqa = multiHeadAttention({ numHeads: 8, numKeyValueHeads: 2, keyDim: 16 });
 * const y = gqa.apply(tf.randomNormal([2, 64, 128]), { useCausalMask: true }) as tf.Tensor;
 * gqa.lastAttentionPath; // 'flash'
 */
export class MultiHeadAttention extends tf.layers.Layer {
  static className = 'TesseraMultiHeadAttention';
  readonly settings: MhaSettings;
  private core: MhaCore | null = null;

  constructor(args: MultiHeadAttentionArgs & LayerArgs) {
    const [own, base] = splitLayerArgs(args as unknown as Record<string, unknown>);
    super(base);
    this.settings = resolveMhaArgs(own as unknown as MultiHeadAttentionArgs, 'MultiHeadAttention');
  }

  /**
   * Keras's self-attention call `mha.apply([x, x])` (also `[x, x, x]`, `[q, v, v]`) in
   * the functional API reaches the graph with each tensor listed once: tfjs-layers'
   * executor disposes a tensor listed twice too early (see core/symbolic_inputs.ts).
   * A symbolic call refuses call options that predict/fit would drop
   * (core/symbolic_call_options.ts): use the constructor's `useCausalMask`, and pass
   * value, key and attentionMask in the input list.
   */
  override apply(inputs: Parameters<tf.layers.Layer['apply']>[0], kwargs?: Parameters<tf.layers.Layer['apply']>[1]): ReturnType<tf.layers.Layer['apply']> {
    rejectDroppedSymbolicOptions(inputs, kwargs, this.symbolicRules(), 'MultiHeadAttention');
    return super.apply(isSymbolicList(inputs) ? dedupeAttentionInputs(inputs, 'MultiHeadAttention') : inputs, kwargs);
  }

  /** What each call option needs in a functional model. */
  private symbolicRules(): Record<string, SymbolicOptionRule> {
    const asInput = (name: string) => absentRule(`Pass ${name} in the input list instead: mha.apply([query, value, key, attentionMask]) (a model input or any symbolic tensor).`);
    return {
      useCausalMask: {
        // Effective causal = constructor || call: false, or true on a causal layer, changes nothing.
        noEffect: (v) => v === false || (v === true && this.settings.useCausalMask),
        remedy: 'Construct the layer with useCausalMask: true instead: multiHeadAttention({ ..., useCausalMask: true }).',
      },
      attentionMask: asInput('the attentionMask'),
      value: asInput('value'),
      key: asInput('key'),
      returnAttentionScores: { noEffect: (v) => v === false, remedy: 'The scores are available from eager calls only: mha.apply(tensors, { returnAttentionScores: true }).' },
      cache: absentRule('KV-cache decoding runs on eager calls only: mha.apply(newTokens, { cache }).'),
    };
  }

  /** Builds from the query shape, or [query, value, key?, mask?] shapes. */
  override build(inputShape: Shape | Shape[]): void {
    const shapes = (Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as Shape[];
    const dim = (s: Shape | undefined, name: string): number => {
      // Checked before any weight exists: a bad first call leaves the layer unbuilt.
      if (!s || s.length !== 3) fail('MultiHeadAttention', `${name} must have rank 3 [B, ${name === 'query' ? 'Tq' : 'Tk'}, dim], received shape ${formatValue(s)}${s ? ` (rank ${s.length})` : ''}`);
      const d = s[s.length - 1];
      if (typeof d !== 'number') fail('MultiHeadAttention', `${name} must have a known last dimension, received shape ${formatValue(s)}`);
      return d;
    };
    const query = dim(shapes[0], 'query');
    const value = shapes.length > 1 ? dim(shapes[1], 'value') : query;
    const key = shapes.length > 2 ? dim(shapes[2], 'key') : value;
    this.core = new MhaCore(this.settings, addWeightOf(this), { query, value, key }, 'MultiHeadAttention');
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const q = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return [...q.slice(0, -1), this.settings.outputDim ?? q[q.length - 1]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor | tf.Tensor[] {
    const o = kwargs as unknown as MultiHeadAttentionCallArgs;
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length < 1 || list.length > 4) fail('MultiHeadAttention', `inputs must be query or [query, value, key?, attentionMask?], received ${list.length} tensors`);
    const query = list[0];
    const value = list[1] ?? o.value ?? query;
    const key = list[2] ?? o.key ?? value;
    const attentionMask = list[3] ?? o.attentionMask ?? null;
    if (!this.core) fail('MultiHeadAttention', 'layer is not built');
    const { output, scores } = this.core.forward(query, value, key, { ...o, attentionMask });
    return scores ? [output, scores] : output;
  }

  /** The implementation ('flash' | 'sparse' | 'linear' | 'reference') and reason of the last call. */
  get lastAttention(): AttentionRun | null {
    return this.core?.lastRun ?? null;
  }

  /** The implementation that ran in the last call, or null before the first call. */
  get lastAttentionPath(): AttentionRun['path'] | null {
    return this.core?.lastRun?.path ?? null;
  }

  /**
   * A KV cache for incremental self-attention decoding: pass it as `{cache}` with the
   * new tokens only. `window: true` makes it a rolling cache of `maxLength` positions
   * (needs attentionOptions.window [W, 0] and maxLength >= W).
   * @example
   * const cache = mha.createCache({ batchSize: 1, maxLength: 128 });
   * mha.apply(prompt, { cache, useCausalMask: true }); // then one token at a time
   */
  createCache(a: { batchSize: number; maxLength: number; rolling?: boolean }): AttentionCache {
    if (!this.core) fail('MultiHeadAttention', 'createCache needs a built layer (call it once, or build it with the input shape)');
    return this.core.createCache(a.batchSize, a.maxLength, a.rolling ?? false);
  }

  /** The attention computation (for the transformer blocks and tests). */
  get attention(): MhaCore {
    if (!this.core) fail('MultiHeadAttention', 'layer is not built');
    return this.core;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...mhaConfig(this.settings), ...super.getConfig() };
  }

  override dispose(): ReturnType<tf.layers.Layer['dispose']> {
    const r = super.dispose();
    if (r.refCountAfterDispose === 0) this.core?.dispose();
    return r;
  }
}
tf.serialization.registerClass(MultiHeadAttention);

/** Factory for {@link MultiHeadAttention} (tfjs style: `tf.layers.dense` is to Dense what this is to MultiHeadAttention). */
export function multiHeadAttention(args: MultiHeadAttentionArgs & LayerArgs): MultiHeadAttention {
  return new MultiHeadAttention(args);
}
