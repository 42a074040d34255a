/**
 * attentionReference against an independent float64 implementation
 * (test/helpers/attention_f64.ts) for every option, alone and combined, plus
 * finite-difference gradients, bad input and leaks.
 */
import * as tf from '@tensorflow/tfjs-core';
import { alibiSlopes, attentionReference, AttentionOptions, FlashDims } from '@tessera/attention';
import { Rng } from '@tessera/tensor';
import { attentionF64, F64Case } from '../helpers/attention_f64';
import { describeEachBackend } from '../helpers/backends';
import { expectClose } from '../helpers/close';
import { checkGradients } from '../helpers/gradcheck';
import { expectNoLeaks, expectThrowsLeakingOnlyArgs, expectThrowsNoLeak } from '../helpers/leaks';

/** The seven sizes of a case (docs/notation.md). */
type Shape = FlashDims;

type Opt = 'causal' | 'keyMask' | 'bias' | 'alibi' | 'window' | 'softcap' | 'segments' | 'scale';

/** Builds tensors and the matching float64 case for a shape and a set of options. */
function makeCase(s: Shape, opts: Opt[], seed: number, mag = 1) {
  const rng = new Rng(seed);
  const arr = (n: number) => Float64Array.from({ length: n }, () => rng.normal() * mag);
  const q = arr(s.B * s.H * s.Tq * s.D);
  const k = arr(s.B * s.Hkv * s.Tk * s.D);
  const v = arr(s.B * s.Hkv * s.Tk * s.Dv);
  const c: F64Case = { ...s, q, k, v };
  const o: AttentionOptions & { returnLse?: false } = {};
  const owned: tf.Tensor[] = [];
  const t = (data: ArrayLike<number>, shape: number[], dtype: 'float32' | 'int32' | 'bool' = 'float32') => {
    const x = tf.tensor(dtype === 'float32' ? Float32Array.from(data) : Int32Array.from(data), shape, dtype);
    owned.push(x);
    return x;
  };
  for (const opt of opts) {
    if (opt === 'causal') c.causal = o.causal = true;
    if (opt === 'scale') c.scale = o.scale = 0.37;
    if (opt === 'softcap') c.softcap = o.softcap = 1.5;
    if (opt === 'window') {
      c.window = [2, 1];
      o.window = [2, 1];
    }
    if (opt === 'alibi') {
      const sl = alibiSlopes(s.H);
      c.alibiSlopes = sl;
      o.alibiSlopes = opts.includes('bias') ? sl : t(sl, [s.H]);
    }
    if (opt === 'keyMask') {
      const km = Array.from({ length: s.B * s.Tk }, (_, i) => (i % s.Tk === 0 || rng.uniform() < 0.7 ? 1 : 0));
      c.keyMask = km;
      o.keyMask = t(km, [s.B, s.Tk], 'bool');
    }
    if (opt === 'segments') {
      const sq = Array.from({ length: s.B * s.Tq }, (_, i) => Math.floor(((i % s.Tq) * 3) / s.Tq));
      const sk = Array.from({ length: s.B * s.Tk }, (_, i) => Math.floor(((i % s.Tk) * 3) / s.Tk));
      c.segQ = sq;
      c.segK = sk;
      o.segmentIds = { q: t(sq, [s.B, s.Tq], 'int32'), k: t(sk, [s.B, s.Tk], 'int32') };
    }
    if (opt === 'bias') {
      // A per-head bias [1, H, Tq, Tk] broadcast over B.
      const bh = arr(s.H * s.Tq * s.Tk);
      const full = new Float64Array(s.B * s.H * s.Tq * s.Tk);
      for (let b = 0; b < s.B; b++) full.set(bh, b * bh.length);
      c.bias = full;
      o.bias = t(bh, [1, s.H, s.Tq, s.Tk]);
    }
  }
  const qt = t(q, [s.B, s.H, s.Tq, s.D]);
  const kt = t(k, [s.B, s.Hkv, s.Tk, s.D]);
  const vt = t(v, [s.B, s.Hkv, s.Tk, s.Dv]);
  return { c, o, q: qt, k: kt, v: vt, dispose: () => tf.dispose(owned) };
}

const SHAPES: Array<[string, Shape]> = [
  ['MHA square', { B: 2, H: 2, Hkv: 2, Tq: 5, Tk: 5, D: 4, Dv: 4 }],
  ['GQA, Tq < Tk, Dv != D', { B: 1, H: 4, Hkv: 2, Tq: 3, Tk: 7, D: 3, Dv: 5 }],
  ['MQA, Tq > Tk', { B: 2, H: 3, Hkv: 1, Tq: 6, Tk: 4, D: 2, Dv: 3 }],
  ['decode Tq = 1', { B: 1, H: 2, Hkv: 1, Tq: 1, Tk: 9, D: 4, Dv: 4 }],
];
const OPTION_SETS: Opt[][] = [
  [],
  ['scale'],
  ['causal'],
  ['keyMask'],
  ['bias'],
  ['alibi'],
  ['window'],
  ['softcap'],
  ['segments'],
  ['causal', 'keyMask', 'alibi', 'softcap'],
  ['window', 'segments', 'bias', 'scale'],
  ['causal', 'window', 'keyMask', 'bias', 'alibi', 'softcap', 'segments', 'scale'],
];

