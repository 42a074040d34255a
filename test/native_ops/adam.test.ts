/**
 * NativeAdamOptimizer (one native kernel per variable and step) against
 * tfjs's own AdamOptimizer on tfjs's cpu kernels (native ops off): same
 * variables, moments and iteration count after several minimize() steps on
 * variables of awkward sizes (1, 17, 3x33); a tiny model trained with
 * compile/fit; serialization round trip; tfjs's path when ops are off.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { NativeAdamOptimizer, nativeOps, setNativeOps } from '@tessera/native';
import { initBackend } from '@tessera/tensor';
import { expectClose } from '../helpers/close';
import { seeded } from './oracle';

const SHAPES = [[1], [17], [3, 33]];

/** Runs 4 steps of opt on fresh variables; returns variables then optimizer weights. */
function train(make: () => tf.Optimizer): Float32Array[] {
  const vars = SHAPES.map((s, i) => tf.variable(tf.tensor(seeded(s, i + 1), s)));
  const targets = SHAPES.map((s, i) => tf.tensor(seeded(s, i + 11, 2), s));
  const opt = make();
  for (let step = 0; step < 4; step++) {
    tf.dispose(opt.minimize(() => tf.addN(vars.map((v, i) => tf.sum(tf.mul(tf.square(tf.sub(v, targets[i])), step + 1)))) as tf.Scalar) ?? undefined);
  }
  const out = vars.map((v) => Float32Array.from(v.dataSync()));
  const weights = (opt as unknown as { accumulatedFirstMoment: { variable: tf.Variable }[]; accumulatedSecondMoment: { variable: tf.Variable }[] });
  out.push(...weights.accumulatedFirstMoment.map((w) => Float32Array.from(w.variable.dataSync())), ...weights.accumulatedSecondMoment.map((w) => Float32Array.from(w.variable.dataSync())));
  out.push(Float32Array.of(opt.iterations));
  opt.dispose();
  tf.dispose([...vars, ...targets]);
  return out;
}

for (const backend of ['cpu', 'wasm']) {
  describe(`NativeAdamOptimizer vs tfjs Adam [${backend}]`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });
    it('the kernel is registered for this backend', () => {
      expect(nativeOps().kernels.some((k) => k.kernelName === 'TesseraAdam' && k.backendName === backend)).toBe(true);
    });
    it('same variables, moments and iterations after 4 steps (lr 0.05, beta 0.8/0.95, eps 1e-6)', async () => {
      const got = train(() => new NativeAdamOptimizer(0.05, 0.8, 0.95, 1e-6));
      setNativeOps(false);
      await tf.setBackend('cpu');
      let want: Float32Array[];
      try {
        want = train(() => tf.train.adam(0.05, 0.8, 0.95, 1e-6));
      } finally {
        setNativeOps(true);
        await tf.setBackend(backend);
      }
      expect(got.length).toBe(want.length);
      got.forEach((g, i) => expectClose(g, want[i], { atol: 1e-5, rtol: 1e-5 }, `output ${i}`));
    });
    it('trains a model with compile/fit and leaks nothing; config round trip', async () => {
      const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [5] })] });
      const opt = new NativeAdamOptimizer(0.01);
      model.compile({ optimizer: opt, loss: 'meanSquaredError' });
      const x = tf.tensor(seeded([8, 5], 3), [8, 5]), y = tf.tensor(seeded([8, 3], 4), [8, 3]);
      await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
      const before = tf.memory().numTensors;
      const h = await model.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0 });
      expect(tf.memory().numTensors).toBe(before);
      const losses = h.history.loss as number[];
      expect(losses[2]).toBeLessThan(losses[0]);
      const cfg = opt.getConfig();
      const back = tf.serialization.SerializationMap.getMap().classNameMap['TesseraAdam'];
      expect(back).toBeDefined();
      const copy = NativeAdamOptimizer.fromConfig(NativeAdamOptimizer, cfg);
      expect(copy).toBeInstanceOf(NativeAdamOptimizer);
      expect(copy.getConfig()).toEqual(cfg);
      tf.dispose([x, y]);
      model.dispose();
    });
    it('uses tfjs\'s update when the native ops are off (same result)', () => {
      setNativeOps(false);
      try {
        const a = train(() => new NativeAdamOptimizer(0.05));
        const b = train(() => tf.train.adam(0.05));
        a.forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(b[i])));
      } finally {
        setNativeOps(true);
      }
    });
  });
}
