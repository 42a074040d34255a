/**
 * Native linear attention against the TypeScript engine on typed arrays
 * (out, den, dq, dk, dv), causal and not, GQA/MQA, Tq != Tk both ways
 * (queries aligned before key 0 see nothing), lengths across the 64-key
 * native chunk and the 256-row state blocks; thread determinism; buffer checks. The op-level suites
 * (test/attention/linear*.test.ts) also run on the native engine, the default
 * where the addon is built.
 */
import { getEngine, TYPESCRIPT_ENGINE } from '@tessera/attention';
import * as native from '@tessera/native';
import { Rng } from '@tessera/tensor';
import { binding } from '../../packages/native/src/binding';
import { expectClose } from '../helpers/close';

function args(dims: native.LinearDims, causal: boolean, seed: number): native.LinearBackwardArgs {
  const rng = new Rng(seed);
  const pos = (n: number) => Float32Array.from({ length: n }, () => Math.abs(rng.normal()) + 0.05); // feature-mapped: positive
  const f = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
  const { B, H, Hkv, Tq, Tk, F, Dv } = dims;
  return {
    dims, causal, eps: 1e-6, chunkSize: 16,
    q: pos(B * H * Tq * F), k: pos(B * Hkv * Tk * F), v: f(B * Hkv * Tk * Dv),
    out: new Float32Array(B * H * Tq * Dv).fill(3), den: new Float32Array(B * H * Tq).fill(3),
    dOut: f(B * H * Tq * Dv),
    dq: new Float32Array(B * H * Tq * F).fill(7), dk: new Float32Array(B * Hkv * Tk * F).fill(7), dv: new Float32Array(B * Hkv * Tk * Dv).fill(7),
  };
}

type Eng = { linearForward(a: never): void; linearBackward(a: never): void };
function run(eng: Eng, a: native.LinearBackwardArgs): Float32Array[] {
  const x = { ...a, out: a.out.slice(), den: a.den.slice(), dq: a.dq.slice(), dk: a.dk.slice(), dv: a.dv.slice() };
  eng.linearForward(x as never);
  eng.linearBackward(x as never);
  return [x.out, x.den, x.dq, x.dk, x.dv];
}

const SHAPES: Array<[string, native.LinearDims]> = [
  ['square, 2 chunks + 7', { B: 2, H: 2, Hkv: 2, Tq: 135, Tk: 135, F: 16, Dv: 16 }],
  ['GQA, Tq < Tk (decode-like), odd sizes', { B: 1, H: 4, Hkv: 2, Tq: 37, Tk: 150, F: 5, Dv: 7 }],
  ['MQA, Tq > Tk (first queries see nothing)', { B: 1, H: 3, Hkv: 1, Tq: 90, Tk: 70, F: 12, Dv: 9 }],
  ['one query', { B: 1, H: 1, Hkv: 1, Tq: 1, Tk: 65, F: 8, Dv: 8 }],
  // Several 256-row blocks of the non-causal state sums and query rows; F, Dv not whole vectors.
  ['GQA, Tq < Tk, longer than the 256-row blocks', { B: 1, H: 2, Hkv: 1, Tq: 300, Tk: 530, F: 20, Dv: 24 }],
  // Non-causal: 3 key segments of 1024 rows and 2 query blocks of 1024 spread over the pool.
  ['GQA, several key segments and query blocks', { B: 2, H: 2, Hkv: 1, Tq: 1100, Tk: 2600, F: 8, Dv: 8 }],
  // B * Hkv = 8: one task per (b, kv head) in the non-causal forward too.
  ['GQA, many (b, kv head) groups', { B: 2, H: 8, Hkv: 4, Tq: 300, Tk: 530, F: 8, Dv: 8 }],
];

