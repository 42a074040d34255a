/**
 * Whole model: a tiny GPT (@tessera/layers) trains a few Adam steps on wasm
 * with the native ops and again from the same weights with tfjs's own kernels
 * (and composed layerNorm/gelu); the losses agree within 1e-4.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { Gpt } from '@tessera/layers';
import { nativeOps, setNativeOps } from '@tessera/native';
import { initBackend, Rng } from '@tessera/tensor';

const V = 16, T = 12, B = 3;

function train(gpt: Gpt, init: tf.Tensor[], steps: number): number[] {
  gpt.model.setWeights(init);
  const opt = tf.train.adam(0.01);
  const rng = new Rng(5);
  const losses: number[] = [];
  // One fixed batch, every step: fitting it lowers the loss whatever the (unseeded) initial
  // weights; fresh random batches each step made "it does learn" fail now and then.
  const ids = Array.from({ length: B * (T + 1) }, () => Math.floor(rng.uniform() * V));
  for (let s = 0; s < steps; s++) {
    const x = tf.tensor2d(Array.from({ length: B }, (_, b) => ids.slice(b * (T + 1), b * (T + 1) + T)), [B, T], 'int32');
    const y = tf.oneHot(tf.tensor2d(Array.from({ length: B }, (_, b) => ids.slice(b * (T + 1) + 1, (b + 1) * (T + 1))), [B, T], 'int32'), V);
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, gpt.model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true);
    losses.push(loss!.dataSync()[0]);
    tf.dispose([x, y, loss!]);
  }
  opt.dispose();
  return losses;
}

describe('GPT trains the same with and without the native ops [wasm]', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  it.each([['geluApproximate'], ['gelu']] as const)('activation %s: 4 Adam steps, losses within 1e-4', (activation) => {
    expect(nativeOps().enabled).toBe(true);
    const gpt = new Gpt({ vocabularySize: V, sequenceLength: T, hiddenDim: 16, numLayers: 2, numHeads: 2, intermediateDim: 32, activation });
    const init = gpt.model.getWeights().map((w) => w.clone());
    const withNative = train(gpt, init, 4);
    setNativeOps(false);
    let without: number[];
    try {
      without = train(gpt, init, 4);
    } finally {
      setNativeOps(true);
    }
    for (let i = 0; i < 4; i++) expect(Math.abs(withNative[i] - without[i])).toBeLessThan(1e-4);
    expect(withNative[3]).toBeLessThan(withNative[0]);  // it does learn
    tf.dispose(init);
    gpt.dispose();
  });
});
