/**
 * The O(n) memory claim, asserted by counting bytes (tf.profile through
 * measurePeak): at B=1, H=1, Tq=Tk=4096, D=64 the naive score matrix alone is
 * 4096^2 * 4 B = 64 MB; flashAttention's forward and backward must each peak
 * below 8 MB of tfjs tensor memory (their outputs are 1 MB each).
 */
import * as tf from '@tensorflow/tfjs-core';
import { flashAttention, TesseraFlashAttention, TesseraFlashAttentionGrad } from '@tessera/attention';
import { measurePeak, randomNormal } from '@tessera/tensor';
import { describeEachBackend } from '../helpers/backends';

const N = 4096;
const D = 64;
const LIMIT = 8 * 1024 * 1024;
const SCORES = N * N * 4;

describeEachBackend('flashAttention memory', () => {
  let q: tf.Tensor;
  let k: tf.Tensor;
  let v: tf.Tensor;
  beforeAll(() => {
    q = randomNormal([1, 1, N, D], 1);
    k = randomNormal([1, 1, N, D], 2);
    v = randomNormal([1, 1, N, D], 3);
  });
  afterAll(() => tf.dispose([q, k, v]));

  it(`forward at n=${N}, D=${D} peaks below 8 MB (scores would be ${SCORES / 2 ** 20} MB)`, async () => {
    const m = await measurePeak(() => {
      const r = flashAttention(q, k, v, { returnLse: true });
      return [r.output, r.lse];
    });
    const out = m.result;
    expect(out[0].shape).toEqual([1, 1, N, D]);
    expect(Array.from(out[1].dataSync().slice(0, 8)).every(Number.isFinite)).toBe(true);
    // The outputs themselves are counted, so the measurement is live: 1 MB output + 16 KB lse.
    expect(m.peakNewBytes).toBeGreaterThanOrEqual(N * D * 4 + N * 4);
    expect(m.peakNewBytes).toBeLessThan(LIMIT);
    tf.dispose(out);
  });

  it(`backward kernel at n=${N}, D=${D} peaks below 8 MB`, async () => {
    const empty = () => tf.tensor([], [0], 'float32');
    const attrs = { scale: 0.125, causal: false, windowLeft: -1, windowRight: -1, softcap: 0 };
    const opt = { keyMask: empty(), segmentIdsQ: empty(), segmentIdsK: empty(), alibiSlopes: empty() };
    const [out, lse] = tf.engine().runKernel(TesseraFlashAttention, { q, k, v, ...opt }, attrs) as tf.Tensor[];
    const dy = tf.onesLike(out);
    const dLse = empty();
    const m = await measurePeak(() => tf.engine().runKernel(TesseraFlashAttentionGrad, { q, k, v, ...opt, out, lse, dy, dLse }, attrs) as tf.Tensor[]);
    const [dq, dk, dv] = m.result;
    expect(dk.shape).toEqual([1, 1, N, D]);
    expect(Array.from(dq.dataSync().slice(0, 8)).every(Number.isFinite)).toBe(true);
    expect(m.peakNewBytes).toBeGreaterThanOrEqual(3 * N * D * 4);
    expect(m.peakNewBytes).toBeLessThan(LIMIT);
    tf.dispose([dq, dk, dv, out, lse, dy, dLse, ...Object.values(opt)]);
  });

  it(`forward + backward through tf.grads at n=${N}, D=${D} peaks below 16 MB`, async () => {
    const m = await measurePeak(() => tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(flashAttention(a, b, c)))([q, k, v]));
    const [dq, dk, dv] = m.result;
    expect(dq.shape).toEqual([1, 1, N, D]);
    expect(Array.from(dv.dataSync().slice(0, 8)).every(Number.isFinite)).toBe(true);
    expect(m.peakNewBytes).toBeGreaterThanOrEqual(3 * N * D * 4);
    expect(m.peakNewBytes).toBeLessThan(2 * LIMIT);
    tf.dispose([dq, dk, dv]);
  });
});
