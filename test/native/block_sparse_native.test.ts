/**
 * Native block-sparse attention against the TypeScript engine on typed
 * arrays (forward, lse, dq, dk, dv with dLse): shared and per-batch/head
 * layouts, partial blocks (bitmaps), block sizes below, at and above the
 * native tile (1, 4, 8, 64, 128), GQA, Tq != Tk, rows that see nothing; thread
 * determinism; layout validation in the wrapper and in C++. The op-level
 * suites (test/attention/sparse_*.test.ts) run on the native engine too,
 * since it is the default engine where the addon is built.
 */
import { and, BlockMask, bigBird, causal, fromPredicate, FlashDims, getEngine, slidingWindow, TYPESCRIPT_ENGINE } from '@tessera/attention';
import * as native from '@tessera/native';
import { Rng } from '@tessera/tensor';
import { binding } from '../../packages/native/src/binding';
import { expectClose } from '../helpers/close';

type Dims = FlashDims;

function args(dims: Dims, layout: BlockMask, seed: number): native.BlockSparseForwardArgs {
  const rng = new Rng(seed);
  const f = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
  const { B, H, Hkv, Tq, Tk, D, Dv } = dims;
  return {
    dims,
    scale: 0.4,
    causal: false,
    window: null,
    softcap: 3,
    alibiSlopes: Float32Array.from({ length: H }, (_, h) => 0.02 * (h + 1)),
    keyMask: null,
    segmentIdsQ: null,
    segmentIdsK: null,
    q: f(B * H * Tq * D),
    k: f(B * Hkv * Tk * D),
    v: f(B * Hkv * Tk * Dv),
    out: new Float32Array(B * H * Tq * Dv),
    lse: new Float32Array(B * H * Tq),
    layout: layout as unknown as native.BlockSparseLayout,
  };
}

function run(eng: { blockSparseForward(a: never): void; blockSparseBackward(a: never): void }, a: native.BlockSparseForwardArgs, seed: number): Float32Array[] {
  const fwd = { ...a, out: a.out.slice(), lse: a.lse.slice() };
  eng.blockSparseForward(fwd as never);
  const rng = new Rng(seed);
  const { B, H, Hkv, Tq, Tk, D, Dv } = a.dims;
  const bwd: native.BlockSparseBackwardArgs = {
    ...fwd,
    dOut: Float32Array.from({ length: B * H * Tq * Dv }, () => rng.normal()),
    dLse: Float32Array.from({ length: B * H * Tq }, () => rng.normal()),
    dq: new Float32Array(B * H * Tq * D).fill(9),
    dk: new Float32Array(B * Hkv * Tk * D).fill(9),
    dv: new Float32Array(B * Hkv * Tk * Dv).fill(9),
  };
  eng.blockSparseBackward(bwd as never);
  return [fwd.out, fwd.lse, bwd.dq, bwd.dk, bwd.dv];
}

const CASES: Array<[string, () => BlockMask, Dims]> = [
  ['sliding window, blocks of 64, GQA', () => slidingWindow({ left: 100, right: 20 }, { Tq: 300, blockSize: 64 }), { B: 1, H: 4, Hkv: 2, Tq: 300, Tk: 300, D: 32, Dv: 24 }],
  ['causal, blocks of 128 (two native sub-tiles), Tq < Tk', () => causal({ Tq: 200, Tk: 350, blockSize: 128 }), { B: 2, H: 2, Hkv: 1, Tq: 200, Tk: 350, D: 16, Dv: 16 }],
  ['bigBird, blocks of 8', () => bigBird({ windowBlocks: 3, globalBlocks: 1, randomBlocks: 2, seed: 5 }, { Tq: 61, Tk: 80, blockSize: 8 }), { B: 1, H: 2, Hkv: 2, Tq: 61, Tk: 80, D: 5, Dv: 7 }],
  ['per batch and head predicate with empty rows, blocks of 4', () => fromPredicate((b, h, i, j) => i % 5 !== 2 && (i + j + b + h) % 3 !== 0 && j <= i + 3, { B: 2, H: 2, Tq: 30, blockSize: 4 }), { B: 2, H: 2, Hkv: 1, Tq: 30, Tk: 30, D: 8, Dv: 8 }],
  // Chunks of a partial block and its full neighbour (128 + 128 + 64 keys per 64-row tile), of 32-key blocks (full runs of
  // several blocks beside a partial one), and of a 256-key partial block split into 128-key pieces.
  ['window 128/128 (the benchmark layout), blocks of 64', () => slidingWindow({ left: 128, right: 128 }, { Tq: 640, blockSize: 64 }), { B: 1, H: 2, Hkv: 2, Tq: 640, Tk: 640, D: 16, Dv: 8 }],
  ['window 70/50, blocks of 32', () => slidingWindow({ left: 70, right: 50 }, { Tq: 333, blockSize: 32 }), { B: 1, H: 1, Hkv: 1, Tq: 333, Tk: 333, D: 8, Dv: 8 }],
  ['window 200/200, blocks of 256', () => slidingWindow({ left: 200, right: 200 }, { Tq: 900, blockSize: 256 }), { B: 1, H: 1, Hkv: 1, Tq: 900, Tk: 900, D: 8, Dv: 4 }],
  ['and(causal, window), blocks of 1', () => and(causal({ Tq: 19, blockSize: 1 }), slidingWindow({ left: 3, right: 0 }, { Tq: 19, blockSize: 1 })), { B: 1, H: 1, Hkv: 1, Tq: 19, Tk: 19, D: 4, Dv: 4 }],
];

