/**
 * The native BatchMatMul, _FusedMatMul, Softmax and UnsortedSegmentSum against
 * tfjs's own cpu kernels (native ops off), forward and gradient, on `cpu` and
 * `wasm`, over shapes with size-1 dims, broadcast batches, widths that are not
 * multiples of the SIMD width and a large K; the sgemm under every ISA variant.
 */
import * as tf from '@tensorflow/tfjs';
import { util } from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import * as native from '@tessera/native';

import { describeEachBackend as eachBackend } from '../helpers/backends';
import { expectClose } from '../helpers/close';
import { gradsOf, Inputs, oracle, runOn, seeded } from './oracle';

/** The native ops override cpu and wasm kernels only (webgpu keeps tfjs's and Tessera's GPU programs), so no suite exists for other backends. */
const describeEachBackend = (name: string, fn: (b: string) => void) => eachBackend(name, fn, { only: ['cpu', 'wasm'] });

const f32 = (shape: number[], seed: number, scale = 1) => ({ shape, values: seeded(shape, seed, scale), dtype: 'float32' as const });
const TOL = { atol: 2e-4, rtol: 2e-4 };

async function check(fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[], inputs: Inputs, tol = TOL): Promise<void> {
  const want = await oracle(fn, inputs);
  const got = runOn(fn, inputs);
  got.forEach((g, i) => expectClose(g, want[i], tol));
}

// [aShape, bShape, transposeA, transposeB]
const MATMULS: [number[], number[], boolean, boolean][] = [
  [[1, 1], [1, 1], false, false],
  [[3, 5], [5, 7], false, false],
  [[5, 3], [5, 7], true, false],
  [[3, 5], [7, 5], false, true],
  [[5, 3], [7, 5], true, true],
  [[17, 33], [33, 31], false, false],  // not multiples of 8/16 lanes or the 14-row block
  [[2, 3, 40, 19], [2, 3, 19, 45], false, false],
  [[2, 3, 19, 40], [3, 45, 19], true, true],  // batch broadcast [2,3] x [3]
  [[4, 1, 9, 6], [1, 5, 6, 2], false, false],  // [4,1] x [1,5] -> [4,5]
  [[1, 7, 3], [6, 3, 4], false, false],
  [[8, 2000], [2000, 9], false, false],  // large K
];

describeEachBackend('native BatchMatMul vs tfjs cpu', () => {
  it('is on for this backend', () => {
    expect(native.nativeOps().kernels.some((k) => k.kernelName === 'BatchMatMul' && k.backendName === tf.getBackend())).toBe(true);
  });
  it.each(MATMULS)('forward and gradient %j x %j (tA=%s, tB=%s)', async (as, bs, ta, tb) => {
    const ins = [f32(as, 1), f32(bs, 2)];
    const mm = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b, ta, tb);
    if (util.arraysEqual(as.slice(0, -2), bs.slice(0, -2))) {
      await check(mm, ins);
      await check(gradsOf(mm), ins);
      return;
    }
    // Broadcast batches: tfjs's cpu kernel indexes batches modulo their count (right only when one side
    // has a single batch or they are trailing-equal) and its gradient rejects some, so the oracle
    // broadcasts explicitly first (then both sides have the output's batch dims).
    const outer = [...(as.length >= bs.length ? as : bs).slice(0, -2)].map((_, i, arr) => {
      const r = arr.length, da = as[as.length - 2 - (r - i)] ?? 1, db = bs[bs.length - 2 - (r - i)] ?? 1;
      return Math.max(da, db);
    });
    const want = await oracle((a, b) => tf.matMul(tf.broadcastTo(a, [...outer, ...as.slice(-2)]), tf.broadcastTo(b, [...outer, ...bs.slice(-2)]), ta, tb), ins);
    const got = runOn(mm, ins);
    expectClose(got[0], want[0], TOL);
  });
  it('int32 goes through tfjs kernels (wasm has none: its usual error)', async () => {
    const a = tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32');
    if (tf.getBackend() === 'wasm') {
      expect(() => tf.matMul(a, a)).toThrow(/non-float32/);
      a.dispose();
      return;
    }
    const y = tf.matMul(a, a);
    expect(y.dtype).toBe('int32');
    expect(Array.from(y.dataSync())).toEqual([7, 10, 15, 22]);
    tf.dispose([a, y]);
  });
});

