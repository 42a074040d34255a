import * as tf from '@tensorflow/tfjs-core';
import { logSumExpArray, maskedLogSumExp, maskedSoftmax } from '@tessera/tensor';
import { describeEachBackend } from '../helpers/backends';
import { expectClose } from '../helpers/close';
import { checkGradients } from '../helpers/gradcheck';
import { expectNoLeaks, expectThrowsNoLeak } from '../helpers/leaks';

describeEachBackend('masked softmax and log-sum-exp', () => {
  it('equals the textbook softmax without a mask', () => {
    const x = tf.tensor2d([[1, 2, 3], [-1, 0, 5]]);
    const y = maskedSoftmax(x);
    const e = [1, 2, 3].map(Math.exp);
    const s = e.reduce((a, b) => a + b);
    expectClose(tf.slice(y, [0, 0], [1, 3]), e.map((v) => v / s), { atol: 1e-6, rtol: 1e-6 });
    tf.dispose([x, y]);
  });

  it('masks entries and gives zeros for fully masked rows, never NaN', () => {
    const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
    const m = tf.tensor2d([[1, 1, 0], [0, 0, 0]], [2, 3], 'bool');
    const y = maskedSoftmax(x, m);
    const z = Math.exp(1) + Math.exp(2);
    expectClose(y, [Math.exp(1) / z, Math.exp(2) / z, 0, 0, 0, 0], { atol: 1e-6, rtol: 1e-6 });
    const l = maskedLogSumExp(x, m);
    expectClose(l, [Math.log(z), -Infinity], { atol: 1e-5, rtol: 1e-6 });
    tf.dispose([x, m, y, l]);
  });

  it('is stable for large logits (1e4)', () => {
    const x = tf.tensor2d([[1e4, 1e4 - 1, -1e4]]);
    const y = maskedSoftmax(x);
    const l = maskedLogSumExp(x);
    const z = 1 + Math.exp(-1);
    expectClose(y, [1 / z, Math.exp(-1) / z, 0], { atol: 1e-6, rtol: 1e-5 });
    expectClose(l, [1e4 + Math.log(z)], { atol: 1e-2, rtol: 1e-6 });
    tf.dispose([x, y, l]);
  });

  it('broadcasts a mask and works along other axes', () => {
    const x = tf.tensor3d([[[1, 2], [3, 4]], [[5, 6], [7, 9]]]); // [2,2,2]
    const m = tf.tensor2d([[1, 0], [1, 1]], [2, 2], 'bool'); // broadcast over batch
    const y = maskedSoftmax(x, m, -1);
    const d = y.dataSync();
    expect(Array.from(d.slice(0, 2))).toEqual([1, 0]);
    expect(d[2] + d[3]).toBeCloseTo(1, 6);
    const y0 = maskedSoftmax(x, null, 0);
    const s0 = tf.sum(y0, 0).dataSync();
    Array.from(s0).forEach((v) => expect(v).toBeCloseTo(1, 6));
    tf.dispose([x, m, y, y0]);
  });

  it('has correct gradients (finite differences), zero on masked entries', () => {
    const x = tf.tensor2d([[0.1, -0.4, 0.3, 0.9], [1.2, 0.2, -0.5, 0.0]]);
    const m = tf.tensor2d([[1, 1, 0, 1], [0, 0, 0, 0]], [2, 4], 'bool');
    checkGradients((a) => maskedSoftmax(a, m), [x]);
    checkGradients((a) => maskedLogSumExp(a, tf.tensor2d([[1, 1, 0, 1], [1, 0, 0, 0]], [2, 4], 'bool')), [x]);
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(maskedSoftmax(a, m), tf.tensor2d([[1, 2, 3, 4], [5, 6, 7, 8]]))))(x);
    const gd = g.dataSync();
    expect(gd[2]).toBe(0);
    expect(Array.from(gd.slice(4))).toEqual([0, 0, 0, 0]);
    tf.dispose([x, m, g]);
  });

  it('does not leak and validates arguments', async () => {
    const x = tf.tensor2d([[1, 2, 3]]);
    await expectNoLeaks(() => {
      const m = tf.ones([1, 3]);
      return [m, maskedSoftmax(x, m)];
    });
    const bad = tf.ones([2, 2]);
    expectThrowsNoLeak(() => maskedSoftmax(x, bad), 'maskedSoftmax: mask must broadcast to the scores\' shape [1,3], received [2,2]');
    expectThrowsNoLeak(() => maskedLogSumExp(x, null, 3), 'maskedLogSumExp: axis must be an integer in [-2, 1], received 3');
    tf.dispose([x, bad]);
  });
});

describe('logSumExpArray', () => {
  it('is stable and handles empty and all -Infinity rows', () => {
    expect(logSumExpArray([1000, 1000])).toBeCloseTo(1000 + Math.log(2), 10);
    expect(logSumExpArray([])).toBe(-Infinity);
    expect(logSumExpArray([-Infinity, -Infinity])).toBe(-Infinity);
    expect(logSumExpArray([5, 1, 2, 3], 1, 2)).toBeCloseTo(Math.log(Math.exp(1) + Math.exp(2)), 12);
  });
});
