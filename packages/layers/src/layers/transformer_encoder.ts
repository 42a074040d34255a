/**
 * TransformerEncoder (Vaswani et al. 2017), KerasHub's layer: self-attention
 * and a feed-forward network, each with a residual and layer norm (post-LN by
 * default, pre-LN with `normalizeFirst`), on Tessera's attention.
 */
import * as tf from '@tensorflow/tfjs';
import { assertRank, fail, formatShape } from '@tessera/tensor';
import type { AttentionRun } from '../attention/dispatch';
import { addWeightOf, LayerArgs, splitLayerArgs } from '../core/layer_args';
import { absentRule, rejectDroppedSymbolicOptions } from '../core/symbolic_call_options';
import { isSymbolicList, rejectRepeatedSymbolic } from '../core/symbolic_inputs';
import { resolveTransformerArgs, TransformerArgs, transformerConfig, TransformerSettings } from './transformer_args';
import { AttentionBlock, FeedForwardBlock, mergeMasks } from './transformer_block';

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
export class TransformerEncoder extends tf.layers.Layer {
  static className = 'TesseraTransformerEncoder';
  readonly settings: TransformerSettings;
  private attn: AttentionBlock | null = null;
  private ffn: FeedForwardBlock | null = null;
  private hidden = 0;

  constructor(args: TransformerArgs & LayerArgs) {
    const [own, base] = splitLayerArgs(args as unknown as Record<string, unknown>);
    super(base);
    this.settings = resolveTransformerArgs(own as unknown as TransformerArgs, WHERE);
  }

  /**
   * Rejects a symbolic tensor listed twice (tfjs-layers' executor would dispose it early),
   * and symbolic call options that predict/fit would drop (core/symbolic_call_options.ts):
   * in a functional model pass the padding mask as the second input, `[inputs, paddingMask]`.
   */
  override apply(inputs: Parameters<tf.layers.Layer['apply']>[0], kwargs?: Parameters<tf.layers.Layer['apply']>[1]): ReturnType<tf.layers.Layer['apply']> {
    rejectDroppedSymbolicOptions(inputs, kwargs, SYMBOLIC_RULES, WHERE);
    if (isSymbolicList(inputs)) rejectRepeatedSymbolic(inputs, ['inputs', 'paddingMask'], WHERE);
    return super.apply(inputs, kwargs);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const d = s[s.length - 1];
    if (typeof d !== 'number') fail(WHERE, `inputs must have a known last dimension, received shape ${JSON.stringify(s)}`);
    this.hidden = d;
    const add = addWeightOf(this);
    this.attn = new AttentionBlock(add, 'self_attention', this.settings, d, d, WHERE, true);
    this.ffn = new FeedForwardBlock(add, this.settings, d);
    this.built = true;
  }

  /** One output shaped like `inputs` (also for `[inputs, paddingMask]`: the mask is not an output). */
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
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

  override getConfig(): tf.serialization.ConfigDict {
    return { ...transformerConfig(this.settings), ...super.getConfig() };
  }

  override dispose(): ReturnType<tf.layers.Layer['dispose']> {
    const r = super.dispose();
    if (r.refCountAfterDispose === 0) this.attn?.attention.dispose();
    return r;
  }
}
tf.serialization.registerClass(TransformerEncoder);

/** Factory for {@link TransformerEncoder}. */
export function transformerEncoder(args: TransformerArgs & LayerArgs): TransformerEncoder {
  return new TransformerEncoder(args);
}
