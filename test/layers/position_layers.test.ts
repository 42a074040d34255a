import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@tessera/tensor';
import {
  positionEmbedding,
  rotaryEmbedding,
  sinusoidalPositionEncoding,
  sinusoidalTable,
  tokenAndPositionEmbedding,
  applyRotary,
} from '@tessera/layers';
import { expectClose } from '../helpers/close';
import { expectThrowsNoLeak } from '../helpers/leaks';
import { runLayerTest } from './helpers/run_layer_test';

describe('position layers [wasm]', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('RotaryEmbedding passes runLayerTest', async () => {
    await runLayerTest({ make: () => rotaryEmbedding({ maxWavelength: 100 }), inputs: [{ shape: [5, 8] }], outputShape: [5, 8], weightless: true });
  });

  it('SinusoidalPositionEncoding passes runLayerTest', async () => {
    await runLayerTest({ make: () => sinusoidalPositionEncoding(), inputs: [{ shape: [5, 6] }], outputShape: [5, 6], weightless: true });
  });

  it('PositionEmbedding passes runLayerTest', async () => {
    await runLayerTest({ make: () => positionEmbedding({ sequenceLength: 8 }), inputs: [{ shape: [5, 6] }], outputShape: [5, 6] });
  });

  it('TokenAndPositionEmbedding passes runLayerTest (trains on wasm: no gather gradient needed)', async () => {
    await runLayerTest({
      make: () => tokenAndPositionEmbedding({ vocabularySize: 11, sequenceLength: 8, embeddingDim: 6 }),
      inputs: [{ shape: [5], dtype: 'int32', maxValue: 11 }],
      outputShape: [5, 6],
    });
  });

  it('RoPE rotates pairs (i, i + d/2) by pos * wavelength^(-2i/d) and keeps norms; startIndex continues', () => {
    const x = tf.randomNormal([1, 6, 4], 0, 1, 'float32', 3);
    const y = rotaryEmbedding().apply(x) as tf.Tensor;
    const xd = x.arraySync() as number[][][];
    const yd = y.arraySync() as number[][][];
    for (let p = 0; p < 6; p++)
      for (let i = 0; i < 2; i++) {
        const a = p * Math.pow(10000, (-2 * i) / 4);
        const [x1, x2] = [xd[0][p][i], xd[0][p][i + 2]];
        expect(yd[0][p][i]).toBeCloseTo(x1 * Math.cos(a) - x2 * Math.sin(a), 5);
        expect(yd[0][p][i + 2]).toBeCloseTo(x2 * Math.cos(a) + x1 * Math.sin(a), 5);
      }
    const tail = rotaryEmbedding().apply(tf.slice(x, [0, 4, 0], [1, 2, 4]), { startIndex: 4 }) as tf.Tensor;
    expectClose(tail, tf.slice(y, [0, 4, 0], [1, 2, 4]), { atol: 1e-6, rtol: 1e-6 });
    // q.k after rotation depends only on the relative position.
    const q = tf.randomNormal([1, 1, 1, 8], 0, 1, 'float32', 4);
    const k = tf.randomNormal([1, 1, 1, 8], 0, 1, 'float32', 5);
    const dot = (pq: number, pk: number): number =>
      tf.sum(tf.mul(applyRotary(q, 2, 3, { startIndex: pq }), applyRotary(k, 2, 3, { startIndex: pk }))).dataSync()[0];
    expect(dot(7, 3)).toBeCloseTo(dot(14, 10), 4);
  });

  it('SinusoidalPositionEncoding matches the formula and KerasHub layout (sin even, cos odd)', () => {
    const t = sinusoidalTable(3, 4, 0, 10000);
    expect(t[0]).toBeCloseTo(0);
    expect(t[1]).toBeCloseTo(1);
    expect(t[4 * 2 + 0]).toBeCloseTo(Math.sin(2));
    expect(t[4 * 2 + 3]).toBeCloseTo(Math.cos(2 * Math.pow(10000, -2 / 4)));
  });

  it('bad arguments name the argument and quote the value', () => {
    expect(() => positionEmbedding({ sequenceLength: 0 })).toThrow(/sequenceLength must be an integer >= 1, received 0/);
    expect(() => tokenAndPositionEmbedding({ vocabularySize: 2.5, sequenceLength: 4, embeddingDim: 2 })).toThrow(/vocabularySize must be an integer >= 1, received 2.5/);
    expect(() => rotaryEmbedding({ maxWavelength: -1 })).toThrow(/maxWavelength must be a finite number > 0, received -1/);
    const pe = positionEmbedding({ sequenceLength: 4 });
    const x = tf.zeros([1, 3, 2]);
    (pe.apply(x) as tf.Tensor).dispose();
    expectThrowsNoLeak(() => pe.apply(x, { startIndex: 2 }), /positions 2..4 exceed sequenceLength 4/);
    expectThrowsNoLeak(() => pe.apply(x, { startIndex: -1 }), /startIndex must be an integer >= 0, received -1/);
    const odd = tf.zeros([1, 2, 3]);
    expectThrowsNoLeak(() => rotaryEmbedding().apply(odd), /even feature size, received 3/);
  });
});
