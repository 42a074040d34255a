/**
 * The one-pass elementwise feature maps of linear attention (TesseraFeatureMap
 * and its gradient, on cpu and wasm) against tfjs's own ops: elu(x) + 1 and
 * relu(x), values and gradients, including 0, tiny and huge magnitudes and
 * -Infinity; the engine's typed-array kernels (TypeScript and, where built,
 * native) agree with each other; linearAttention uses the kernel there.
 */
import * as tf from '@tensorflow/tfjs-core';
import { getEngine, linearAttention, TYPESCRIPT_ENGINE } from '@tessera/attention';
import { Rng } from '@tessera/tensor';
import { TesseraFeatureMap } from '../../packages/attention/src/kernel_names';
import { mapFeatures } from '../../packages/attention/src/linear/feature_maps';
import { resolveLinearOptions } from '../../packages/attention/src/linear/linear_options';
import { describeEachBackend } from '../helpers/backends';
import { expectClose } from '../helpers/close';

const MAPS = ['elu+1', 'relu'] as const;
const SPECIAL = [0, -0, 1e-30, -1e-30, 3, -3, 80, -80, -100, 1e30, -Infinity];

function input(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const x = Float32Array.from({ length: n }, () => 3 * rng.normal());
  x.set(SPECIAL.slice(0, n), 0);
  return x;
}

function reference(map: (typeof MAPS)[number], x: tf.Tensor): tf.Tensor {
  return map === 'elu+1' ? tf.add(tf.elu(x), 1) : tf.relu(x);
}

describeEachBackend(
  'linear attention feature maps (one-pass kernel)',
  () => {
    it.each(MAPS)('%s: mapFeatures and linearAttention run the one-pass kernel', async (map) => {
      expect(tf.getKernel(TesseraFeatureMap, tf.getBackend())).toBeDefined();
      const x = tf.randomNormal([2, 3, 5, 4], 0, 1, 'float32', 3);
      const r = resolveLinearOptions({ featureMap: map }, 'test');
      const prof = await tf.profile(() => tf.tidy(() => linearAttention(x, x, x, { featureMap: map })));
      const names = prof.kernels.map((k) => k.name);
      expect(names.filter((n) => n === TesseraFeatureMap)).toHaveLength(2); // queries and keys
      expect(names).not.toContain('Elu');
      const got = tf.tidy(() => mapFeatures(x, { role: 'query', causal: false }, r, 'test'));
      expectClose(got, reference(map, x), { atol: 1e-6, rtol: 1e-6 }, map);
      tf.dispose([x, got]);
    });

    it.each(MAPS)('%s: values and gradients match tfjs ops (special values included)', (map) => {
      const x = tf.tensor1d(input(1000, 7));
      const dy = tf.tensor1d(input(1000, 8).map((v) => (Number.isFinite(v) ? Math.max(-2, Math.min(2, v)) : 1)));
      const r = resolveLinearOptions({ featureMap: map }, 'test');
      const f = (t: tf.Tensor) => mapFeatures(t, { role: 'key', causal: false }, r, 'test');
      const got = tf.tidy(() => f(x));
      const want = tf.tidy(() => reference(map, x));
      expectClose(got, want, { atol: 1e-6, rtol: 2e-6 }, 'value');
      const [gGot] = tf.grads((t: tf.Tensor) => f(t))([x], dy);
      const [gWant] = tf.grads((t: tf.Tensor) => reference(map, t))([x], dy);
      expectClose(gGot, gWant, { atol: 1e-6, rtol: 2e-6 }, 'gradient');
      tf.dispose([x, dy, got, want, gGot, gWant]);
    });
  },
  { only: ['cpu', 'wasm'] },
);

describe('feature map typed-array kernels', () => {
  it.each(MAPS)('%s: the active engine matches the TypeScript engine, odd lengths', (map) => {
    for (const n of [1, 15, 17, 100003]) {
      const x = input(n, n);
      const dy = input(n, n + 1).map((v) => (Number.isFinite(v) ? v : 1));
      const a = { out: new Float32Array(n).fill(7), dx: new Float32Array(n).fill(7) };
      const b = { out: new Float32Array(n).fill(9), dx: new Float32Array(n).fill(9) };
      getEngine().featureMap({ map, x, out: a.out });
      TYPESCRIPT_ENGINE.featureMap({ map, x, out: b.out });
      getEngine().featureMapGrad({ map, x, dy, dx: a.dx });
      TYPESCRIPT_ENGINE.featureMapGrad({ map, x, dy, dx: b.dx });
      expectClose(a.out, b.out, { atol: 1e-6, rtol: 2e-6 }, 'out');
      expectClose(a.dx, b.dx, { atol: 1e-6, rtol: 2e-6 }, 'dx');
    }
  });
});
