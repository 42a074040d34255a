/**
 * linearAttention forward and gradients against the dense oracle
 * (linear_dense.ts) for every feature map, causal and not, MHA/GQA/MQA,
 * Tq != Tk, Dv != D, lengths that are not multiples of the chunk; plus
 * finite-difference gradients of the whole op and no leaks.
 */
import * as tf from '@tensorflow/tfjs-core';
import { linearAttention } from '@tessera/attention';
import { describeEachBackend } from '../helpers/backends';
import { expectClose } from '../helpers/close';
import { checkGradients } from '../helpers/gradcheck';
import { expectNoLeaks } from '../helpers/leaks';
import { denseLinear, gradsOf, LinShape, makeQKV, mapOptions, MapSpec } from './linear_dense';

const MAPS: Array<[string, MapSpec]> = [
  ['elu+1', { kind: 'elu+1' }],
  ['relu', { kind: 'relu' }],
  ['favor+', { kind: 'favor+', m: 24, seed: 3 }],
  ['user map (F = 2D)', { kind: 'fn' }],
];

const SHAPES: Array<[string, LinShape, number]> = [
  ['MHA square, T=9, chunk 4', { B: 2, H: 2, Hkv: 2, Tq: 9, Tk: 9, D: 4, Dv: 4 }, 4],
  ['GQA, Tq < Tk, Dv != D, chunk 3', { B: 1, H: 4, Hkv: 2, Tq: 5, Tk: 11, D: 3, Dv: 5 }, 3],
  ['MQA, Tq > Tk (rows that see nothing), chunk 2', { B: 2, H: 3, Hkv: 1, Tq: 7, Tk: 4, D: 2, Dv: 3 }, 2],
  ['decode Tq = 1', { B: 1, H: 2, Hkv: 1, Tq: 1, Tk: 9, D: 4, Dv: 4 }, 4],
  ['T=150 with the default chunk (64)', { B: 1, H: 2, Hkv: 1, Tq: 150, Tk: 150, D: 4, Dv: 3 }, 0],
];

describeEachBackend('linearAttention', () => {
  describe.each(MAPS)('%s', (_m, spec) => {
    describe.each(SHAPES)('%s', (_s, shape, chunk) => {
      it.each([false, true])('causal=%s: forward and gradients equal the dense form', (causal) => {
        const { q, k, v, dispose } = makeQKV(shape, 11 + chunk);
        const opts = { ...mapOptions(spec), causal, ...(chunk ? { chunkSize: chunk } : {}) };
        const got = linearAttention(q, k, v, opts);
        const want = denseLinear(q, k, v, spec, causal);
        expect(got.shape).toEqual([shape.B, shape.H, shape.Tq, shape.Dv]);
        expectClose(got, want, { atol: 1e-4, rtol: 1e-4 }, 'output');
        const gGot = gradsOf((a, b, c) => linearAttention(a, b, c, opts), q, k, v, got.shape);
        const gWant = gradsOf((a, b, c) => denseLinear(a, b, c, spec, causal), q, k, v, got.shape);
        ['dq', 'dk', 'dv'].forEach((name, i) => expectClose(gGot[i], gWant[i], { atol: 1e-4, rtol: 1e-4 }, name));
        tf.dispose([got, want]);
        dispose();
      });
    });
  });

  it.each([false, true])('FAVOR+: the stabiliser cancels (unstabilised paper formula, eps -> 0), causal=%s', (causal) => {
    const { q, k, v, dispose } = makeQKV({ B: 1, H: 2, Hkv: 1, Tq: 6, Tk: 8, D: 4, Dv: 3 }, 12, 1.5);
    const spec: MapSpec = { kind: 'favor+', m: 32, seed: 5 };
    const got = linearAttention(q, k, v, { ...mapOptions(spec), causal, eps: 1e-12 });
    const want = denseLinear(q, k, v, spec, causal, 1e-12, false);
    expectClose(got, want, { atol: 1e-4, rtol: 1e-4 });
    tf.dispose([got, want]);
    dispose();
  });

  it('outputs exact zeros for causal rows that see no key', () => {
    const { q, k, v, dispose } = makeQKV({ B: 1, H: 1, Hkv: 1, Tq: 5, Tk: 2, D: 3, Dv: 2 }, 5);
    const out = linearAttention(q, k, v, { causal: true, chunkSize: 1 });
    expect(Array.from(out.dataSync().slice(0, 6))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(out.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose(out);
    dispose();
  });

  it('gives the same result for every chunk size', () => {
    const { q, k, v, dispose } = makeQKV({ B: 1, H: 2, Hkv: 2, Tq: 37, Tk: 37, D: 3, Dv: 3 }, 6);
    const base = linearAttention(q, k, v, { causal: true, chunkSize: 1 });
    for (const chunkSize of [2, 5, 36, 37, 64, 1000]) {
      const o = linearAttention(q, k, v, { causal: true, chunkSize });
      expectClose(o, base, { atol: 1e-5, rtol: 1e-5 }, `chunkSize ${chunkSize}`);
      o.dispose();
    }
    base.dispose();
    dispose();
  });

  it.each([
    ['elu+1 causal GQA', { causal: true, chunkSize: 3 }, { B: 1, H: 4, Hkv: 2, Tq: 5, Tk: 7, D: 3, Dv: 2 }],
    ['favor+ non-causal', { featureMap: 'favor+' as const, numFeatures: 8, seed: 1 }, { B: 1, H: 2, Hkv: 1, Tq: 4, Tk: 5, D: 3, Dv: 2 }],
    ['favor+ causal, Tq > Tk', { featureMap: 'favor+' as const, numFeatures: 8, seed: 2, causal: true, chunkSize: 2 }, { B: 1, H: 2, Hkv: 2, Tq: 6, Tk: 4, D: 2, Dv: 2 }],
  ])('matches finite differences end to end (%s)', (_l, opts, shape) => {
    const { q, k, v, dispose } = makeQKV(shape, 21);
    checkGradients((a, b, c) => linearAttention(a, b, c, opts), [q, k, v], { samples: 12 });
    dispose();
  });

  it('works through tf.variableGrads', () => {
    const { q, k, v, dispose } = makeQKV({ B: 1, H: 2, Hkv: 1, Tq: 6, Tk: 6, D: 3, Dv: 3 }, 8);
    const qv = tf.variable(q);
    const { value, grads } = tf.variableGrads(() => tf.sum(linearAttention(qv, k, v, { causal: true, chunkSize: 4 })) as tf.Scalar, [qv]);
    expect(grads[qv.name].shape).toEqual(q.shape);
    expect(Array.from(grads[qv.name].dataSync()).some((x) => x !== 0)).toBe(true);
    tf.dispose([value, grads[qv.name], qv]);
    dispose();
  });

  it('leaks nothing, forward or backward', async () => {
    const { q, k, v, dispose } = makeQKV({ B: 1, H: 2, Hkv: 1, Tq: 5, Tk: 6, D: 3, Dv: 2 }, 4);
    for (const opts of [{ causal: true, chunkSize: 2 }, { featureMap: 'favor+' as const, numFeatures: 8 }, { featureMap: 'relu' as const }]) {
      await expectNoLeaks(() => linearAttention(q, k, v, opts));
      await expectNoLeaks(() => tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(linearAttention(a, b, c, opts)))([q, k, v]));
    }
    dispose();
  });
});
