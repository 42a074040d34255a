/**
 * Trains a TinyTransformer on associative recall with a hand-written loop
 * (Adam, cross-entropy at the query positions only) and evaluates it on fresh
 * sequences. Exported for the smoke test, which runs it with tiny settings.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@tessera/tensor';
import { TinyTransformer, TinyTransformerConfig } from './model';
import { ProgressStats } from './progress';
import { disposeBatch, RecallBatch, recallBatch, RecallTask, sequenceLength, vocabSize } from './task';

export interface TrainConfig {
  task: RecallTask;
  model: Omit<TinyTransformerConfig, 'vocabSize' | 'seed'>;
  steps: number;
  batchSize: number;
  learningRate: number;
  /** Sequences in the held-out evaluation. */
  evalSequences: number;
  seed: number;
}

export interface TrainResult {
  model: TinyTransformer;
  /** Accuracy on `evalSequences` fresh sequences (queries answered correctly). */
  accuracy: number;
  /** Chance accuracy: 1 / numValues. */
  chance: number;
  /** Loss of the last training step. */
  finalLoss: number;
  /** Training tokens per second (all positions of every sequence). */
  tokensPerSecond: number;
  seconds: number;
  /** Which attention implementation the layers ran ('flash'). */
  attentionPath: string | null;
}

/** Masked cross-entropy and accuracy at the query positions: logits [B, T, V]. */
function lossAndHits(logits: tf.Tensor, batch: RecallBatch, V: number): { loss: tf.Scalar; hits: tf.Scalar; count: tf.Scalar } {
  const [B, T] = batch.tokens.shape;
  // [B, T, V] -> [B*T, V]
  const flat = tf.reshape(logits, [B * T, V]);
  const labels = tf.reshape(batch.targets, [B * T]);
  const w = tf.reshape(batch.weights, [B * T]);
  const onehot = tf.cast(tf.oneHot(labels, V), 'float32');
  const perPosition = tf.losses.softmaxCrossEntropy(onehot, flat, undefined, undefined, tf.Reduction.NONE);
  const count = tf.sum(w) as tf.Scalar;
  const loss = tf.div(tf.sum(tf.mul(perPosition, w)), count) as tf.Scalar;
  const hits = tf.sum(tf.mul(tf.cast(tf.equal(tf.argMax(flat, 1), labels), 'float32'), w)) as tf.Scalar;
  return { loss, hits, count };
}

export async function evaluate(model: TinyTransformer, task: RecallTask, sequences: number, rng: Rng, batchSize = 64): Promise<number> {
  let hits = 0;
  let count = 0;
  for (let done = 0; done < sequences; done += batchSize) {
    const batch = recallBatch(task, Math.min(batchSize, sequences - done), rng);
    const [h, c] = tf.tidy(() => {
      const r = lossAndHits(model.apply(batch.tokens), batch, vocabSize(task));
      return [r.hits, r.count];
    });
    hits += (await h.data())[0];
    count += (await c.data())[0];
    tf.dispose([h, c]);
    disposeBatch(batch);
  }
  return hits / count;
}

export async function trainRecall(c: TrainConfig, onStep?: (s: ProgressStats) => void): Promise<TrainResult> {
  const rng = new Rng(c.seed);
  const model = new TinyTransformer({ ...c.model, vocabSize: vocabSize(c.task), seed: c.seed });
  const optimizer = tf.train.adam(c.learningRate);
  const V = vocabSize(c.task);
  const tokensPerStep = c.batchSize * sequenceLength(c.task);
  const t0 = performance.now();
  let finalLoss = NaN;
  try {
    for (let step = 1; step <= c.steps; step++) {
      const batch = recallBatch(c.task, c.batchSize, rng);
      let hits: tf.Scalar | null = null;
      let count: tf.Scalar | null = null;
      const loss = optimizer.minimize(() => {
        const r = lossAndHits(model.apply(batch.tokens), batch, V);
        hits = tf.keep(r.hits);
        count = tf.keep(r.count);
        return r.loss;
      }, true, model.trainableVariables) as tf.Scalar;
      const [l, h, n] = await Promise.all([loss.data(), (hits as unknown as tf.Scalar).data(), (count as unknown as tf.Scalar).data()]);
      tf.dispose([loss, hits as unknown as tf.Scalar, count as unknown as tf.Scalar]);
      disposeBatch(batch);
      finalLoss = l[0];
      onStep?.({ step, loss: l[0], accuracy: h[0] / n[0], tokens: step * tokensPerStep });
    }
  } finally {
    optimizer.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  const accuracy = await evaluate(model, c.task, c.evalSequences, rng.fork());
  return {
    model,
    accuracy,
    chance: 1 / c.task.numValues,
    finalLoss,
    tokensPerSecond: (c.steps * tokensPerStep) / seconds,
    seconds,
    attentionPath: model.attentionPath,
  };
}
