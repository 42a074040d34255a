/**
 * The flash attention suite under the native engine (@tessera/native), on
 * every real backend: flashAttention against attentionReference (output, lse,
 * dq, dk, dv) for every option alone and combined, GQA/MQA, Tq != Tk,
 * Dv != D, tile-crossing lengths, fully masked rows, NaN rows and large
 * logits; then the two engines against each other (TESSERA_ENGINE=ts forces
 * TypeScript), every SIMD variant, thread-count determinism, and bad sizes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { attentionReference, flashAttention, getEngine, info, resetEngine, setEngine, TYPESCRIPT_ENGINE } from '@tessera/attention';
import * as native from '@tessera/native';
import { Rng } from '@tessera/tensor';
import { nativeEngine } from '../../packages/attention/src/native_engine';
import type { FlashBackwardArgs, FlashForwardArgs } from '../../packages/attention/src/impl/flash_types';
import { attentionF64 } from '../helpers/attention_f64';
import { describeEachBackend } from '../helpers/backends';
import { expectClose } from '../helpers/close';
import { compareWithReference, makeCase, Shape } from './flash_cases';
import { compareMaskDtypes, describeReferenceTable, expectNaNOnlyInMiddleRow, flashShapes, nanMiddleRow } from './flash_table';

const T = 64; // the native engine's query/key tile: lengths around it cross tile boundaries

const SHAPES = flashShapes(T, ['not a multiple of the tile, D = 16 (full SIMD vectors)', { B: 1, H: 2, Hkv: 1, Tq: T + 7, Tk: 4 * T + 3, D: 16, Dv: 17 }]);

const engine = nativeEngine();

it('the native engine loads and is the default engine', () => {
  if (!native.available()) throw new Error(`@tessera/native did not load: ${native.loadError()} (build it: npm run build -w @tessera/native)`);
  expect(engine).not.toBeNull();
  expect(getEngine().name).toMatch(/^native \((avx512|avx2|generic), \d+ threads?\)$/);
});

describeEachBackend('flashAttention on the native engine', (backend) => {
  beforeAll(() => setEngine(engine!));

  it('is the active engine', () => {
    expect(info()).toMatchObject({ engine: engine!.name, backend });
  });

  describeReferenceTable(SHAPES);

  it('differentiates through the lse output exactly', () => {
    const fc = makeCase({ B: 1, H: 4, Hkv: 2, Tq: 70, Tk: 90, D: 4, Dv: 3 }, ['causal', 'alibi', 'softcap'], 5);
    compareWithReference(fc, undefined, { lseWeight: true });
    fc.dispose();
  });

  it('int32/float32 key masks, float32 segment ids, alibi as an array; fully masked rows give 0 and lse -Infinity', () => {
    compareMaskDtypes();
    const fc = makeCase({ B: 1, H: 2, Hkv: 2, Tq: 6, Tk: 4, D: 3, Dv: 2 }, ['causal'], 4); // rows 0, 1 see no key
    const got = flashAttention(fc.q, fc.k, fc.v, { ...fc.o, returnLse: true });
    expect(Array.from(got.lse.dataSync().slice(0, 2))).toEqual([-Infinity, -Infinity]);
    expect(Array.from(got.output.dataSync().slice(0, 4))).toEqual([0, 0, 0, 0]);
    compareWithReference(fc);
    tf.dispose([got.output, got.lse]);
    fc.dispose();
  });

  it('does not overflow with scores around 1e4 (float64 oracle)', () => {
    const fc = makeCase({ B: 1, H: 2, Hkv: 2, Tq: 5, Tk: T + 6, D: 4, Dv: 3 }, ['causal'], 5, 70);
    const got = flashAttention(fc.q, fc.k, fc.v, { ...fc.o, returnLse: true });
    const want = attentionF64(fc.c);
    expectClose(got.output, want.out, { atol: 1e-4, rtol: 1e-4 }, 'output vs float64');
    expectClose(got.lse, want.lse, { atol: 1e-4, rtol: 1e-4 }, 'lse vs float64');
    tf.dispose([got.output, got.lse]);
    fc.dispose();
  });

  it('propagates a NaN query only to its own row', () => {
    const fc = makeCase({ B: 1, H: 1, Hkv: 1, Tq: 3, Tk: 4, D: 2, Dv: 2 }, [], 8);
    const qn = nanMiddleRow(fc);
    const o = flashAttention(qn, fc.k, fc.v);
    expectNaNOnlyInMiddleRow(o);
    tf.dispose([qn, o]);
    fc.dispose();
  });

  it('matches the TypeScript engine through the tfjs kernels (TESSERA_ENGINE=ts path)', () => {
    const fc = makeCase({ B: 1, H: 4, Hkv: 2, Tq: 2 * T + 5, Tk: 3 * T + 1, D: 24, Dv: 16 }, ['causal', 'window', 'keyMask', 'alibi', 'softcap', 'segments'], 21, 1, { window: [90, 5] });
    const run = () =>
      tf.tidy(() => {
        const r = flashAttention(fc.q, fc.k, fc.v, { ...fc.o, returnLse: true });
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(flashAttention(a, b, c, fc.o) as tf.Tensor, tf.sin(r.output))))([fc.q, fc.k, fc.v]);
        return [r.output, r.lse, ...g].map((t) => t.dataSync().slice());
      });
    const nat = run();
    setEngine(TYPESCRIPT_ENGINE);
    const ts = run();
    setEngine(engine!);
    ['output', 'lse', 'dq', 'dk', 'dv'].forEach((name, i) => expectClose(nat[i], ts[i], { atol: 1e-5, rtol: 1e-5 }, name));
  });

  afterAll(() => resetEngine());
});

describe('TESSERA_ENGINE', () => {
  const saved = process.env.TESSERA_ENGINE;
  afterEach(() => {
    if (saved === undefined) delete process.env.TESSERA_ENGINE;
    else process.env.TESSERA_ENGINE = saved;
  });
  const load = (): typeof import('@tessera/attention') => {
    let mod: typeof import('@tessera/attention') | undefined;
    jest.isolateModules(() => {
      mod = require('@tessera/attention');
    });
    return mod!;
  };
  it("'ts' keeps the TypeScript engine, unset picks native, 'native' insists, others are rejected", () => {
    process.env.TESSERA_ENGINE = 'ts';
    expect(load().info().engine).toBe('typescript');
    delete process.env.TESSERA_ENGINE;
    expect(load().info().engine).toMatch(/^native/);
    process.env.TESSERA_ENGINE = 'native';
    expect(load().info().engine).toMatch(/^native/);
    process.env.TESSERA_ENGINE = 'fast';
    expect(load).toThrow(/TESSERA_ENGINE must be one of 'auto', 'ts', 'typescript', 'native', received "fast"/);
  });
});

/** Random typed-array arguments with every option on. */
function randomArgs(
  s: Shape,
  seed: number,
  opts: { causal?: boolean; window?: [number, number] | null; segments?: boolean } = {},
): { fwd: FlashForwardArgs; bwd: () => FlashBackwardArgs } {
  const rng = new Rng(seed);
  const f = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
  const { B, H, Hkv, Tq, Tk, D, Dv } = s;
  const fwd: FlashForwardArgs = {
    dims: s,
    scale: 0.3,
    causal: opts.causal ?? true,
    window: opts.window === undefined ? [150, 20] : opts.window,
    softcap: 2.5,
    alibiSlopes: Float32Array.from({ length: H }, (_, h) => 0.05 * (h + 1)),
    keyMask: Uint8Array.from({ length: B * Tk }, (_, i) => (i % 7 === 3 ? 0 : 1)),
    segmentIdsQ: opts.segments === false ? null : Int32Array.from({ length: B * Tq }, (_, i) => Math.floor((i % Tq) / 50)),
    segmentIdsK: opts.segments === false ? null : Int32Array.from({ length: B * Tk }, (_, i) => Math.floor((i % Tk) / 55)),
    q: f(B * H * Tq * D),
    k: f(B * Hkv * Tk * D),
    v: f(B * Hkv * Tk * Dv),
    out: new Float32Array(B * H * Tq * Dv),
    lse: new Float32Array(B * H * Tq),
  };
  const bwd = (): FlashBackwardArgs => ({
    ...fwd,
    out: fwd.out.slice(),
    lse: fwd.lse.slice(),
    dOut: f(B * H * Tq * Dv),
    dLse: f(B * H * Tq),
    dq: new Float32Array(B * H * Tq * D),
    dk: new Float32Array(B * Hkv * Tk * D),
    dv: new Float32Array(B * Hkv * Tk * Dv),
  });
  return { fwd, bwd };
}

