/**
 * A small GPT (Radford et al. 2019) built from Tessera's layers: token (and
 * learned position) embedding, N pre-LN TransformerDecoder blocks, a final
 * layer norm and a vocabulary projection. `model` is an ordinary tfjs
 * LayersModel (fit, save, load); `generate()` decodes with a KV cache per
 * block (or the recurrent state of linear attention): O(context) work per token.
 */
import * as tf from '@tensorflow/tfjs';
import { assertInteger, assertRank, fail, formatShape, Rng } from '@tessera/tensor';
import type { AttentionConfig, AttentionPath, Positional } from '../attention/attention_config';
import type { AttentionCache } from '../attention/mha_core';
import { TokenAndPositionEmbedding } from '../layers/token_and_position_embedding';
import { TransformerDecoder } from '../layers/transformer_decoder';
import { NativeGptDecoder } from './gpt_native_decode';
import { checkSampling, pickToken, SamplingOptions } from './sampling';

export interface GptArgs {
  vocabularySize: number;
  /** Longest context (learned position table; KV cache capacity). */
  sequenceLength: number;
  hiddenDim: number;
  numLayers: number;
  numHeads: number;
  intermediateDim: number;
  numKeyValueHeads?: number;
  dropout?: number;
  attention?: AttentionPath;
  attentionOptions?: AttentionConfig;
  /** 'none' = learned absolute positions (GPT-2); 'rope' / 'alibi' inside attention. Default 'none'. */
  positional?: Positional;
  activation?: 'relu' | 'gelu' | 'geluApproximate';
}

export interface GenerateOptions extends SamplingOptions {
  maxNewTokens: number;
  /** Decode with caches (default true); false recomputes the whole sequence per token. */
  useCache?: boolean;
  /** Rolling caches of this many positions (sliding-window attention); default: full caches. */
  rollingCache?: number;
  /**
   * With the cache in Node, decode each token in one native call (@tessera/native's gptDecodeStep)
   * when the model's configuration allows it (default true; false always uses the layers' tfjs path).
   */
  native?: boolean;
}

const WHERE = 'Gpt';

/**
 * @example
 * const gpt = new Gpt({ vocabularySize: 64, sequenceLength: 32, hiddenDim: 32, numLayers: 2, numHeads: 4, intermediateDim: 64 });
 * // gpt.model maps int32 tokens [B, T] to logits [B, T, V]: train it with an optimizer loop on
 * // tf.losses.softmaxCrossEntropy(oneHotTargets, logits) (see test/layers/training.test.ts).
 * const out = gpt.generate([[1, 2, 3]], { maxNewTokens: 5, strategy: 'sample', temperature: 0.8, topK: 10, seed: 1 });
 */
export class Gpt {
  readonly model: tf.LayersModel;
  readonly embedding: TokenAndPositionEmbedding;
  readonly blocks: TransformerDecoder[];
  readonly norm: tf.layers.Layer;
  readonly head: tf.layers.Layer;
  readonly args: GptArgs;

  constructor(args: GptArgs) {
    assertInteger(args.vocabularySize, 'vocabularySize', WHERE);
    assertInteger(args.sequenceLength, 'sequenceLength', WHERE);
    assertInteger(args.hiddenDim, 'hiddenDim', WHERE);
    assertInteger(args.numLayers, 'numLayers', WHERE);
    this.args = args;
    const positional = args.positional ?? 'none';
    this.embedding = new TokenAndPositionEmbedding({
      vocabularySize: args.vocabularySize,
      sequenceLength: args.sequenceLength,
      embeddingDim: args.hiddenDim,
      positional: positional === 'none',
      embeddingsInitializer: tf.initializers.randomNormal({ stddev: 0.02 }),
    });
    this.blocks = Array.from({ length: args.numLayers }, () =>
      new TransformerDecoder({
        intermediateDim: args.intermediateDim,
        numHeads: args.numHeads,
        numKeyValueHeads: args.numKeyValueHeads,
        dropout: args.dropout ?? 0,
        activation: args.activation ?? 'geluApproximate',
        normalizeFirst: true,
        attention: args.attention,
        attentionOptions: args.attentionOptions,
        positional: positional === 'none' ? 'none' : positional,
      }),
    );
    this.norm = tf.layers.layerNormalization({ epsilon: 1e-5 });
    this.head = tf.layers.dense({ units: args.vocabularySize });
    const tokens = tf.input({ shape: [null], dtype: 'int32', name: 'token_ids' });
    let x = this.embedding.apply(tokens) as tf.SymbolicTensor;
    for (const b of this.blocks) x = b.apply(x) as tf.SymbolicTensor;
    const logits = this.head.apply(this.norm.apply(x)) as tf.SymbolicTensor;
    this.model = tf.model({ inputs: tokens, outputs: logits });
  }

