/**
 * TransformerEncoder (Vaswani et al. 2017), KerasHub's layer: self-attention
 * and a feed-forward network, each with a residual and layer norm (post-LN by
 * default, pre-LN with `normalizeFirst`), on Tessera's attention.
 */
import * as tf from '@tensorflow/tfjs';
import { assertRank, fail, formatShape } from '@tessera/tensor';
import type { AttentionRun } from '../attention/dispatch';
import { addWeightOf, LayerArgs } from '../core/layer_args';
import { absentRule } from '../core/symbolic_call_options';
import type { TransformerArgs } from './transformer_args';
import { AttentionBlock, FeedForwardBlock, mergeMasks } from './transformer_block';
import { TransformerLayer } from './transformer_layer';

const WHERE = 'TransformerEncoder';

/** What each call option needs in a functional model. */
const SYMBOLIC_RULES = {
  paddingMask: absentRule('Pass the padding mask as the second input instead: enc.apply([inputs, paddingMask]).'),
  attentionMask: absentRule('An attentionMask [B, T, T] can be given to eager calls only; in a functional model pass a padding mask as the second input: enc.apply([inputs, paddingMask]).'),
};

/** Call kwargs (eager calls; in a functional model the padding mask is the second input). */
export interface TransformerEncoderCallArgs {
  /** [B, T]: 1 = real token, 0 = padding. */
  paddingMask?: tf.Tensor | null;
  /** [B, T, T] Keras attention mask. */
  attentionMask?: tf.Tensor | null;
  training?: boolean;
}

/**
 * @example
 * const enc = transformerEncoder({ intermediateDim: 64, numHeads: 4 });
 * const x = tf.input({ shape: [32, 16] });
 * const model = tf.model({ inputs: x, outputs: enc.apply(x) as tf.SymbolicTensor });
 * enc.apply(tf.randomNormal([2, 32, 16]), { paddingMask: tf.ones([2, 32]) });
 * // functional model with padding: the mask is an input (a symbolic call's options would be dropped by predict/fit)
 * const pad = tf.input({ shape: [32] });
 * const padded = tf.model({ inputs: [x, pad], outputs: enc.apply([x, pad]) as tf.SymbolicTensor });
 */
export class TransformerEncoder extends TransformerLayer {
  static className = 'TesseraTransformerEncoder';
  private attn: AttentionBlock | null = null;
  private ffn: FeedForwardBlock | null = null;
  private hidden = 0;

  /** In a functional model pass the padding mask as the second input, `[inputs, paddingMask]` (symbolic call options are refused). */
  constructor(args: TransformerArgs & LayerArgs) {
    super(args, WHERE, { rules: SYMBOLIC_RULES, inputNames: ['inputs', 'paddingMask'] });
  }

  protected attentionBlocks(): Array<AttentionBlock | null> {
    return [this.attn];
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const d = this.lastDim((Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape, 'inputs');
    this.hidden = d;
    const add = addWeightOf(this);
    this.attn = new AttentionBlock(add, 'self_attention', this.settings, d, d, WHERE, true);
    this.ffn = new FeedForwardBlock(add, this.settings, d);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const x = list[0];
    const o = kwargs as TransformerEncoderCallArgs;
    assertRank(x, 3, 'inputs', WHERE, '[B, T, hidden]');
    if (x.shape[2] !== this.hidden) fail(WHERE, `inputs last dimension must be ${this.hidden} (as built), received ${formatShape(x.shape)}`);
    const padding = list[1] ?? o.paddingMask ?? null;
    if (padding && (padding.rank !== 2 || padding.shape[0] !== x.shape[0] || padding.shape[1] !== x.shape[1])) {
      fail(WHERE, `paddingMask must have shape [B, T] = ${formatShape(x.shape.slice(0, 2))}, received ${formatShape(padding.shape)}`);
    }
    return tf.tidy(() => {
      const mask = mergeMasks(padding, o.attentionMask);
      const training = o.training ?? false;
      const h = (this.attn as AttentionBlock).apply(x, null, { attentionMask: mask, training }, this.settings);
      return (this.ffn as FeedForwardBlock).apply(h, this.settings, training);
    });
  }

  /** Which attention implementation ran last, and why. */
  get lastAttention(): AttentionRun | null {
    return this.attn?.attention.lastRun ?? null;
  }
}
tf.serialization.registerClass(TransformerEncoder);

/** Factory for {@link TransformerEncoder}. */
export function transformerEncoder(args: TransformerArgs & LayerArgs): TransformerEncoder {
  return new TransformerEncoder(args);
}