describe('native kernels on typed arrays', () => {
  const shape: Shape = { B: 2, H: 4, Hkv: 2, Tq: 3 * T + 9, Tk: 5 * T + 2, D: 40, Dv: 33 };

  it.each(native.ISAS.map((isa) => [isa]))('the %s variant matches the TypeScript engine (forward, lse, dq, dk, dv with dLse)', (isa) => {
    if (!native.setIsa(isa)) return expect(isa).not.toBe('generic'); // this CPU lacks it; generic always exists
    try {
      for (const causal of [true, false]) {
        const { fwd, bwd } = randomArgs(shape, 7, { causal, window: causal ? [150, 20] : null });
        const ts = { ...fwd, out: fwd.out.slice(), lse: fwd.lse.slice() };
        native.flashForward(fwd);
        TYPESCRIPT_ENGINE.flashForward(ts);
        expectClose(fwd.out, ts.out, { atol: 1e-5, rtol: 1e-5 }, `${isa} out`);
        expectClose(fwd.lse, ts.lse, { atol: 1e-5, rtol: 1e-5 }, `${isa} lse`);
        const a = bwd();
        const b = { ...a, dq: a.dq.slice(), dk: a.dk.slice(), dv: a.dv.slice() };
        native.flashBackward(a);
        TYPESCRIPT_ENGINE.flashBackward(b);
        for (const k of ['dq', 'dk', 'dv'] as const) expectClose(a[k], b[k], { atol: 2e-5, rtol: 1e-4 }, `${isa} ${k}`);
      }
    } finally {
      native.setIsa(native.ISAS.find((i) => native.setIsa(i))!);
    }
  });

  /** Runs `run` on 1, 2 and 3 threads (the pool's size restored after) and expects bit-identical arrays from each. */
  function expectSameOnThreads(run: (threads: number) => Float32Array[]): void {
    const threads = native.info().threads;
    const runs: Float32Array[][] = [];
    try {
      for (const n of [1, 2, 3]) {
        native.setNumThreads(n);
        runs.push(run(n));
      }
    } finally {
      native.setNumThreads(threads);
    }
    for (const r of runs.slice(1)) r.forEach((x, i) => expect(Buffer.from(x.buffer).equals(Buffer.from(runs[0][i].buffer))).toBe(true));
  }

  it('gives bit-identical results on 1, 2 and 3 threads', () => {
    expectSameOnThreads(() => {
      const { fwd, bwd } = randomArgs(shape, 9);
      native.flashForward(fwd);
      const b = bwd();
      native.flashBackward(b);
      return [fwd.out, fwd.lse, b.dq, b.dk, b.dv];
    });
  });

  // Tk >= 512: the backward runs each (b, kv head) as two key halves that merge their partial dQ (flash_impl.h backwardSplits).
  it.each([
    // Without segment ids (which would leave one half no visible keys), both halves contribute to every dQ row.
    ['GQA, causal window', { B: 1, H: 4, Hkv: 2, Tq: 300, Tk: 700, D: 24, Dv: 16 }, { causal: true, window: [520, 30] as [number, number], segments: false }],
    ['MQA, no causal mask', { B: 2, H: 3, Hkv: 1, Tq: 129, Tk: 777, D: 16, Dv: 20 }, { causal: false, window: null, segments: false }],
  ])('backward over two key halves (%s) matches the TypeScript engine and is bit-identical on 1, 2 and 3 threads', (_l, sh, opts) => {
    expectSameOnThreads((n) => {
      const { fwd, bwd } = randomArgs(sh as Shape, 11, opts);
      native.flashForward(fwd);
      const b = bwd();
      native.flashBackward(b);
      if (n === 1) {
        const t = { ...b, dq: new Float32Array(b.dq.length), dk: new Float32Array(b.dk.length), dv: new Float32Array(b.dv.length) };
        TYPESCRIPT_ENGINE.flashBackward(t);
        for (const k of ['dq', 'dk', 'dv'] as const) expectClose(b[k], t[k], { atol: 2e-5, rtol: 1e-4 }, k);
      }
      return [b.dq, b.dk, b.dv];
    });
  });

  // The cpu kernels allocate outputs without zeroing them (backends/cpu/uninitialized.ts): both engines must write every element,
  // including rows that see no key (segment ids / key mask) and, natively, the two-key-halves backward (Tk >= 512).
  it.each([
    ['native', native as unknown as typeof TYPESCRIPT_ENGINE, { B: 1, H: 2, Hkv: 1, Tq: 70, Tk: 80, D: 8, Dv: 8 }],
    ['native, split backward', native as unknown as typeof TYPESCRIPT_ENGINE, { B: 1, H: 2, Hkv: 1, Tq: 70, Tk: 600, D: 8, Dv: 8 }],
    ['typescript', TYPESCRIPT_ENGINE, { B: 1, H: 2, Hkv: 1, Tq: 70, Tk: 80, D: 8, Dv: 8 }],
  ])('%s engine overwrites its outputs completely (does not rely on zeros)', (_l, engine, sh) => {
    const { fwd, bwd } = randomArgs(sh as Shape, 3);
    const clean = { ...fwd, out: new Float32Array(fwd.out.length), lse: new Float32Array(fwd.lse.length) };
    fwd.out.fill(7);
    fwd.lse.fill(7);
    engine.flashForward(fwd);
    engine.flashForward(clean);
    expect(fwd.out).toEqual(clean.out);
    expect(fwd.lse).toEqual(clean.lse);
    const a = bwd();
    const b = { ...a, dq: a.dq.slice().fill(5), dk: a.dk.slice().fill(5), dv: a.dv.slice().fill(5) };
    engine.flashBackward(a);
    engine.flashBackward(b);
    expect([b.dq, b.dk, b.dv]).toEqual([a.dq, a.dk, a.dv]);
  });
});
