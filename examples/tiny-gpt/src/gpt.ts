/**
 * Train, sample, save and reload a character-level GPT built from
 * @tessera/layers (`Gpt`: TokenAndPositionEmbedding, pre-LN TransformerDecoder
 * blocks on the flash kernel, KV-cache decoding). Exported for the smoke test.
 */
import * as tf from '@tensorflow/tfjs';
import { Gpt, GptArgs } from '@tessera/layers';
import { Rng } from '@tessera/tensor';
import { CharData } from './data';

export interface TinyGptConfig {
  model: Omit<GptArgs, 'vocabularySize'>;
  steps: number;
  batchSize: number;
  learningRate: number;
  seed: number;
}

export interface TrainStats {
  step: number;
  loss: number;
  tokens: number;
}

/** Mean next-character cross-entropy (nats) of logits [B, T, V] against targets [B, T]. */
export function crossEntropy(logits: tf.Tensor, targets: tf.Tensor, V: number): tf.Scalar {
  return tf.tidy(() => {
    // [B, T, V] -> [B*T, V]
    const flat = tf.reshape(logits, [-1, V]);
    const onehot = tf.cast(tf.oneHot(tf.reshape(targets, [-1]), V), 'float32');
    return tf.losses.softmaxCrossEntropy(onehot, flat) as tf.Scalar;
  });
}

export function createGpt(data: CharData, c: TinyGptConfig): Gpt {
  return new Gpt({ ...c.model, vocabularySize: data.vocabularySize });
}

/** Adam on random windows of the text; calls `onStep` after every step. */
export async function train(gpt: Gpt, data: CharData, c: TinyGptConfig, onStep?: (s: TrainStats) => void): Promise<number> {
  const rng = new Rng(c.seed);
  const opt = tf.train.adam(c.learningRate);
  const T = c.model.sequenceLength;
  const vars = gpt.model.trainableWeights.map((w) => w.read() as tf.Variable);
  let last = NaN;
  try {
    for (let step = 1; step <= c.steps; step++) {
      const { x, y } = data.batch(c.batchSize, T, rng);
      const loss = opt.minimize(() => crossEntropy(gpt.model.apply(x, { training: true }) as tf.Tensor, y, data.vocabularySize), true, vars) as tf.Scalar;
      last = (await loss.data())[0];
      tf.dispose([x, y, loss]);
      onStep?.({ step, loss: last, tokens: step * c.batchSize * T });
    }
  } finally {
    opt.dispose();
  }
  return last;
}

/** Held-out-free check: mean loss on `batches` fresh random windows. */
export function evalLoss(gpt: Gpt, data: CharData, T: number, batches: number, seed: number): number {
  const rng = new Rng(seed);
  let total = 0;
  for (let i = 0; i < batches; i++) {
    const { x, y } = data.batch(16, T, rng);
    const l = tf.tidy(() => crossEntropy(gpt.logits(x), y, data.vocabularySize));
    total += l.dataSync()[0];
    tf.dispose([x, y, l]);
  }
  return total / batches;
}

export interface SampleResult {
  text: string;
  tokens: number[];
  tokensPerSecond: number;
}

/** Samples `maxNewTokens` characters after `prompt` (top-k, seeded), with or without the KV cache. */
export function sample(gpt: Gpt, data: CharData, prompt: string, maxNewTokens: number, useCache: boolean, seed: number): SampleResult {
  const ids = data.encode(prompt);
  const t0 = performance.now();
  const out = gpt.generate([ids], { maxNewTokens, strategy: 'sample', temperature: 0.8, topK: 10, seed, useCache })[0];
  const seconds = (performance.now() - t0) / 1000;
  return { tokens: out, text: data.decode(out), tokensPerSecond: maxNewTokens / seconds };
}

/** Saves the model with `file://` (Tessera's IO router in plain Node) and loads it back. */
export async function saveAndReload(gpt: Gpt, dir: string): Promise<tf.LayersModel> {
  await gpt.model.save(`file://${dir}`);
  return tf.loadLayersModel(`file://${dir}/model.json`);
}
