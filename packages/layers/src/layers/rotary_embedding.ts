/**
 * RotaryEmbedding (Su et al. 2021, "RoFormer"), KerasHub's layer: rotates the
 * features of its input by their position; no weights. Typically applied to
 * queries and keys (MultiHeadAttention does so itself with `positional: 'rope'`).
 */
import * as tf from '@tensorflow/tfjs';
import { assertInteger, assertKnownOptions, assertPositive } from '@tessera/tensor';
import { applyRotary } from '../attention/rope';
import { LayerArgs, splitLayerArgs } from '../core/layer_args';
import { rejectSymbolicStartIndex, startIndexOf } from './position_args';

export interface RotaryEmbeddingArgs {
  /** Default 10000. */
  maxWavelength?: number;
  /** Positions are divided by it; default 1. */
  scalingFactor?: number;
  /** Default 1. */
  sequenceAxis?: number;
  /** Default -1. */
  featureAxis?: number;
}

const WHERE = 'RotaryEmbedding';

/**
 * Rotary position embedding layer. Call with `{startIndex}` to continue from a cached position.
 * @example
 * const rope = rotaryEmbedding();
 * const q = rope.apply(tf.randomNormal([2, 16, 4, 8])) as tf.Tensor; // [B, T, heads, headDim]
 * const next = rope.apply(tf.randomNormal([2, 1, 4, 8]), { startIndex: 16 }) as tf.Tensor;
 */
export class RotaryEmbedding extends tf.layers.Layer {
  static className = 'TesseraRotaryEmbedding';
  readonly maxWavelength: number;
  readonly scalingFactor: number;
  readonly sequenceAxis: number;
  readonly featureAxis: number;

  constructor(args: RotaryEmbeddingArgs & LayerArgs = {}) {
    const [own, base] = splitLayerArgs(args as Record<string, unknown>);
    super(base);
    assertKnownOptions(own, ['maxWavelength', 'scalingFactor', 'sequenceAxis', 'featureAxis'], 'args', WHERE);
    const a = own as RotaryEmbeddingArgs;
    this.maxWavelength = a.maxWavelength ?? 10000;
    this.scalingFactor = a.scalingFactor ?? 1;
    this.sequenceAxis = a.sequenceAxis ?? 1;
    this.featureAxis = a.featureAxis ?? -1;
    assertPositive(this.maxWavelength, 'maxWavelength', WHERE);
    assertPositive(this.scalingFactor, 'scalingFactor', WHERE);
    assertInteger(this.sequenceAxis, 'sequenceAxis', WHERE, -8);
    assertInteger(this.featureAxis, 'featureAxis', WHERE, -8);
  }

  /** Refuses a symbolic call's startIndex, which predict/fit would not apply. */
  override apply(inputs: Parameters<tf.layers.Layer['apply']>[0], kwargs?: Parameters<tf.layers.Layer['apply']>[1]): ReturnType<tf.layers.Layer['apply']> {
    rejectSymbolicStartIndex(inputs, kwargs, WHERE);
    return super.apply(inputs, kwargs);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const startIndex = startIndexOf(kwargs, WHERE);
    return applyRotary(x, this.sequenceAxis, this.featureAxis, { startIndex, maxWavelength: this.maxWavelength, scalingFactor: this.scalingFactor }, WHERE);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { maxWavelength: this.maxWavelength, scalingFactor: this.scalingFactor, sequenceAxis: this.sequenceAxis, featureAxis: this.featureAxis, ...super.getConfig() };
  }
}
tf.serialization.registerClass(RotaryEmbedding);

/** Factory for {@link RotaryEmbedding}. */
export function rotaryEmbedding(args: RotaryEmbeddingArgs & LayerArgs = {}): RotaryEmbedding {
  return new RotaryEmbedding(args);
}