describeEachBackend('attentionReference', () => {
  describe.each(SHAPES)('%s', (_name, shape) => {
    it.each(OPTION_SETS.map((o) => [o.join('+') || 'plain', o] as const))('matches float64 with %s', (_label, opts) => {
      const { c, o, q, k, v, dispose } = makeCase(shape, opts as Opt[], 17);
      const want = attentionF64(c);
      const got = attentionReference(q, k, v, { ...o, returnLse: true });
      expect(got.output.shape).toEqual([shape.B, shape.H, shape.Tq, shape.Dv]);
      expect(got.lse.shape).toEqual([shape.B, shape.H, shape.Tq]);
      expectClose(got.output, want.out, { atol: 2e-5, rtol: 2e-5 }, 'output');
      expectClose(got.lse, want.lse, { atol: 2e-5, rtol: 2e-5 }, 'lse');
      const plain = attentionReference(q, k, v, o);
      expectClose(plain, want.out, { atol: 2e-5, rtol: 2e-5 }, 'output without lse');
      tf.dispose([got.output, got.lse, plain]);
      dispose();
    });
  });

  it('gives zeros (not NaN) for rows that see no key, lse -Infinity', () => {
    const s: Shape = { B: 1, H: 1, Hkv: 1, Tq: 4, Tk: 2, D: 2, Dv: 2 };
    const { c, o, q, k, v, dispose } = makeCase(s, ['causal'], 3);
    const got = attentionReference(q, k, v, { ...o, returnLse: true });
    const out = got.output.dataSync();
    // Queries 0 and 1 sit before key 0 under bottom-right alignment.
    expect(Array.from(out.slice(0, 4))).toEqual([0, 0, 0, 0]);
    expect(Array.from(got.lse.dataSync().slice(0, 2))).toEqual([-Infinity, -Infinity]);
    expectClose(got.output, attentionF64(c).out, { atol: 2e-5, rtol: 2e-5 });
    tf.dispose([got.output, got.lse]);
    dispose();
  });

  it('does not overflow with scores around 1e4', () => {
    const s: Shape = { B: 1, H: 2, Hkv: 2, Tq: 3, Tk: 4, D: 4, Dv: 2 };
    const { c, q, k, v, dispose } = makeCase(s, [], 5, 70); // |q.k|/sqrt(D) ~ 1e4
    const got = attentionReference(q, k, v, { returnLse: true });
    const want = attentionF64(c);
    expect(Array.from(got.output.dataSync()).every(Number.isFinite)).toBe(true);
    expectClose(got.output, want.out, { atol: 1e-3, rtol: 1e-4 });
    expectClose(got.lse, want.lse, { atol: 1, rtol: 1e-5 });
    tf.dispose([got.output, got.lse]);
    dispose();
  });

  it('propagates NaN only to the rows a NaN query touches', () => {
    const s: Shape = { B: 1, H: 1, Hkv: 1, Tq: 3, Tk: 3, D: 2, Dv: 2 };
    const { q, k, v, dispose } = makeCase(s, [], 8);
    const qn = tf.tidy(() => tf.concat([tf.slice(q, [0, 0, 0, 0], [1, 1, 1, 2]), tf.fill([1, 1, 1, 2], NaN), tf.slice(q, [0, 0, 2, 0], [1, 1, 1, 2])], 2));
    const out = attentionReference(qn, k, v).dataSync();
    expect(Array.from(out.slice(0, 2)).every(Number.isFinite)).toBe(true);
    expect(Array.from(out.slice(2, 4)).every(Number.isNaN)).toBe(true);
    expect(Array.from(out.slice(4, 6)).every(Number.isFinite)).toBe(true);
    tf.dispose(qn);
    dispose();
  });

  it.each([
    ['plain', [] as Opt[]],
    ['causal + softcap + alibi + keyMask', ['causal', 'softcap', 'alibi', 'keyMask'] as Opt[]],
    ['window + segments + bias', ['window', 'segments', 'bias'] as Opt[]],
  ])('has correct gradients for q, k, v (%s)', (_l, opts) => {
    const s: Shape = { B: 1, H: 4, Hkv: 2, Tq: 4, Tk: 5, D: 3, Dv: 2 };
    const { o, q, k, v, dispose } = makeCase(s, opts, 21);
    checkGradients((a, b, c) => attentionReference(a, b, c, o), [q, k, v], { samples: 12 });
    dispose();
  });

  it('has correct gradients for the bias and through the lse output', () => {
    const s: Shape = { B: 1, H: 2, Hkv: 1, Tq: 3, Tk: 4, D: 2, Dv: 2 };
    const { o, q, k, v, dispose } = makeCase(s, ['bias', 'causal'], 22);
    checkGradients((bias) => attentionReference(q, k, v, { ...o, bias }), [o.bias as tf.Tensor], { samples: 12 });
    checkGradients((a, b) => attentionReference(a, b, v, { ...o, returnLse: true }).lse, [q, k], { samples: 12 });
    dispose();
  });

  it('leaks nothing', async () => {
    const s: Shape = { B: 1, H: 2, Hkv: 1, Tq: 3, Tk: 4, D: 2, Dv: 2 };
    const { o, q, k, v, dispose } = makeCase(s, ['causal', 'keyMask', 'alibi', 'segments', 'bias', 'softcap'], 4);
    await expectNoLeaks(() => attentionReference(q, k, v, { ...o, returnLse: true }));
    await expectNoLeaks(() => tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(attentionReference(a, b, c, o)))([q, k, v]));
    dispose();
  });

  describe('bad input names the argument and quotes the value, without leaking', () => {
    const s: Shape = { B: 2, H: 4, Hkv: 2, Tq: 3, Tk: 5, D: 4, Dv: 3 };
    let tc: ReturnType<typeof makeCase>;
    beforeAll(() => {
      tc = makeCase(s, [], 9);
    });
    afterAll(() => tc.dispose());
    const cases: Array<[string, (arg: <T extends tf.Tensor>(t: T) => T) => unknown, string]> = [
      ['rank', (arg) => attentionReference(arg(tf.zeros([2, 3])) as tf.Tensor, tc.k, tc.v), 'attentionReference: q must have rank 4 [B, H, Tq, D], received shape [2,3] (rank 2)'],
      ['D mismatch', () => attentionReference(tc.q, tc.v, tc.v), 'q and k must share head size D, received q [2,4,3,4] and k [2,2,5,3]'],
      ['batch mismatch', (arg) => attentionReference(tc.q, arg(tf.zeros([1, 2, 5, 4])), tc.v), 'q, k and v must share batch size B'],
      ['Tk mismatch', (arg) => attentionReference(tc.q, tc.k, arg(tf.zeros([2, 2, 4, 3]))), 'k and v must share Hkv and Tk, received k [2,2,5,4] and v [2,2,4,3]'],
      ['H % Hkv', (arg) => attentionReference(arg(tf.zeros([2, 3, 3, 4])), tc.k, tc.v), 'query heads H must be a multiple of key/value heads Hkv (GQA/MQA), received H=3'],
      ['dtype', (arg) => attentionReference(arg(tf.zeros([2, 4, 3, 4], 'int32')), tc.k, tc.v), 'q must have dtype float32, received int32'],
      ['NaN scale', () => attentionReference(tc.q, tc.k, tc.v, { scale: NaN }), 'options.scale must be a finite number, received NaN'],
      ['window', () => attentionReference(tc.q, tc.k, tc.v, { window: [-2, 3] }), 'options.window must be [left, right] with integers >= -1 (-1 = unbounded), received [-2,3]'],
      ['softcap', () => attentionReference(tc.q, tc.k, tc.v, { softcap: 0 }), 'options.softcap must be a finite number > 0, received 0'],
      ['alibi length', () => attentionReference(tc.q, tc.k, tc.v, { alibiSlopes: [1, 2] }), 'options.alibiSlopes must have length H=4 (one slope per query head), received length 2: [1,2]'],
      ['keyMask shape', (arg) => attentionReference(tc.q, tc.k, tc.v, { keyMask: arg(tf.ones([2, 4], 'bool')) }), 'options.keyMask must have shape [2,5], received [2,4]'],
      ['segment shape', (arg) => attentionReference(tc.q, tc.k, tc.v, { segmentIds: { q: arg(tf.zeros([2, 3], 'int32')), k: arg(tf.zeros([2, 3], 'int32')) } }), 'options.segmentIds.k must have shape [2,5], received [2,3]'],
      ['bias shape', (arg) => attentionReference(tc.q, tc.k, tc.v, { bias: arg(tf.zeros([4, 5])) }), 'options.bias must broadcast to [2,4,3,5], received shape [4,5]'],
      ['causal type', () => attentionReference(tc.q, tc.k, tc.v, { causal: 'yes' as unknown as boolean }), 'options.causal must be a boolean, received "yes"'],
      ['unknown option', () => attentionReference(tc.q, tc.k, tc.v, { casual: true } as unknown as AttentionOptions), 'options has an unknown option "casual"'],
    ];
    it.each(cases)('%s', (_n, fn, msg) => expectThrowsLeakingOnlyArgs(fn, msg));
    it('expectThrowsNoLeak agrees for a pre-built bad tensor', () => {
      const bad = tf.zeros([2, 3, 3, 4]);
      expectThrowsNoLeak(() => attentionReference(bad, tc.k, tc.v), 'received H=3');
      bad.dispose();
    });
  });
});
