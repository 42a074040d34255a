/**
 * @tessera/native's own surface: loading, info, thread control, the GEMM
 * ceiling, and bad input. Wrong buffers are rejected by the TypeScript
 * wrapper with messages naming the argument; the C++ layer checks again and
 * throws a JavaScript Error (never crashes) when called past the wrapper.
 */
import * as native from '@tessera/native';
import { binding } from '../../packages/native/src/binding';

function args(over: Record<string, unknown> = {}): native.FlashForwardArgs {
  const dims = { B: 1, H: 2, Hkv: 1, Tq: 5, Tk: 6, D: 4, Dv: 3 };
  return {
    ...native.plainParams(dims, 0.5),
    q: new Float32Array(1 * 2 * 5 * 4).fill(0.1),
    k: new Float32Array(1 * 1 * 6 * 4).fill(0.2),
    v: new Float32Array(1 * 1 * 6 * 3).fill(0.3),
    out: new Float32Array(1 * 2 * 5 * 3),
    lse: new Float32Array(1 * 2 * 5),
    ...over,
  } as native.FlashForwardArgs;
}

describe('@tessera/native', () => {
  it('loads and reports its instruction set and threads', () => {
    expect(native.loadError()).toBeNull();
    expect(native.available()).toBe(true);
    const i = native.info();
    expect(native.ISAS).toContain(i.isa);
    expect([4, 8, 16]).toContain(i.vectorWidth);
    expect(i.threads).toBeGreaterThanOrEqual(1);
  });

  it('measures a positive GEMM ceiling and validates its arguments', () => {
    expect(native.gemmCeiling(128, 2)).toBeGreaterThan(0);
    expect(() => native.gemmCeiling(8)).toThrow(/gemmCeiling: n must be an integer in \[16, 8192\], received 8/);
    expect(() => native.gemmCeiling(64, 0)).toThrow(/reps must be an integer in \[1, 1000\], received 0/);
  });

  it('rejects bad thread counts and unknown instruction sets', () => {
    expect(() => native.setNumThreads(0)).toThrow(/setNumThreads: n must be an integer in \[1, 1024\], received 0/);
    expect(() => native.setNumThreads(1.5)).toThrow(/received 1.5/);
    expect(() => native.setIsa('sse' as 'avx2')).toThrow(/isa must be one of avx512, avx2, generic, received sse/);
  });

  it('computes a uniform-attention example exactly (all keys equal: output = v row)', () => {
    const a = args();
    native.flashForward(a);
    for (const x of a.out) expect(x).toBeCloseTo(0.3, 6);
    for (const l of a.lse) expect(l).toBeCloseTo(Math.log(6) + 0.5 * 4 * 0.1 * 0.2, 5);
  });

  it.each([
    ['q too short', { q: new Float32Array(39) }, /flashForward: args\.q must have \[B, H, Tq, D\] = 40 elements, received Float32Array\(39\)/],
    ['k of the wrong type', { k: new Float64Array(24) }, /args\.k must be a Float32Array \[B, Hkv, Tk, D\], received Float64Array\(24\)/],
    ['v missing', { v: undefined }, /args\.v must be a Float32Array \[B, Hkv, Tk, Dv\], received undefined/],
    ['out too long', { out: new Float32Array(31) }, /args\.out must have \[B, H, Tq, Dv\] = 30 elements, received Float32Array\(31\)/],
    ['lse wrong size', { lse: new Float32Array(5) }, /args\.lse must have \[B, H, Tq\] = 10 elements/],
    ['alibi slopes wrong size', { alibiSlopes: new Float32Array(3) }, /args\.alibiSlopes must have \[H\] = 2 elements/],
    ['key mask wrong size', { keyMask: new Uint8Array(5) }, /args\.keyMask must have \[B, Tk\] = 6 elements/],
    ['one segment array', { segmentIdsQ: new Int32Array(5) }, /segmentIdsQ and args\.segmentIdsK must be given together/],
    ['H not a multiple of Hkv', { dims: { B: 1, H: 3, Hkv: 2, Tq: 5, Tk: 6, D: 4, Dv: 3 } }, /args\.dims\.H must be a multiple of args\.dims\.Hkv, received H=3, Hkv=2/],
    ['a zero dimension', { dims: { B: 1, H: 2, Hkv: 1, Tq: 0, Tk: 6, D: 4, Dv: 3 } }, /args\.dims\.Tq must be a positive integer, received 0/],
    ['a bad window', { window: [1, -2] }, /args\.window must be \[left, right\] integers >= -1 or null, received Array\(2\)/],
    ['a negative softcap', { softcap: -1 }, /args\.softcap must be a number >= 0 or null, received -1/],
    ['a NaN scale', { scale: NaN }, /args\.scale must be a finite number, received NaN/],
  ])('the wrapper rejects %s before C++', (_n, over, msg) => {
    const a = args(over);
    const before = a.out.slice();
    expect(() => native.flashForward(a)).toThrow(msg);
    expect(a.out).toEqual(before);
  });

  it('backward checks its gradient buffers too', () => {
    const a = args();
    native.flashForward(a);
    const b: native.FlashBackwardArgs = { ...a, dOut: new Float32Array(30), dLse: null, dq: new Float32Array(40), dk: new Float32Array(24), dv: new Float32Array(17) };
    expect(() => native.flashBackward(b)).toThrow(/flashBackward: args\.dv must have \[B, Hkv, Tk, Dv\] = 18 elements, received Float32Array\(17\)/);
    expect(() => native.flashBackward({ ...b, dv: new Float32Array(18), dLse: new Float32Array(3) })).toThrow(/args\.dLse must have \[B, H, Tq\] = 10 elements/);
  });

  it('the C++ layer rechecks every size and throws a JavaScript Error (no crash)', () => {
    const raw = binding!;
    const ok = { B: 1, H: 2, Hkv: 1, Tq: 5, Tk: 6, D: 4, Dv: 3, scale: 0.5, causal: false, windowLeft: -1, windowRight: -1, softcap: 0, q: new Float32Array(40), k: new Float32Array(24), v: new Float32Array(18), out: new Float32Array(30), lse: new Float32Array(10) };
    expect(() => raw.flashForward(ok)).not.toThrow();
    expect(() => raw.flashForward({ ...ok, q: new Float32Array(39) })).toThrow(/@tessera\/native: q must have 40 elements, received 39/);
    expect(() => raw.flashForward({ ...ok, k: new Int32Array(24) })).toThrow(/k must be a Float32Array/);
    expect(() => raw.flashForward({ ...ok, Hkv: 3 })).toThrow(/H must be a multiple of Hkv/);
    expect(() => raw.flashForward({ ...ok, D: 2.5 })).toThrow(/D must be an integer/);
    expect(() => raw.flashForward({ ...ok, B: 2 ** 40 })).toThrow(/B must be an integer in/);
    expect(() => raw.flashForward({ ...ok, keyMask: new Uint8Array(5) })).toThrow(/keyMask must have 6 elements, received 5/);
    expect(() => raw.flashForward({ ...ok, segQ: new Int32Array(5) })).toThrow(/segQ and segK must be given together/);
    expect(() => raw.flashForward({ ...ok, softcap: -1 })).toThrow(/softcap must be >= 0/);
    expect(() => raw.flashBackward({ ...ok, dout: new Float32Array(30), dq: new Float32Array(40), dk: new Float32Array(24), dv: new Float32Array(10) })).toThrow(/dv must have 18 elements, received 10/);
    expect(() => raw.flashForward(5 as unknown as object)).toThrow(/expects one argument object/);
  });
});
