/**
 * PositionEmbedding, KerasHub's layer: a learned embedding per position,
 * weight `embeddings` [sequenceLength, d], returned broadcast to the input's
 * shape [B, T, d] (add it to the input yourself). `startIndex` continues from a
 * cached position during incremental decoding.
 */
import * as tf from '@tensorflow/tfjs';
import { assertInteger, assertKnownOptions, assertRank, fail } from '@tessera/tensor';
import { addWeightOf, LayerArgs, splitLayerArgs } from '../core/layer_args';
import { getInitializer, InitializerId, serialize } from '../util/serial';
import { rejectSymbolicStartIndex, startIndexOf } from './position_args';

export interface PositionEmbeddingArgs {
  /** Longest sequence (rows of the table). */
  sequenceLength: number;
  /** Default 'glorotUniform'. */
  initializer?: InitializerId;
}

const WHERE = 'PositionEmbedding';

/**
 * @example
 * const pos = positionEmbedding({ sequenceLength: 128 });
 * const x = tf.randomNormal([2, 10, 16]);
 * const y = tf.add(x, pos.apply(x) as tf.Tensor);
 */
export class PositionEmbedding extends tf.layers.Layer {
  static className = 'TesseraPositionEmbedding';
  readonly sequenceLength: number;
  readonly initializer: ReturnType<typeof getInitializer>;
  private table: tf.LayerVariable | null = null;

  constructor(args: PositionEmbeddingArgs & LayerArgs) {
    const [own, base] = splitLayerArgs(args as unknown as Record<string, unknown>);
    super(base);
    assertKnownOptions(own, ['sequenceLength', 'initializer'], 'args', WHERE);
    const a = own as unknown as PositionEmbeddingArgs;
    assertInteger(a.sequenceLength, 'sequenceLength', WHERE);
    this.sequenceLength = a.sequenceLength;
    this.initializer = getInitializer(a.initializer ?? 'glorotUniform', 'initializer', WHERE);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const d = s[s.length - 1];
    if (typeof d !== 'number') fail(WHERE, `inputs must have a known last dimension, received shape ${JSON.stringify(s)}`);
    this.table = addWeightOf(this)('embeddings', [this.sequenceLength, d], this.initializer);
    this.built = true;
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
    const start = startIndexOf(kwargs, WHERE);
    if (start + T > this.sequenceLength) fail(WHERE, `positions ${start}..${start + T - 1} exceed sequenceLength ${this.sequenceLength} (received inputs [${x.shape}] with startIndex ${start})`);
    const table = this.table as tf.LayerVariable;
    // [S, d] -> rows start..start+T -> [1, T, d] -> [B, T, d]
    return tf.tidy(() => tf.broadcastTo(tf.reshape(tf.slice(table.read(), [start, 0], [T, d]), [1, T, d]), [B, T, d]));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { sequenceLength: this.sequenceLength, initializer: serialize(this.initializer) as unknown as tf.serialization.ConfigDict, ...super.getConfig() };
  }
}
tf.serialization.registerClass(PositionEmbedding);

/** Factory for {@link PositionEmbedding}. */
export function positionEmbedding(args: PositionEmbeddingArgs & LayerArgs): PositionEmbedding {
  return new PositionEmbedding(args);
}