  /** Logits [B, T, V] of a whole sequence (no cache). */
  logits(tokens: tf.Tensor): tf.Tensor {
    assertRank(tokens, 2, 'tokens', WHERE, '[B, T]');
    return this.model.predict(tokens) as tf.Tensor;
  }

  /** One cache per block. */
  createCaches(batchSize: number, maxLength = this.args.sequenceLength, rolling = false): AttentionCache[] {
    return this.blocks.map((b) => b.createCache({ batchSize, maxLength, rolling }));
  }

  /**
   * Logits [B, n, V] of n new tokens [B, n] given the caches (which then hold them).
   * Each block attends over its cache: O(context) work per token.
   */
  step(tokens: tf.Tensor, caches: AttentionCache[]): tf.Tensor {
    assertRank(tokens, 2, 'tokens', WHERE, '[B, n]');
    if (caches.length !== this.blocks.length) fail(WHERE, `caches must hold one cache per block (${this.blocks.length}), received ${caches.length}`);
    const start = caches[0].length;
    const B = tokens.shape[0] as number;
    // Check every cache before any of them changes.
    caches.forEach((c) => c.checkAppend(B, tokens.shape[1] as number, WHERE));
    if (this.embedding.positional && start + (tokens.shape[1] as number) > this.args.sequenceLength) {
      fail(WHERE, `positions ${start}..${start + (tokens.shape[1] as number) - 1} exceed sequenceLength ${this.args.sequenceLength} (tokens ${formatShape(tokens.shape)})`);
    }
    return tf.tidy(() => {
      let x = this.embedding.apply(tokens, { startIndex: start }) as tf.Tensor;
      this.blocks.forEach((b, i) => {
        x = b.apply(x, { cache: caches[i] } as unknown as Parameters<typeof b.apply>[1]) as tf.Tensor;
      });
      return this.head.apply(this.norm.apply(x)) as tf.Tensor;
    });
  }

  /**
   * Continues each prompt by `maxNewTokens` tokens. Prompts must share a length.
   * @returns the prompts followed by the generated tokens.
   */
  generate(prompts: number[][], o: GenerateOptions): number[][] {
    if (!Array.isArray(prompts) || prompts.length === 0 || !prompts.every((p) => Array.isArray(p) && p.length === prompts[0].length && p.length > 0)) {
      fail(WHERE, `prompts must be a non-empty array of equally long, non-empty token arrays, received ${JSON.stringify(prompts).slice(0, 80)}`);
    }
    assertInteger(o.maxNewTokens, 'maxNewTokens', WHERE);
    checkSampling(o, WHERE);
    const B = prompts.length;
    const total = prompts[0].length + o.maxNewTokens;
    if (this.embedding.positional && total > this.args.sequenceLength) fail(WHERE, `prompt length ${prompts[0].length} + maxNewTokens ${o.maxNewTokens} exceeds sequenceLength ${this.args.sequenceLength}`);
    const rng = new Rng(o.seed ?? 0);
    const out = prompts.map((p) => p.slice());
    const useCache = o.useCache ?? true;
    if (o.native !== undefined && typeof o.native !== 'boolean') fail(WHERE, `native must be a boolean, received ${String(o.native)}`);
    const fast = useCache && o.rollingCache === undefined && (o.native ?? true) ? NativeGptDecoder.create(this, B, total) : null;
    if (fast) {
      // Prompt tokens one at a time (causal: the same keys/values as a prefill), then one call per new token.
      let logits: Float32Array | null = null;
      for (let t = 0; t < prompts[0].length; t++) logits = fast.next(prompts.map((p) => p[t]));
      const V = this.args.vocabularySize;
      for (let t = 0; t < o.maxNewTokens; t++) {
        const rows = out.map((_, b) => (logits as Float32Array).subarray(b * V, (b + 1) * V));
        const next = rows.map((r, b) => {
          const tok = pickToken(r, o, rng);
          out[b].push(tok);
          return tok;
        });
        if (t + 1 < o.maxNewTokens) logits = fast.next(next);
      }
      return out;
    }
    const caches = useCache ? this.createCaches(B, o.rollingCache ?? total, o.rollingCache !== undefined) : null;
    try {
      let pending = out.map((p) => p.slice());
      for (let t = 0; t < o.maxNewTokens; t++) {
        const ids = tf.tensor2d(caches ? pending : out, undefined, 'int32');
        const logits = caches ? this.step(ids, caches) : this.logits(ids);
        const [, n, V] = logits.shape as number[];
        const last = tf.tidy(() => tf.reshape(tf.slice(logits, [0, n - 1, 0], [B, 1, V]), [B, V]));
        const rows = last.arraySync() as number[][];
        tf.dispose([ids, logits, last]);
        pending = rows.map((r, b) => {
          const tok = pickToken(r, o, rng);
          out[b].push(tok);
          return [tok];
        });
      }
    } finally {
      caches?.forEach((c) => c.dispose());
    }
    return out;
  }

  dispose(): void {
    this.model.dispose();
  }
}