describe('native block-sparse attention', () => {
  it('is the engine the block-sparse kernels use', () => {
    expect(getEngine().name).toMatch(/^native/);
    expect(getEngine().blockSparseForward).not.toBe(TYPESCRIPT_ENGINE.blockSparseForward);
  });

  it.each(CASES)('%s: matches the TypeScript engine (out, lse, dq, dk, dv)', (_l, make, dims) => {
    const mask = make();
    try {
      const a = args(dims, mask, 3);
      const nat = run(native, a, 4);
      const ts = run(TYPESCRIPT_ENGINE, a, 4);
      ['out', 'lse', 'dq', 'dk', 'dv'].forEach((name, i) => expectClose(nat[i], ts[i], { atol: 2e-5, rtol: 1e-4 }, name));
    } finally {
      mask.dispose();
    }
  });

  // Partial-block bitmaps are read a SIMD vector at a time with per-ISA code (simd.h vloadU8).
  it.each(native.ISAS.map((isa) => [isa]))('the %s variant matches the TypeScript engine on partial blocks', (isa) => {
    if (!native.setIsa(isa)) return expect(isa).not.toBe('generic'); // this CPU lacks it; generic always exists
    const [, make, dims] = CASES[0];
    const mask = make();
    try {
      const a = args(dims, mask, 7);
      const nat = run(native, a, 8);
      const ts = run(TYPESCRIPT_ENGINE, a, 8);
      ['out', 'lse', 'dq', 'dk', 'dv'].forEach((name, i) => expectClose(nat[i], ts[i], { atol: 2e-5, rtol: 1e-4 }, `${isa} ${name}`));
    } finally {
      native.setIsa(native.ISAS.find((i) => native.setIsa(i))!);
      mask.dispose();
    }
  });

  it('is bit-identical on 1 and 2 threads', () => {
    const [, make, dims] = CASES[0];
    const mask = make();
    const threads = native.info().threads;
    try {
      native.setNumThreads(1);
      const one = run(native, args(dims, mask, 5), 6);
      native.setNumThreads(2);
      const two = run(native, args(dims, mask, 5), 6);
      one.forEach((x, i) => expect(Buffer.from(x.buffer).equals(Buffer.from(two[i].buffer))).toBe(true));
    } finally {
      native.setNumThreads(threads);
      mask.dispose();
    }
  });

  it('rejects a layout that does not fit the call, in the wrapper and in C++', () => {
    const mask = slidingWindow({ left: 8, right: 8 }, { Tq: 32, blockSize: 8 });
    try {
      const a = args({ B: 1, H: 1, Hkv: 1, Tq: 40, Tk: 40, D: 4, Dv: 4 }, mask, 1);
      expect(() => native.blockSparseForward(a)).toThrow(/blockSparseForward: args\.layout\.numQueryBlocks must be ceil\(Tq \/ blockSize\) = 5, received 4/);
      const ok = args({ B: 1, H: 1, Hkv: 1, Tq: 32, Tk: 32, D: 4, Dv: 4 }, mask, 1);
      expect(() => native.blockSparseForward({ ...ok, layout: { ...ok.layout, partial: new Uint8Array(1) } })).toThrow(/args\.layout\.partial must have \[colIdx\.length\]/);
      const raw = { B: 1, H: 1, Hkv: 1, Tq: 32, Tk: 32, D: 4, Dv: 4, scale: 1, causal: false, windowLeft: -1, windowRight: -1, softcap: 0, q: ok.q, k: ok.k, v: ok.v, out: ok.out, lse: ok.lse };
      const layout = { blockSize: 8, B: 1, H: 1, numQueryBlocks: 4, rowPtr: Int32Array.from([0, 1, 2, 3, 4]), colIdx: Int32Array.from([0, 1, 2, 3]), bitsOff: Int32Array.from([-1, -1, -1, -1]), bits: new Uint8Array(0) };
      expect(() => binding!.blockSparseForward({ ...raw, layout })).not.toThrow();
      expect(() => binding!.blockSparseForward({ ...raw, layout: { ...layout, colIdx: Int32Array.from([0, 1, 2, 4]) } })).toThrow(/layout\.colIdx\[3\] must be in \[0, 4\), received 4/);
      expect(() => binding!.blockSparseForward({ ...raw, layout: { ...layout, rowPtr: Int32Array.from([0, 2, 1, 3, 4]) } })).toThrow(/rowPtr must be non-decreasing/);
      expect(() => binding!.blockSparseForward({ ...raw, layout: { ...layout, bitsOff: Int32Array.from([0, -1, -1, -1]) } })).toThrow(/bitsOff\[0\] is out of range: 0/);
      expect(() => binding!.blockSparseForward({ ...raw, layout: { ...layout, rowPtr: Int32Array.from([0, 1, 2, 3, 5]) } })).toThrow(/rowPtr must start at 0 and end at colIdx\.length=4/);
    } finally {
      mask.dispose();
    }
  });
});
