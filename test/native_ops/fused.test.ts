/**
 * The fused layerNorm and gelu (native kernels and gradients on cpu/wasm)
 * against the same formulas composed of tfjs ops on tfjs's cpu kernels (the
 * path they take without the native engine), forward and gradient.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { gelu, layerNorm, setNativeOps } from '@tessera/native';
import { initBackend } from '@tessera/tensor';
import { expectClose } from '../helpers/close';
import { gradsOf, oracle, runOn, seeded } from './oracle';

const f32 = (shape: number[], seed: number, scale = 1) => ({ shape, values: seeded(shape, seed, scale), dtype: 'float32' as const });
const TOL = { atol: 2e-5, rtol: 2e-4 };

for (const backend of ['cpu', 'wasm']) {
  describe(`fused ops [${backend}]`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });
    it.each([[[1, 1]], [[3, 17]], [[2, 5, 256]], [[4, 1000]]])('layerNorm %j forward and gradient', async (shape) => {
      const C = shape[shape.length - 1];
      const ins = [f32(shape, 1, 3), f32([C], 2), f32([C], 3)];
      const ln = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => layerNorm(x, g, b, 1e-5);
      for (const fn of [ln, gradsOf(ln)]) {
        const want = await oracle(fn, ins);
        runOn(fn, ins).forEach((g, i) => expectClose(g, want[i], TOL));
      }
    });
    it.each([[false], [true]])('gelu approximate=%s forward and gradient', async (approximate) => {
      const ins = [f32([3, 1029], 4, 6)];
      const g = (x: tf.Tensor) => gelu(x, approximate);
      for (const fn of [g, gradsOf(g)]) {
        const want = await oracle(fn, ins);
        runOn(fn, ins).forEach((v, i) => expectClose(v, want[i], TOL));
      }
    });
    it('composes tfjs ops with the native ops off (same values)', () => {
      const x = tf.tensor(seeded([2, 33], 5), [2, 33]);
      const on = gelu(x, true);
      setNativeOps(false);
      try {
        const off = gelu(x, true);
        expectClose(on, off, TOL);
        off.dispose();
      } finally {
        setNativeOps(true);
      }
      tf.dispose([x, on]);
    });
    it('leaks nothing (forward and gradient)', () => {
      const x = tf.tensor(seeded([4, 8], 6), [4, 8]), g = tf.ones([8]), b = tf.zeros([8]);
      const before = tf.memory().numTensors;
      const r = tf.grads((a: tf.Tensor) => tf.sum(gelu(layerNorm(a, g, b))))([x]);
      tf.dispose(r);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, g, b]);
    });
  });
}
