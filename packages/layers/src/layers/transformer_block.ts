/**
 * The sublayers of a transformer block (attention + residual + layer norm,
 * feed-forward + residual + layer norm), pre-LN or post-LN, shared by
 * TransformerEncoder and TransformerDecoder. Weight names follow KerasHub:
 * self_attention/..., self_attention_layer_norm/..., feedforward_layer_norm/...,
 * feedforward_intermediate_dense/..., feedforward_output_dense/...
 */
import * as tf from '@tensorflow/tfjs';
import { MhaCallOptions, MhaCore } from '../attention/mha_core';
import { activate } from '../core/activation';
import { DensePart } from '../core/dense';
import { LayerNormPart } from '../core/layer_norm';
import { AddWeightFn, prefixed } from '../core/weights';
import { attentionSettings, TransformerSettings } from './transformer_args';

function dropout(x: tf.Tensor, rate: number, training: boolean): tf.Tensor {
  return training && rate > 0 ? tf.dropout(x, rate) : x;
}

/** Attention sublayer with its layer norm: x + Attn(LN(x)) (pre-LN) or LN(x + Attn(x)) (post-LN). */
export class AttentionBlock {
  readonly attention: MhaCore;
  readonly norm: LayerNormPart;

  constructor(add: AddWeightFn, name: string, s: TransformerSettings, hidden: number, sourceDim: number, where: string, positional: boolean) {
    const settings = attentionSettings(s, hidden, where, positional);
    this.attention = new MhaCore(settings, prefixed(add, name), { query: hidden, value: sourceDim, key: sourceDim }, where);
    this.norm = new LayerNormPart(prefixed(add, `${name}_layer_norm`), hidden, s.layerNormEpsilon);
  }

  apply(x: tf.Tensor, source: tf.Tensor | null, o: MhaCallOptions, s: TransformerSettings): tf.Tensor {
    const training = o.training ?? false;
    const h = s.normalizeFirst ? this.norm.apply(x) : x;
    const src = source ?? h;
    const { output } = this.attention.forward(h, src, src, o);
    const y = tf.add(x, dropout(output, s.dropout, training));
    return s.normalizeFirst ? y : this.norm.apply(y);
  }
}

/** Feed-forward sublayer: x + W2 act(W1 LN(x)) (pre-LN) or LN(x + W2 act(W1 x)) (post-LN). */
export class FeedForwardBlock {
  readonly norm: LayerNormPart;
  readonly intermediate: DensePart;
  readonly output: DensePart;

  constructor(add: AddWeightFn, s: TransformerSettings, hidden: number) {
    this.norm = new LayerNormPart(prefixed(add, 'feedforward_layer_norm'), hidden, s.layerNormEpsilon);
    this.intermediate = new DensePart(prefixed(add, 'feedforward_intermediate_dense'), hidden, s.intermediateDim, true, s.weights);
    this.output = new DensePart(prefixed(add, 'feedforward_output_dense'), s.intermediateDim, hidden, true, s.weights);
  }

  apply(x: tf.Tensor, s: TransformerSettings, training: boolean): tf.Tensor {
    const h = s.normalizeFirst ? this.norm.apply(x) : x;
    const f = dropout(this.output.apply(activate(this.intermediate.apply(h), s.activation)), s.dropout, training);
    const y = tf.add(x, f);
    return s.normalizeFirst ? y : this.norm.apply(y);
  }
}

/** Keras's merge of a padding mask [B, Tk] and an attention mask [B, Tq, Tk]: whichever exist, AND-ed. */
export function mergeMasks(padding: tf.Tensor | null | undefined, attention: tf.Tensor | null | undefined): tf.Tensor | null {
  if (!padding) return attention ?? null;
  if (!attention) return padding;
  const [B, Tk] = padding.shape as number[];
  // [B, Tk] -> [B, 1, Tk] AND [B, Tq, Tk]
  return tf.tidy(() => tf.logicalAnd(tf.notEqual(tf.reshape(padding, [B, 1, Tk]), 0), tf.notEqual(attention, 0)));
}
