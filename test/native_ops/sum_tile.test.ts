/**
 * The native Sum and the block-copy Tile against tfjs's own cpu kernels
 * (native ops off), forward and gradient, on `cpu` and `wasm`: reductions over
 * leading, trailing, middle and all axes, keepDims, size-1 dims, widths that
 * are not multiples of the SIMD width; patterns the native Sum does not take
 * (two separate reduced blocks) still right through tfjs's kernel; Tile of
 * float32/int32/bool at ranks 0-5 with reps of 1, broadcast-like size-1 dims.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as native from '@tessera/native';
import { initBackend } from '@tessera/tensor';
import { expectClose } from '../helpers/close';
import { gradsOf, Inputs, oracle, runOn, seeded } from './oracle';

const f32 = (shape: number[], seed: number) => ({ shape, values: seeded(shape, seed), dtype: 'float32' as const });
const TOL = { atol: 1e-4, rtol: 1e-4 };

async function check(fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[], inputs: Inputs, tol = TOL): Promise<void> {
  const want = await oracle(fn, inputs);
  const got = runOn(fn, inputs);
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expectClose(g, want[i], tol));
}

// [shape, axis, keepDims]
const SUMS: [number[], number | number[] | null, boolean][] = [
  [[37], 0, false],
  [[4096, 17], 0, false],  // a bias gradient: rows summed, 17 columns (not a multiple of 16)
  [[33, 250], 1, false],  // row sums
  [[5, 6, 7], 1, true],  // middle axis
  [[5, 6, 7], [0, 1], false],
  [[5, 6, 7], [-1, -2], true],
  [[5, 6, 7], null, false],  // everything
  [[1, 9, 1, 3], [0, 1, 2], false],  // size-1 dims merge away
  [[4, 1, 3, 1, 5], [0, 2], false],  // reduced axes 0 and 2 form one block once the size-1 dim goes
  [[4, 3, 5, 2], [0, 2], false],  // two blocks: tfjs's kernel
  [[16, 1, 1, 2, 1, 8], [0, 2, 4], false],  // the Tile gradient's pattern
  [[3, 0, 4], 1, false],  // empty: tfjs's kernel
];

const TILES: [number[], number[]][] = [
  [[], []],
  [[5], [3]],
  [[1, 1, 19], [4, 7, 1]],  // gamma [C] -> [B, T, C] as tfjs-layers' LayerNormalization
  [[4, 7, 1], [1, 1, 19]],  // mean [B, T, 1] -> [B, T, C]
  [[2, 3], [1, 1]],
  [[2, 3, 4], [2, 1, 3]],
  [[2, 1, 3, 1, 2], [1, 2, 1, 3, 2]],  // rank 5
];

for (const backend of ['cpu', 'wasm']) {
  describe(`native Sum and Tile vs tfjs cpu [${backend}]`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });
    it('are installed over tfjs kernels', () => {
      const mine = native.nativeOps().kernels.filter((k) => k.backendName === backend).map((k) => k.kernelName);
      expect(mine).toEqual(expect.arrayContaining(['Sum', 'Tile']));
    });
    it.each(SUMS)('sum %j over %j (keepDims %s): forward and gradient', async (shape, axis, keepDims) => {
      const fn = (x: tf.Tensor) => tf.sum(x, axis ?? undefined, keepDims);
      await check(fn, [f32(shape, 3)]);
      await check(gradsOf(fn), [f32(shape, 3)]);
      const got = tf.tidy(() => fn(tf.ones(shape)).shape);
      const want = tf.tidy(() => [...tf.sum(tf.ones(shape), axis ?? undefined, keepDims).shape]);
      expect(got).toEqual(want);
    });
    it('sum of int32 stays int32 (tfjs kernel)', () => {
      const s = tf.sum(tf.tensor2d([[1, 2], [3, 4]], undefined, 'int32'), 0);
      expect(s.dtype).toBe('int32');
      expect(Array.from(s.dataSync())).toEqual([4, 6]);
      s.dispose();
    });
    it.each(TILES)('tile %j by %j: float32 forward and gradient, int32, bool', async (shape, reps) => {
      const fn = (x: tf.Tensor) => tf.tile(x, reps);
      await check(fn, [f32(shape, 5)]);
      if (shape.length > 0 && shape.length < 5) await check(gradsOf(fn), [f32(shape, 5)]);  // tfjs's cpu has no rank-5 tile gradient
      const n = shape.reduce((a, b) => a * b, 1);
      const ints = Int32Array.from({ length: n }, (_, i) => i * 3 - 7);
      await check(fn, [{ shape, values: ints, dtype: 'int32' }]);
      const got = tf.tidy(() => Array.from(tf.tile(tf.tensor(ints.map((v) => v & 1), shape, 'bool'), reps).dataSync()));
      const want = tf.tidy(() => Array.from(tf.tile(tf.tensor(ints.map((v) => v & 1), shape, 'int32'), reps).dataSync()));
      expect(got).toEqual(want);
    });
  });
}
