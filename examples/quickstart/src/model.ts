/**
 * A small decoder-only transformer (pre-LN, as GPT-2: Radford et al. 2019)
 * around Tessera's MultiHeadAttention layer (causal, RoPE, flash kernel).
 * The rest is a handful of plain tfjs ops on variables, written so that every
 * matMul is 2-D (on wasm a 2-D matMul runs far faster than a batched one, and
 * tfjs-layers' LayerNormalization broadcasts with tf.tile, whose gradient is
 * one slice per repetition). Called eagerly so the training loop can report
 * progress every step.
 */
import * as tf from '@tensorflow/tfjs';
import { embeddingLookup, MultiHeadAttention, multiHeadAttention } from '@tessera/layers';

export interface TinyTransformerConfig {
  vocabSize: number;
  /** Model width. */
  dim: number;
  numHeads: number;
  numLayers: number;
  /** Width of the feed-forward hidden layer; default 4*dim. */
  mlpDim?: number;
  /** Attention implementation of every layer (MultiHeadAttention's `attention`); default 'flash'. */
  attention?: 'flash' | 'reference' | 'sparse' | 'linear';
  /** Sliding window [left, right] (attentionOptions.window); default none. */
  window?: [number, number];
  /**
   * Token shift: add an embedding of the previous token to each position (RWKV's
   * time-mix, H3's shift SSM). It hands attention the "what came before me"
   * feature that an induction head otherwise has to learn with a layer of its
   * own (Olsson et al. 2022), so recall trains in a few hundred steps. Default true.
   */
  tokenShift?: boolean;
  /** Weight-initialisation seed. */
  seed: number;
}

interface Block {
  norm1: [tf.Variable, tf.Variable];
  attn: MultiHeadAttention;
  norm2: [tf.Variable, tf.Variable];
  up: [tf.Variable, tf.Variable];
  down: [tf.Variable, tf.Variable];
}

/** LayerNorm over the last axis (Ba et al. 2016): x [N, d], gain/bias [d]. */
function layerNorm(x: tf.Tensor, [gain, bias]: [tf.Variable, tf.Variable]): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), gain), bias);
}

const dense = (x: tf.Tensor, [w, b]: [tf.Variable, tf.Variable]): tf.Tensor => tf.add(tf.matMul(x, w), b);

export class TinyTransformer {
  private readonly embed: tf.Variable;
  private readonly embedPrev: tf.Variable | null;
  private readonly blocks: Block[] = [];
  private readonly normOut: [tf.Variable, tf.Variable];
  private readonly head: tf.Variable;
  private readonly own: tf.Variable[] = [];

  constructor(readonly config: TinyTransformerConfig) {
    const { vocabSize, dim, numHeads, numLayers, seed } = config;
    const hidden = config.mlpDim ?? 4 * dim;
    let s = seed;
    const variable = (make: () => tf.Tensor): tf.Variable => {
      const v = tf.tidy(() => tf.variable(make()));
      this.own.push(v);
      return v;
    };
    // GPT-2's initialisation: N(0, 0.02) weights, zero biases, unit gains.
    const weight = (shape: number[]) => variable(() => tf.randomNormal(shape, 0, 0.02, 'float32', s++));
    const norm = (): [tf.Variable, tf.Variable] => [variable(() => tf.ones([dim])), variable(() => tf.zeros([dim]))];
    const linear = (i: number, o: number): [tf.Variable, tf.Variable] => [weight([i, o]), variable(() => tf.zeros([o]))];
    this.embed = weight([vocabSize, dim]);
    // Row vocabSize of the previous-token table stands for "no previous token".
    this.embedPrev = config.tokenShift === false ? null : weight([vocabSize + 1, dim]);
    for (let l = 0; l < numLayers; l++) {
      this.blocks.push({
        norm1: norm(),
        attn: multiHeadAttention({
          numHeads,
          keyDim: dim / numHeads,
          attention: config.attention ?? 'flash',
          positional: 'rope',
          kernelInitializer: tf.initializers.glorotUniform({ seed: s++ }),
          ...(config.window ? { attentionOptions: { window: config.window } } : {}),
        }),
        norm2: norm(),
        up: linear(dim, hidden),
        down: linear(hidden, dim),
      });
    }
    this.normOut = norm();
    this.head = weight([dim, vocabSize]);
    // Build the attention layers now (layers create weights on first call): an
    // optimizer only trains variables that exist when minimize() starts.
    tf.tidy(() => void this.apply(tf.zeros([1, 2], 'int32')));
  }

  /** tokens [B, T] int32 -> logits [B, T, vocabSize] (causal: position t sees tokens <= t). */
  apply(tokens: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const [B, T] = tokens.shape as [number, number];
      const dim = this.config.dim;
      // [B, T] -> [B*T, dim]: every op but attention works on rows.
      let x = tf.reshape(embeddingLookup(tokens, this.embed), [B * T, dim]);
      if (this.embedPrev) {
        // [B, T] -> [B, T]: position t gets token t-1 (vocabSize at t = 0).
        const prev = tf.concat([tf.fill([B, 1], this.config.vocabSize, 'int32'), tf.slice(tokens, [0, 0], [B, T - 1])], 1);
        x = tf.add(x, tf.reshape(embeddingLookup(prev, this.embedPrev), [B * T, dim]));
      }
      for (const b of this.blocks) {
        // [B*T, dim] -> [B, T, dim] for attention, and back.
        const h = tf.reshape(layerNorm(x, b.norm1), [B, T, dim]);
        const a = b.attn.apply(h, { useCausalMask: true } as never) as tf.Tensor;
        x = tf.add(x, tf.reshape(a, [B * T, dim]));
        x = tf.add(x, dense(tf.relu(dense(layerNorm(x, b.norm2), b.up)), b.down));
      }
      // [B*T, vocab] -> [B, T, vocab]
      return tf.reshape(tf.matMul(layerNorm(x, this.normOut), this.head), [B, T, this.config.vocabSize]);
    });
  }

  /** The attention implementation that ran in the last call (e.g. 'flash'). */
  get attentionPath(): string | null {
    return this.blocks[0]?.attn.lastAttentionPath ?? null;
  }

  /** Every trained variable (what the optimizer updates). */
  get trainableVariables(): tf.Variable[] {
    return [...this.own, ...this.blocks.flatMap((b) => b.attn.trainableWeights.map((w) => w.read() as tf.Variable))];
  }

  /** Number of trained parameters. */
  get parameterCount(): number {
    return this.trainableVariables.reduce((n, v) => n + v.size, 0);
  }

  dispose(): void {
    this.blocks.forEach((b) => b.attn.dispose());
    this.own.forEach((v) => v.dispose());
  }
}
