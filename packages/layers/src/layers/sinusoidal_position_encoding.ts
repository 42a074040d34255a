/**
 * SinusoidalPositionEncoding (Vaswani et al. 2017), KerasHub's layer: returns
 * the fixed sin/cos encoding of each position, broadcast to the input's shape
 * (add it to the input yourself, as in KerasHub). No weights.
 */
import * as tf from '@tensorflow/tfjs';
import { assertKnownOptions, assertPositive, assertRank } from '@tessera/tensor';
import { LayerArgs, splitLayerArgs } from '../core/layer_args';
import { rejectSymbolicStartIndex, startIndexOf } from './position_args';

export interface SinusoidalPositionEncodingArgs {
  /** Longest wavelength; default 10000. */
  maxWavelength?: number;
}

const WHERE = 'SinusoidalPositionEncoding';

/** Encoding [T, d]: even features sin(p * w_i), odd ones cos(p * w_i), w_i = maxWavelength^(-2 floor(i/2) / d). */
export function sinusoidalTable(t: number, d: number, start: number, maxWavelength: number): Float32Array {
  const out = new Float32Array(t * d);
  for (let p = 0; p < t; p++)
    for (let i = 0; i < d; i++) {
      const a = (start + p) * Math.pow(maxWavelength, (-2 * Math.floor(i / 2)) / d);
      out[p * d + i] = i % 2 === 0 ? Math.sin(a) : Math.cos(a);
    }
  return out;
}

/**
 * @example
 * const x = tf.randomNormal([2, 10, 16]);
 * const withPositions = tf.add(x, sinusoidalPositionEncoding().apply(x) as tf.Tensor);
 */
export class SinusoidalPositionEncoding extends tf.layers.Layer {
  static className = 'TesseraSinusoidalPositionEncoding';
  readonly maxWavelength: number;

  constructor(args: SinusoidalPositionEncodingArgs & LayerArgs = {}) {
    const [own, base] = splitLayerArgs(args as Record<string, unknown>);
    super(base);
    assertKnownOptions(own, ['maxWavelength'], 'args', WHERE);
    this.maxWavelength = (own as SinusoidalPositionEncodingArgs).maxWavelength ?? 10000;
    assertPositive(this.maxWavelength, 'maxWavelength', WHERE);
  }

  /** Refuses a symbolic call's startIndex, which predict/fit would not apply. */
  override apply(inputs: Parameters<tf.layers.Layer['apply']>[0], kwargs?: Parameters<tf.layers.Layer['apply']>[1]): ReturnType<tf.layers.Layer['apply']> {
    rejectSymbolicStartIndex(inputs, kwargs, WHERE);
    return super.apply(inputs, kwargs);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    assertRank(x, 3, 'inputs', WHERE, '[B, T, d]');
    const [B, T, d] = x.shape as number[];
    const table = sinusoidalTable(T, d, startIndexOf(kwargs, WHERE), this.maxWavelength);
    // [T, d] -> [1, T, d] -> [B, T, d]
    return tf.tidy(() => tf.broadcastTo(tf.tensor3d(table, [1, T, d]), [B, T, d]));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { maxWavelength: this.maxWavelength, ...super.getConfig() };
  }
}
tf.serialization.registerClass(SinusoidalPositionEncoding);

/** Factory for {@link SinusoidalPositionEncoding}. */
export function sinusoidalPositionEncoding(args: SinusoidalPositionEncodingArgs & LayerArgs = {}): SinusoidalPositionEncoding {
  return new SinusoidalPositionEncoding(args);
}