describe('native linear attention', () => {
  it('is the engine the linear kernels use', () => {
    expect(getEngine().linearForward).not.toBe(TYPESCRIPT_ENGINE.linearForward);
  });

  describe.each(SHAPES)('%s', (_n, dims) => {
    it.each([[false], [true]])('causal=%s matches the TypeScript engine (out, den, dq, dk, dv)', (causal) => {
      const a = args(dims, causal, 11);
      const nat = run(native, a);
      const ts = run(TYPESCRIPT_ENGINE, a);
      ['out', 'den', 'dq', 'dk', 'dv'].forEach((name, i) => expectClose(nat[i], ts[i], { atol: 1e-5, rtol: 1e-4 }, name));
    });
  });

  it('is bit-identical on 1 and 2 threads', () => {
    const threads = native.info().threads;
    try {
      for (const [dims, causal] of [[SHAPES[1][1], true], [SHAPES[5][1], false], [SHAPES[5][1], true]] as const) {
        native.setNumThreads(1);
        const one = run(native, args(dims, causal, 3));
        native.setNumThreads(2);
        const two = run(native, args(dims, causal, 3));
        one.forEach((x, i) => expect(Buffer.from(x.buffer).equals(Buffer.from(two[i].buffer))).toBe(true));
      }
    } finally {
      native.setNumThreads(threads);
    }
  });

  it('rejects wrong buffers in the wrapper and in C++', () => {
    const a = args({ B: 1, H: 2, Hkv: 1, Tq: 4, Tk: 5, F: 3, Dv: 2 }, true, 1);
    expect(() => native.linearForward({ ...a, k: new Float32Array(14) })).toThrow(/linearForward: args\.k must have \[B, Hkv, Tk, F\] = 15 elements, received Float32Array\(14\)/);
    expect(() => native.linearForward({ ...a, eps: 0 })).toThrow(/args\.eps must be a finite number > 0, received 0/);
    expect(() => native.linearBackward({ ...a, dk: new Float32Array(3) })).toThrow(/linearBackward: args\.dk must have \[B, Hkv, Tk, F\] = 15 elements/);
    const raw = { B: 1, H: 2, Hkv: 1, Tq: 4, Tk: 5, F: 3, Dv: 2, causal: true, eps: 1e-6, q: a.q, k: a.k, v: a.v, out: a.out, den: a.den };
    expect(() => binding!.linearForward(raw)).not.toThrow();
    expect(() => binding!.linearForward({ ...raw, den: new Float32Array(7) })).toThrow(/den must have 8 elements, received 7/);
    expect(() => binding!.linearBackward({ ...raw, dout: a.dOut, dq: a.dq, dk: a.dk })).toThrow(/dv must be a Float32Array/);
  });

  it('feature maps: writes elu+1 and its gradient over every chunk, rejects wrong buffers in the wrapper and in C++', () => {
    const n = 3 * 65536 + 5; // several of the pool's 64K-element chunks and a partial vector
    const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 4);
    const dy = Float32Array.from({ length: n }, (_, i) => Math.cos(i));
    const out = new Float32Array(n).fill(NaN), dx = new Float32Array(n).fill(NaN);
    native.featureMap({ map: 'elu+1', x, out });
    native.featureMapGrad({ map: 'elu+1', x, dy, dx });
    const wantOut = x.map((v) => (v > 0 ? v + 1 : Math.exp(v)));
    const wantDx = x.map((v, i) => (v > 0 ? dy[i] : dy[i] * Math.exp(v)));
    expectClose(out, wantOut, { atol: 1e-6, rtol: 2e-6 }, 'out');
    expectClose(dx, wantDx, { atol: 1e-6, rtol: 2e-6 }, 'dx');
    expect(() => native.featureMap({ map: 'gelu' as never, x, out })).toThrow(/featureMap: args\.map must be 'elu\+1' or 'relu', received "gelu"/);
    expect(() => native.featureMap({ map: 'relu', x, out: new Float32Array(3) })).toThrow(/featureMap: args\.out must have x\.length = 196613 elements, received Float32Array\(3\)/);
    expect(() => native.featureMapGrad({ map: 'relu', x: new Float64Array(3) as never, dy, dx })).toThrow(/featureMapGrad: args\.x must be a Float32Array, received Float64Array\(3\)/);
    expect(() => binding!.featureMap({ kind: 2, x, out })).toThrow(/kind must be an integer in \[0, 1\]/);
    expect(() => binding!.featureMap({ kind: 0, x, out, dy: new Float32Array(4) })).toThrow(/dy must have 196613 elements, received 4/);
    expect(() => binding!.featureMap({ kind: 0, x, out: new Float64Array(n) })).toThrow(/out must be a Float32Array/);
  });
});