describeEachBackend('native _FusedMatMul vs tfjs cpu', () => {
  const acts = ['linear', 'relu', 'relu6', 'elu', 'leakyrelu', 'sigmoid', 'prelu'] as const;
  it.each(acts)('%s with bias [N], forward and gradient', async (activation) => {
    const ins = [f32([2, 13, 21], 3), f32([2, 21, 35], 4), f32([35], 5), f32([35], 6, 0.3)];
    const fm = (a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor, alpha: tf.Tensor) =>
      tf.fused.matMul({ a: a as tf.Tensor3D, b: b as tf.Tensor3D, bias, activation, preluActivationWeights: activation === 'prelu' ? alpha : undefined, leakyreluAlpha: 0.1 });
    await check(fm, ins);
    const linear = (a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor) => tf.fused.matMul({ a: a as tf.Tensor3D, b: b as tf.Tensor3D, bias });
    if (activation === 'linear') await check(gradsOf(linear), ins.slice(0, 3));
  });
  it.each([[[1]], [[13, 35]], [[2, 13, 35]], [[2, 1, 35]]])('bias of shape %j, transposes', async (biasShape) => {
    if (tf.getBackend() === 'wasm' && biasShape.length >= 2) return;  // tfjs's wasm kernel (the fallback) takes rank-1 bias only: see the bad-input suite
    const ins = [f32([2, 21, 13], 7), f32([2, 35, 21], 8), f32(biasShape, 9)];
    const fm = (a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor) => tf.fused.matMul({ a: a as tf.Tensor3D, b: b as tf.Tensor3D, bias, transposeA: true, transposeB: true, activation: 'relu' });
    await check(fm, ins);
  });
});

describeEachBackend('native Softmax and UnsortedSegmentSum vs tfjs cpu', () => {
  it.each([[[1, 1]], [[3, 17]], [[2, 4, 96]], [[5, 1000]]])('softmax %j forward and gradient', async (shape) => {
    const ins = [f32(shape, 10, 5)];
    await check((x) => tf.softmax(x), ins);
    await check(gradsOf((x) => tf.softmax(x)), ins);
  });
  it('gather trains (UnsortedSegmentSum), float32 and int32', async () => {
    const ids = { shape: [3, 5], values: Int32Array.from([0, 4, 2, 2, 9, 1, 0, 0, 3, 3, 5, 6, 7, 8, 9]), dtype: 'int32' as const };
    const table = f32([10, 19], 11);
    await check((t, i) => gradsOf((u) => tf.gather(u, i))(t), [table, ids]);
    await check((x, i) => tf.unsortedSegmentSum(x, i as tf.Tensor1D, 4), [f32([6, 3, 2], 12), { shape: [6], values: Int32Array.from([0, 3, 3, -1, 7, 1]), dtype: 'int32' }]);
    const xi = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32');
    const s = tf.unsortedSegmentSum(xi, tf.tensor1d([1, 1, 0], 'int32'), 2);
    expect(Array.from(s.dataSync())).toEqual([5, 6, 4, 6]);
    tf.dispose([xi, s]);
  });
});

describeEachBackend('Tile gradient (one reduction) vs tfjs', () => {
  it.each([[[3, 5], [2, 3]], [[1, 1, 7], [4, 6, 1]], [[2, 3, 4], [1, 2, 3]]])('tile %j by %j', async (shape, reps) => {
    await check(gradsOf((x) => tf.tile(x, reps)), [f32(shape, 30)]);
  });
});

describe('native sgemm under every ISA variant', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterAll(() => {
    native.setIsa(native.info().isa as 'avx512');
  });
  const isa0 = native.available() ? native.info().isa : 'generic';
  it.each(native.ISAS.map((i) => [i]))('%s', async (isa) => {
    if (!native.setIsa(isa)) return;  // this CPU lacks it
    try {
      for (const [as, bs, ta, tb] of MATMULS.slice(2, 8)) await check((a, b) => tf.matMul(a, b, ta, tb), [f32(as, 20), f32(bs, 21)]);
    } finally {
      native.setIsa(isa0 as 'avx512');
    }
  });
});
