/**
 * Associative recall, the synthetic task behind induction heads (Olsson et al.
 * 2022) and Zoology's MQAR (Arora et al. 2023): the sequence lists key-value
 * pairs, then asks for some keys again; the model must answer each query with
 * the value that followed that key. A causal model needs attention to do it
 * (which key matches, and what came after it), and no statistics of the data
 * help: the pairs are fresh random draws in every sequence.
 *
 *   k3 v7 k0 v2 k5 v1 ... | k0 -> v2, k3 -> v7, ...
 *
 * Tokens: keys 0..numKeys-1, values numKeys..numKeys+numValues-1.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@tessera/tensor';

export interface RecallTask {
  numKeys: number;
  numValues: number;
  /** Key-value pairs per sequence (distinct keys). */
  pairs: number;
  /** Queries per sequence (distinct keys from the pairs). */
  queries: number;
}

export interface RecallBatch {
  /** [B, T] int32 tokens, T = 2*pairs + queries. */
  tokens: tf.Tensor2D;
  /** [B, T] int32: the answer at query positions, 0 elsewhere (weight 0 there). */
  targets: tf.Tensor2D;
  /** [B, T] float32: 1 at query positions (the loss is taken there only). */
  weights: tf.Tensor2D;
}

export const sequenceLength = (t: RecallTask): number => 2 * t.pairs + t.queries;
export const vocabSize = (t: RecallTask): number => t.numKeys + t.numValues;

/** A batch of independent sequences drawn from `rng` (deterministic for a seed). */
export function recallBatch(task: RecallTask, batchSize: number, rng: Rng): RecallBatch {
  const T = sequenceLength(task);
  const tokens = new Int32Array(batchSize * T);
  const targets = new Int32Array(batchSize * T);
  const weights = new Float32Array(batchSize * T);
  const keys = Array.from({ length: task.numKeys }, (_, i) => i);
  for (let b = 0; b < batchSize; b++) {
    const row = b * T;
    const chosen = rng.shuffle(keys.slice()).slice(0, task.pairs);
    const value = new Map<number, number>();
    chosen.forEach((k, p) => {
      const v = task.numKeys + rng.int(task.numValues);
      value.set(k, v);
      tokens[row + 2 * p] = k;
      tokens[row + 2 * p + 1] = v;
    });
    const asked = rng.shuffle(chosen.slice()).slice(0, task.queries);
    asked.forEach((k, j) => {
      const t = row + 2 * task.pairs + j;
      tokens[t] = k;
      // Position t predicts its own query's answer (read from the logits at t).
      targets[t] = value.get(k) as number;
      weights[t] = 1;
    });
  }
  return {
    tokens: tf.tensor2d(tokens, [batchSize, T], 'int32'),
    targets: tf.tensor2d(targets, [batchSize, T], 'int32'),
    weights: tf.tensor2d(weights, [batchSize, T], 'float32'),
  };
}

export function disposeBatch(b: RecallBatch): void {
  tf.dispose([b.tokens, b.targets, b.weights]);
}
