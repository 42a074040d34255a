/**
 * The zero-copy Identity on `wasm` (what tf.clone runs): values equal the input's, the result
 * outlives the input, a Variable's assign does not change an earlier
 * identity, gradients through tf.identity are right, nothing leaks.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { nativeOps } from '@tessera/native';
import { initBackend } from '@tessera/tensor';

describe('native Identity [wasm]', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  it('is installed for wasm', () => {
    expect(nativeOps().kernels.some((k) => k.kernelName === 'Identity' && k.backendName === 'wasm')).toBe(true);
  });
  it('shares data safely: outlives its input, unaffected by assign, no leaks', () => {
    const before = tf.memory();
    const x = tf.tensor([1, 2, 3, 4.5], [2, 2]);
    const y = tf.clone(x);
    expect(y.shape).toEqual([2, 2]);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4.5]);
    const init = tf.tensor1d([7, 8]), next = tf.tensor1d([9, 10]);
    const v = tf.variable(init);
    const snap = tf.clone(v);
    v.assign(next);
    expect(Array.from(snap.dataSync())).toEqual([7, 8]);
    expect(Array.from(v.dataSync())).toEqual([9, 10]);
    const i0 = tf.tensor1d([3, -1], 'int32');
    const ints = tf.clone(i0);
    expect(ints.dtype).toBe('int32');
    expect(Array.from(ints.dataSync())).toEqual([3, -1]);
    tf.dispose([y, snap, v, ints, i0, init, next]);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });
  it('gradient through clone (Identity)', () => {
    const x = tf.tensor1d([1, -2, 3]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.clone(t))))(x);
    expect(Array.from(g.dataSync())).toEqual([2, -4, 6]);
    tf.dispose([x, g]);
  });
});
