/**
 * Smoke test of examples/drop-in: the functional model with Tessera's
 * MultiHeadAttention compiles, trains with fit() and callbacks (the logger
 * sees every epoch, the loss goes down) and runs the flash kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@tessera/tensor';
import { makeReviews, trainClassifier, VOCAB } from '../../examples/drop-in/src/main';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('drop-in', () => {
  test('reviews: labels are the sign of the polarity sum, with "not" flipping the next word', () => {
    const d = makeReviews(64, 12, 1);
    const ids = d.x.arraySync();
    const y = d.y.dataSync();
    const polarity = (w: string) => (['good', 'great', 'fine', 'superb', 'lovely', 'fun'].includes(w) ? 1 : ['bad', 'awful', 'dull', 'poor', 'boring', 'weak'].includes(w) ? -1 : 0);
    ids.forEach((row, i) => {
      const words = row.map((k) => VOCAB[k]);
      const score = words.reduce((s, w, j) => s + polarity(w) * (j > 0 && words[j - 1] === 'not' ? -1 : 1), 0);
      expect(score > 0 ? 1 : 0).toBe(y[i]);
    });
    expect(Array.from(y).filter((v) => v === 1)).toHaveLength(32);
    tf.dispose([d.x, d.y]);
  });

  test('fit with callbacks trains the attention model on the flash kernel', async () => {
    const before = tf.memory().numTensors;
    const lines: string[] = [];
    const r = await trainClassifier({ T: 12, embeddingDim: 16, numHeads: 2, attention: true, seed: 3 }, { train: 512, test: 128, epochs: 4, log: (s) => lines.push(s) });
    expect(r.attentionPath).toBe('flash');
    expect(lines).toHaveLength(r.epochsRun);
    expect(r.history.epoch).toHaveLength(r.epochsRun);
    expect(lines[0]).toMatch(/^ {2}epoch {2}1 {2}loss \d\.\d{3} {2}acc \d\.\d{3} {2}val_loss \d\.\d{3} {2}val_acc \d\.\d{3}$/);
    const loss = r.history.history.loss as number[];
    expect(loss[loss.length - 1]).toBeLessThan(loss[0]);
    expect(r.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(tf.memory().numTensors).toBe(before);
  });
});
