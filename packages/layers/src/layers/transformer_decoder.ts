/**
 * TransformerDecoder (Vaswani et al. 2017), KerasHub's layer: causal
 * self-attention, optional cross-attention to an encoder sequence (built when
 * the layer is first called with one), and a feed-forward network, each with a
 * residual and layer norm. Decodes incrementally with a KV cache (`createCache`).
 */
import * as tf from '@tensorflow/tfjs';
import { assertBoolean, assertRank, fail, formatShape } from '@tessera/tensor';
import type { AttentionRun } from '../attention/dispatch';
import type { AttentionCache } from '../attention/mha_core';
import { addWeightOf, LayerArgs } from '../core/layer_args';
import { absentRule } from '../core/symbolic_call_options';
import type { TransformerArgs } from './transformer_args';
import { AttentionBlock, FeedForwardBlock, mergeMasks } from './transformer_block';
import { TransformerLayer } from './transformer_layer';

const WHERE = 'TransformerDecoder';

const EAGER_ONLY = 'Masks of TransformerDecoder can be given to eager calls only (its functional inputs are [decoderSequence, encoderSequence]).';
/** What each call option needs in a functional model. */
const SYMBOLIC_RULES = {
  // Causal is the default (KerasHub): true changes nothing, false would be dropped.
  useCausalMask: { noEffect: (v: unknown) => v === true, remedy: 'A functional model always runs the decoder causally (the default); call it eagerly for non-causal self-attention.' },
  encoderSequence: absentRule('Pass the encoder sequence as the second input instead: dec.apply([decoderSequence, encoderSequence]).'),
  decoderPaddingMask: absentRule(EAGER_ONLY),
  decoderAttentionMask: absentRule(EAGER_ONLY),
  encoderPaddingMask: absentRule(EAGER_ONLY),
  encoderAttentionMask: absentRule(EAGER_ONLY),
  cache: absentRule('KV-cache decoding runs on eager calls only: dec.apply(newTokens, { cache }).'),
};

/** Call kwargs (KerasHub's names, plus the cache); eager calls only (a symbolic call refuses them). */
export interface TransformerDecoderCallArgs {
  encoderSequence?: tf.Tensor | null;
  decoderPaddingMask?: tf.Tensor | null;
  decoderAttentionMask?: tf.Tensor | null;
  encoderPaddingMask?: tf.Tensor | null;
  encoderAttentionMask?: tf.Tensor | null;
  /** Default true. */
  useCausalMask?: boolean;
  training?: boolean;
  /** Self-attention KV cache for incremental decoding (from createCache). */
  cache?: AttentionCache | null;
}

/**
 * @example
 * const dec = transformerDecoder({ intermediateDim: 64, numHeads: 4, normalizeFirst: true });
 * const tokens = tf.randomNormal([1, 8, 32]);
 * const full = dec.apply(tokens) as tf.Tensor;                     // causal self-attention
 * const cache = dec.createCache({ batchSize: 1, maxLength: 64 });
 * dec.apply(tf.slice(tokens, [0, 0, 0], [1, 7, 32]), { cache });   // prefill
 * dec.apply(tf.slice(tokens, [0, 7, 0], [1, 1, 32]), { cache });   // == last row of `full`
 */
export class TransformerDecoder extends TransformerLayer {
  static className = 'TesseraTransformerDecoder';
  private selfAttn: AttentionBlock | null = null;
  private crossAttn: AttentionBlock | null = null;
  private ffn: FeedForwardBlock | null = null;
  private hidden = 0;

  /** In a functional model the layer is causal and the encoder sequence is the second input (symbolic call options are refused). */
  constructor(args: TransformerArgs & LayerArgs) {
    super(args, WHERE, { rules: SYMBOLIC_RULES, inputNames: ['decoderSequence', 'encoderSequence'] });
  }

  protected attentionBlocks(): Array<AttentionBlock | null> {
    return [this.selfAttn, this.crossAttn];
  }

  /** Builds from the decoder shape, or [decoder, encoder] shapes (adds cross-attention). */
  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shapes = (Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as tf.Shape[];
    const d = this.lastDim(shapes[0], 'decoderSequence');
    this.hidden = d;
    const add = addWeightOf(this);
    this.selfAttn = new AttentionBlock(add, 'self_attention', this.settings, d, d, WHERE, true);
    if (shapes.length > 1) this.crossAttn = new AttentionBlock(add, 'cross_attention', this.settings, d, this.lastDim(shapes[1], 'encoderSequence'), WHERE, false);
    this.ffn = new FeedForwardBlock(add, this.settings, d);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const o = kwargs as TransformerDecoderCallArgs;
    const x = list[0];
    const enc = list[1] ?? o.encoderSequence ?? null;
    assertRank(x, 3, 'decoderSequence', WHERE, '[B, T, hidden]');
    if (x.shape[2] !== this.hidden) fail(WHERE, `decoderSequence last dimension must be ${this.hidden} (as built), received ${formatShape(x.shape)}`);
    if (enc && !this.crossAttn) fail(WHERE, 'encoderSequence was given but the layer was built without cross-attention (build it by calling it with [decoderSequence, encoderSequence])');
    if (!enc && this.crossAttn) fail(WHERE, 'this layer has cross-attention: call it with [decoderSequence, encoderSequence]');
    const useCausalMask = o.useCausalMask ?? true;
    assertBoolean(useCausalMask, 'useCausalMask', WHERE);
    const training = o.training ?? false;
    const selfMask = mergeMasks(o.decoderPaddingMask, o.decoderAttentionMask);
    let crossMask: tf.Tensor | null = null;
    try {
      const s = this.settings;
      const self = this.selfAttn as AttentionBlock;
      if (this.crossAttn && enc) {
        crossMask = mergeMasks(o.encoderPaddingMask, o.encoderAttentionMask);
        // Cross-attention's inputs are checked before self-attention appends to the cache:
        // a bad encoderSequence or mask must leave the cache where it was.
        this.crossAttn.attention.check(x, enc, enc, { attentionMask: crossMask });
      }
      // The cache is checked (and only then updated) inside the attention call.
      return tf.tidy(() => {
        let h = self.apply(x, null, { attentionMask: selfMask, useCausalMask, training, cache: o.cache ?? null }, s);
        if (this.crossAttn && enc) h = this.crossAttn.apply(h, enc, { attentionMask: crossMask, training }, s);
        return (this.ffn as FeedForwardBlock).apply(h, s, training);
      });
    } finally {
      if (selfMask && selfMask !== o.decoderPaddingMask && selfMask !== o.decoderAttentionMask) selfMask.dispose();
      if (crossMask && crossMask !== o.encoderPaddingMask && crossMask !== o.encoderAttentionMask) crossMask.dispose();
    }
  }

  /** A self-attention KV cache (see MultiHeadAttention.createCache). */
  createCache(a: { batchSize: number; maxLength: number; rolling?: boolean }): AttentionCache {
    if (!this.selfAttn) fail(WHERE, 'createCache needs a built layer (call it once, or build it with the input shape)');
    return this.selfAttn.attention.createCache(a.batchSize, a.maxLength, a.rolling ?? false);
  }

  /** Which self-attention implementation ran last, and why. */
  get lastAttention(): AttentionRun | null {
    return this.selfAttn?.attention.lastRun ?? null;
  }
}
tf.serialization.registerClass(TransformerDecoder);

/** Factory for {@link TransformerDecoder}. */
export function transformerDecoder(args: TransformerArgs & LayerArgs): TransformerDecoder {
  return new TransformerDecoder(args);
}
