/**
 * TokenAndPositionEmbedding, KerasHub's layer: token embedding plus learned
 * position embedding, weights `token_embedding/embeddings` [vocabularySize, d]
 * and `position_embedding/embeddings` [sequenceLength, d]. The lookup trains on
 * every backend (see core/embedding_lookup.ts: tf.gather's gradient is missing
 * on wasm). With `positional: false` there is no position table (for models that
 * use RoPE or ALiBi inside attention).
 */
import * as tf from '@tensorflow/tfjs';
import { assertBoolean, assertInteger, assertKnownOptions, assertRank, fail } from '@tessera/tensor';
import { embeddingLookup } from '../core/embedding_lookup';
import { addWeightOf, LayerArgs, splitLayerArgs } from '../core/layer_args';
import { getInitializer, InitializerId, serialize } from '../util/serial';
import { rejectSymbolicStartIndex, startIndexOf } from './position_args';

export interface TokenAndPositionEmbeddingArgs {
  vocabularySize: number;
  /** Longest sequence (rows of the position table). */
  sequenceLength: number;
  embeddingDim: number;
  /** Default 'randomUniform' (Keras's 'uniform': U(-0.05, 0.05)). */
  embeddingsInitializer?: InitializerId;
  /** Tessera: learned positions; default true. */
  positional?: boolean;
}

const WHERE = 'TokenAndPositionEmbedding';

/**
 * @example
 * const emb = tokenAndPositionEmbedding({ vocabularySize: 100, sequenceLength: 64, embeddingDim: 32 });
 * const tokens = tf.tensor2d([[5, 7, 9]], [1, 3], 'int32');
 * const x = emb.apply(tokens) as tf.Tensor;                          // [1, 3, 32]
 * const next = emb.apply(tf.tensor2d([[4]], [1, 1], 'int32'), { startIndex: 3 }) as tf.Tensor;
 */
export class TokenAndPositionEmbedding extends tf.layers.Layer {
  static className = 'TesseraTokenAndPositionEmbedding';
  readonly vocabularySize: number;
  readonly sequenceLength: number;
  readonly embeddingDim: number;
  readonly positional: boolean;
  readonly embeddingsInitializer: ReturnType<typeof getInitializer>;
  private tokens: tf.LayerVariable | null = null;
  private positions: tf.LayerVariable | null = null;

  constructor(args: TokenAndPositionEmbeddingArgs & LayerArgs) {
    const [own, base] = splitLayerArgs(args as unknown as Record<string, unknown>);
    super(base);
    assertKnownOptions(own, ['vocabularySize', 'sequenceLength', 'embeddingDim', 'embeddingsInitializer', 'positional'], 'args', WHERE);
    const a = own as unknown as TokenAndPositionEmbeddingArgs;
    assertInteger(a.vocabularySize, 'vocabularySize', WHERE);
    assertInteger(a.sequenceLength, 'sequenceLength', WHERE);
    assertInteger(a.embeddingDim, 'embeddingDim', WHERE);
    this.vocabularySize = a.vocabularySize;
    this.sequenceLength = a.sequenceLength;
    this.embeddingDim = a.embeddingDim;
    this.positional = a.positional ?? true;
    assertBoolean(this.positional, 'positional', WHERE);
    this.embeddingsInitializer = getInitializer(a.embeddingsInitializer ?? 'randomUniform', 'embeddingsInitializer', WHERE);
  }

  override build(): void {
    const add = addWeightOf(this);
    this.tokens = add('token_embedding/embeddings', [this.vocabularySize, this.embeddingDim], this.embeddingsInitializer);
    if (this.positional) this.positions = add('position_embedding/embeddings', [this.sequenceLength, this.embeddingDim], this.embeddingsInitializer);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [...s, this.embeddingDim];
  }

  /** The token table [vocabularySize, embeddingDim] (for tied output projections). */
  get tokenEmbeddings(): tf.LayerVariable {
    if (!this.tokens) fail(WHERE, 'layer is not built');
    return this.tokens;
  }

  /** Refuses a symbolic call's startIndex, which predict/fit would not apply. */
  override apply(inputs: Parameters<tf.layers.Layer['apply']>[0], kwargs?: Parameters<tf.layers.Layer['apply']>[1]): ReturnType<tf.layers.Layer['apply']> {
    rejectSymbolicStartIndex(inputs, kwargs, WHERE);
    return super.apply(inputs, kwargs);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const ids = Array.isArray(inputs) ? inputs[0] : inputs;
    assertRank(ids, 2, 'inputs', WHERE, '[B, T] token ids');
    const T = ids.shape[1] as number;
    const start = startIndexOf(kwargs, WHERE);
    if (this.positional && start + T > this.sequenceLength) fail(WHERE, `positions ${start}..${start + T - 1} exceed sequenceLength ${this.sequenceLength} (received inputs [${ids.shape}] with startIndex ${start})`);
    return tf.tidy(() => {
      const x = embeddingLookup(ids, (this.tokens as tf.LayerVariable).read()); // [B, T, d]
      if (!this.positions) return x;
      // [S, d] -> [1, T, d]
      const p = tf.reshape(tf.slice(this.positions.read(), [start, 0], [T, this.embeddingDim]), [1, T, this.embeddingDim]);
      return tf.add(x, p);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      vocabularySize: this.vocabularySize,
      sequenceLength: this.sequenceLength,
      embeddingDim: this.embeddingDim,
      embeddingsInitializer: serialize(this.embeddingsInitializer) as unknown as tf.serialization.ConfigDict,
      positional: this.positional,
      ...super.getConfig(),
    };
  }
}
tf.serialization.registerClass(TokenAndPositionEmbedding);

/** Factory for {@link TokenAndPositionEmbedding}. */
export function tokenAndPositionEmbedding(args: TokenAndPositionEmbeddingArgs & LayerArgs): TokenAndPositionEmbedding {
  return new TokenAndPositionEmbedding(args);
}
