/**
 * Property suite: 200 seeded random tiny problems (shapes, GQA/MQA, Tq vs Tk,
 * every feature map, causal or not, chunk sizes, eps), forward against the
 * dense oracle, and for every fourth case the gradients too.
 */
import * as tf from '@tensorflow/tfjs-core';
import { linearAttention } from '@tessera/attention';
import { Rng } from '@tessera/tensor';
import { describeEachBackend } from '../helpers/backends';
import { expectClose } from '../helpers/close';
import { denseLinear, gradsOf, LinShape, makeQKV, mapOptions, MapSpec } from './linear_dense';

interface Case {
  shape: LinShape;
  spec: MapSpec;
  causal: boolean;
  chunkSize: number;
  eps: number;
  seed: number;
}

function drawCase(seed: number): Case {
  const r = new Rng(1000 + seed);
  const Hkv = 1 + r.int(2);
  const G = 1 + r.int(3);
  const shape: LinShape = { B: 1 + r.int(2), H: Hkv * G, Hkv, Tq: 1 + r.int(12), Tk: 1 + r.int(12), D: 1 + r.int(5), Dv: 1 + r.int(5) };
  const kinds: MapSpec[] = [{ kind: 'elu+1' }, { kind: 'relu' }, { kind: 'favor+', m: 1 + r.int(16), seed: r.int(100) }, { kind: 'fn' }];
  return { shape, spec: kinds[r.int(4)], causal: r.uniform() < 0.5, chunkSize: 1 + r.int(6), eps: [1e-6, 1e-3, 0.5][r.int(3)], seed };
}

const CASES: Case[] = Array.from({ length: 200 }, (_, i) => drawCase(i));

describeEachBackend('linearAttention properties', () => {
  it.each(CASES.map((c) => [`#${c.seed} ${c.spec.kind} causal=${c.causal} chunk=${c.chunkSize} eps=${c.eps} ${JSON.stringify(c.shape)}`, c] as const))('%s', (_label, c) => {
    const { q, k, v, dispose } = makeQKV(c.shape, c.seed);
    const opts = { ...mapOptions(c.spec), causal: c.causal, chunkSize: c.chunkSize, eps: c.eps };
    const got = linearAttention(q, k, v, opts);
    const want = denseLinear(q, k, v, c.spec, c.causal, c.eps);
    expectClose(got, want, { atol: 1e-4, rtol: 1e-4 }, 'output');
    expect(Array.from(got.dataSync()).every(Number.isFinite)).toBe(true);
    if (c.seed % 4 === 0) {
      const gGot = gradsOf((a, b, d) => linearAttention(a, b, d, opts), q, k, v, got.shape);
      const gWant = gradsOf((a, b, d) => denseLinear(a, b, d, c.spec, c.causal, c.eps), q, k, v, got.shape);
      ['dq', 'dk', 'dv'].forEach((name, i) => expectClose(gGot[i], gWant[i], { atol: 1e-4, rtol: 1e-4 }, name));
    }
    tf.dispose([got, want]);
    dispose();
  });
});
