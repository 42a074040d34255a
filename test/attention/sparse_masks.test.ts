/**
 * BlockMask builders and combinators without attention: element semantics
 * against independent oracles, the block invariant (absent / full / partial
 * agree with the elements; exact for the analytic builders), visited-block
 * counts against the theory, memory O(visited blocks), bad input, registry.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  and,
  bigBird,
  BlockMask,
  blockClasses,
  causal,
  densify,
  densifyAll,
  dilatedWindow,
  documents,
  fromPredicate,
  globalTokens,
  liveBlockMasks,
  or,
  prefixLM,
  slidingWindow,
} from '@tessera/attention';
import { initBackend } from '@tessera/tensor';
import { expectBlockInvariant, expectMatchesOracle, oracles } from './sparse_helpers';

beforeAll(async () => {
  await initBackend('cpu');
});

/** Builds, checks, disposes. */
function check(make: () => BlockMask, oracle: Parameters<typeof expectMatchesOracle>[1], exact: boolean): BlockMask {
  const m = make();
  try {
    expectMatchesOracle(m, oracle);
    expectBlockInvariant(m, exact);
  } finally {
    m.dispose();
  }
  return m;
}

describe('builders match their definitions element by element; blocks are classified exactly', () => {
  const shapes: Array<[number, number, number]> = [
    [37, 37, 8],
    [20, 45, 8],
    [45, 20, 8],
    [16, 16, 16],
    [5, 9, 2],
    [1, 30, 4],
  ];
  it.each(shapes)('slidingWindow Tq=%i Tk=%i bs=%i', (Tq, Tk, bs) => {
    for (const [l, r] of [[5, 2], [0, 0], [Infinity, 3], [3, Infinity], [40, 0], [0, 9]]) {
      check(() => slidingWindow({ left: l, right: r }, { Tq, Tk, blockSize: bs }), oracles.window(Tq, Tk, l, r), true);
    }
  });
  it.each(shapes)('causal Tq=%i Tk=%i bs=%i', (Tq, Tk, bs) => {
    check(() => causal({ Tq, Tk, blockSize: bs }), oracles.causal(Tq, Tk), true);
  });
  it.each(shapes)('prefixLM Tq=%i Tk=%i bs=%i', (Tq, Tk, bs) => {
    for (const P of [0, 1, 7, Tk]) check(() => prefixLM(P, { Tq, Tk, blockSize: bs }), oracles.prefix(Tq, Tk, P), true);
  });
  it.each(shapes)('globalTokens Tq=%i Tk=%i bs=%i', (Tq, Tk, bs) => {
    for (const idx of [[0], [Tk - 1, 3 % Tk].filter((x, i, a) => a.indexOf(x) === i), Array.from({ length: Math.min(Tk, bs) }, (_, x) => x)]) {
      check(() => globalTokens(idx, { Tq, Tk, blockSize: bs }), oracles.global(Tq, Tk, idx), true);
    }
  });
  it.each(shapes)('dilatedWindow Tq=%i Tk=%i bs=%i (blocks conservative)', (Tq, Tk, bs) => {
    for (const [size, d, c] of [[3, 2, false], [2, 3, true], [4, 1, false], [0, 5, false]] as Array<[number, number, boolean]>) {
      check(() => dilatedWindow({ size, dilation: d, causal: c }, { Tq, Tk, blockSize: bs }), oracles.dilated(Tq, Tk, size, d, c), d === 1);
    }
  });
  it('documents, shared and separate query/key ids, per batch', () => {
    const ids = [
      [0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 3, 3, 3, 3, 3, 3],
      [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 7, 7, 7, 7, 7, 7, 7],
    ];
    const m = check(() => documents(ids, { blockSize: 4 }), oracles.documents(ids, ids), true);
    expect([m.B, m.H, m.Tq, m.Tk]).toEqual([2, 1, 19, 19]);
    const qIds = [[1, 1, 2, 2, 2], [0, 3, 3, 3, 3]];
    const kIds = [[0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2], [0, 0, 0, 0, 3, 3, 3, 3, 3, 3, 9, 9]];
    check(() => documents({ q: qIds, k: kIds }, { blockSize: 4 }), oracles.documents(qIds, kIds), true);
    // unsorted ids and a [B, T] tensor
    const messy = [[3, 1, 3, 3, 2, 1, 1, 2, 3]];
    const t = tf.tensor2d(messy, [1, 9], 'int32');
    check(() => documents(t, { blockSize: 2 }), oracles.documents(messy, messy), true);
    t.dispose();
  });
  it('fromPredicate (batch- and head-dependent) is exact', () => {
    const p = (b: number, h: number, i: number, j: number) => (i * 7 + j * 3 + b + 2 * h) % 5 < 2 || (h === 1 && j < 4);
    check(() => fromPredicate(p, { B: 2, H: 3, Tq: 13, Tk: 17, blockSize: 4 }), (i, j, b, h) => p(b, h, i, j), true);
  });
  it('bigBird: window, global and random blocks as the paper defines them', () => {
    const bs = 8;
    const m = bigBird({ windowBlocks: 3, globalBlocks: 2, randomBlocks: 2, seed: 11 }, { Tq: 96, blockSize: bs });
    expectBlockInvariant(m, true);
    const nK = 12;
    const cls = blockClasses(m);
    for (let qb = 0; qb < 12; qb++) {
      const row = Array.from({ length: nK }, (_, kb) => cls[qb * nK + kb]);
      if (qb < 2) expect(row.every((c) => c === 2)).toBe(true); // global rows see everything
      else {
        for (let kb = 0; kb < nK; kb++) if (kb < 2 || Math.abs(kb - qb) <= 1) expect(row[kb]).toBe(2); // global columns + window
        const extra = row.filter((c, kb) => c !== 0 && kb >= 2 && Math.abs(kb - qb) > 1).length;
        expect(extra).toBe(2); // exactly randomBlocks random blocks
        expect(row.every((c) => c !== 1)).toBe(true); // aligned: no partial blocks
      }
    }
    const same = bigBird({ windowBlocks: 3, globalBlocks: 2, randomBlocks: 2, seed: 11 }, { Tq: 96, blockSize: bs });
    const other = bigBird({ windowBlocks: 3, globalBlocks: 2, randomBlocks: 2, seed: 12 }, { Tq: 96, blockSize: bs });
    expect(Array.from(same.colIdx)).toEqual(Array.from(m.colIdx));
    expect(Array.from(other.colIdx)).not.toEqual(Array.from(m.colIdx));
    // Tq < Tk, aligned (shift 32) and misaligned (shift 37): queries follow their positions.
    for (const Tq of [64, 59, 1]) {
      const d = bigBird({ windowBlocks: 3, globalBlocks: 2, randomBlocks: 2, seed: 11 }, { Tq, Tk: 96, blockSize: bs });
      expectBlockInvariant(d, true);
      const full = m.predicateFor(0, 0);
      const dd = d.predicateFor(0, 0);
      for (let i = 0; i < Tq; i++) for (let j = 0; j < 96; j++) expect(dd(i, j)).toBe(full(i + 96 - Tq, j));
      d.dispose();
    }
    tf.dispose([]);
    [m, same, other].forEach((x) => x.dispose());
  });
});

describe('combinators', () => {
  it('and / or are elementwise AND / OR, blocks conservative, B and H broadcast', () => {
    const Tq = 29;
    const Tk = 29;
    const s = { Tq, Tk, blockSize: 4 };
    const c = causal(s);
    const w = slidingWindow({ left: 6, right: 6 }, s);
    const g = globalTokens([0, 13], s);
    const ids = [[0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2], Array.from({ length: 29 }, (_, t) => (t < 15 ? 4 : 5))];
    const d = documents(ids, { blockSize: 4 });
    const heads = fromPredicate((_b, h, i, j) => (h === 0 ? j % 2 === 0 : i % 3 !== 0), { H: 2, Tq, Tk, blockSize: 4 });
    const cases: Array<[BlockMask, (i: number, j: number, b: number, h: number) => boolean]> = [
      [and(c, w), (i, j) => j <= i && j >= i - 6],
      [or(w, g), (i, j) => Math.abs(i - j) <= 6 || [0, 13].includes(i) || [0, 13].includes(j)],
      [and(or(w, g), c), (i, j) => j <= i && (Math.abs(i - j) <= 6 || [0, 13].includes(i) || [0, 13].includes(j))],
      [and(d, c), (i, j, b) => j <= i && ids[b][i] === ids[b][j]],
      [or(d, heads), (i, j, b, h) => ids[b][i] === ids[b][j] || (h === 0 ? j % 2 === 0 : i % 3 !== 0)],
      [and(c), (i, j) => j <= i],
    ];
    for (const [m, oracle] of cases) {
      expectMatchesOracle(m, oracle);
      expectBlockInvariant(m, false);
    }
    expect([cases[4][0].B, cases[4][0].H]).toEqual([2, 2]);
    // and of a mask with itself keeps it; or with causal of causal is causal
    const cc = and(c, c);
    expect(Array.from(cc.colIdx)).toEqual(Array.from(c.colIdx));
    expect(Array.from(cc.partial)).toEqual(Array.from(c.partial));
    [c, w, g, d, heads, cc, ...cases.map((x) => x[0])].forEach((m) => m.dispose());
  });
});

describe('visited blocks match the theory', () => {
  it('causal sliding window w=256, bs=64: (w/bs + 1) blocks per row, 3 of them full', () => {
    const n = 4096;
    const m = slidingWindow({ left: 256, right: 0 }, { Tq: n, blockSize: 64 });
    const nQ = n / 64;
    // rows qb >= 4 visit qb-4..qb; the first four visit 1..4 blocks
    expect(m.stats().visited).toBe(1 + 2 + 3 + 4 + (nQ - 4) * 5);
    expect(m.stats().visited).toBeLessThanOrEqual(nQ * (256 / 64 + 2));
    for (let qb = 4; qb < nQ; qb++) {
      expect(Array.from(m.colIdx.subarray(m.rowPtr[qb], m.rowPtr[qb + 1]))).toEqual([qb - 4, qb - 3, qb - 2, qb - 1, qb]);
      expect(Array.from(m.partial.subarray(m.rowPtr[qb], m.rowPtr[qb + 1]))).toEqual([1, 0, 0, 0, 1]);
    }
    m.dispose();
  });
  it.each([
    [4096, 256, 64],
    [16384, 256, 64],
    [10000, 300, 32],
    [65536, 512, 128],
  ])('symmetric window n=%i w=%i bs=%i: about Tq/bs * (w/bs + 2)', (n, w, bs) => {
    const m = slidingWindow({ left: w / 2, right: w / 2 }, { Tq: n, blockSize: bs });
    const nQ = Math.ceil(n / bs);
    const { visited } = m.stats();
    expect(visited).toBeLessThanOrEqual(nQ * (Math.ceil(w / bs) + 2));
    expect(visited).toBeGreaterThanOrEqual((nQ - Math.ceil(w / bs)) * (w / bs + 1));
    m.dispose();
  });
  it('BigBird 3 window / 2 global / 2 random blocks of 64: (3 + 2 + 2) per row, global rows dense', () => {
    const n = 4096;
    const nK = 64;
    const m = bigBird({ windowBlocks: 3, globalBlocks: 2, randomBlocks: 2, seed: 0 }, { Tq: n, blockSize: 64 });
    // rows 0,1: all 64; row 2: blocks 0,1 (global, also window-left of 2? no: 1 is both) ...
    let expected = 2 * nK;
    for (let p = 2; p < nK; p++) {
      const win = new Set([p - 1, p, p + 1].filter((x) => x >= 0 && x < nK));
      const base = new Set([0, 1, ...win]);
      expected += base.size + 2;
    }
    expect(m.stats().visited).toBe(expected);
    expect(m.stats().partial).toBe(0);
    m.dispose();
  });
});

describe('memory is O(visited blocks)', () => {
  it('a sliding window mask at n = 65536 holds a few tens of KB, a BigBird one under 100 KB', () => {
    const n = 65536;
    const w = slidingWindow({ left: 256, right: 0 }, { Tq: n });
    const visited = w.stats().visited;
    expect(w.numBytes).toBe(4 * (n / 64 + 1) + 5 * visited);
    expect(w.numBytes).toBeLessThan(40 * 1024);
    const bb = bigBird({ windowBlocks: 3, globalBlocks: 2, randomBlocks: 2, seed: 1 }, { Tq: n });
    expect(bb.numBytes).toBeLessThan(100 * 1024);
    const d = documents([Array.from({ length: n }, (_, t) => t >> 12)]);
    // 16 documents of 4096 tokens: 64 blocks per row, plus the ids the predicate reads: O(visited + n)
    expect(d.stats().visited).toBe((n / 64) * 64);
    expect(d.numBytes).toBe(4 * (n / 64 + 1) + 5 * d.stats().visited + 8 * n);
    [w, bb, d].forEach((m) => m.dispose());
  });
});

describe('densify', () => {
  it('gives bool [Tq, Tk] and [B, H, Tq, Tk] tensors', () => {
    const m = causal({ Tq: 3, Tk: 4, blockSize: 2 });
    const d = densify(m);
    expect(d.dtype).toBe('bool');
    expect(d.arraySync()).toEqual([
      [1, 1, 0, 0],
      [1, 1, 1, 0],
      [1, 1, 1, 1],
    ]);
    const all = densifyAll(m);
    expect(all.shape).toEqual([1, 1, 3, 4]);
    tf.dispose([d, all]);
    expect(() => densify(slidingWindow({ left: 1, right: 1 }, { Tq: 16384 }))).toThrow('densify: mask is too large to densify (Tq*Tk = 16384*16384 > 2^26)');
    m.dispose();
  });
});

describe('bad input names the argument and quotes the value; no tensor or mask is left behind', () => {
  const s = { Tq: 37, blockSize: 8 };
  const cases: Array<[string, () => unknown, string]> = [
    ['window < 0', () => slidingWindow({ left: -1, right: 0 }, s), 'slidingWindow: config.left must be an integer >= 0 (or Infinity for unbounded), received -1'],
    ['window fraction', () => slidingWindow({ left: 2, right: 2.5 }, s), 'slidingWindow: config.right must be an integer >= 0 (or Infinity for unbounded), received 2.5'],
    ['window NaN', () => slidingWindow({ left: NaN, right: 0 }, s), 'config.left must be an integer >= 0 (or Infinity for unbounded), received NaN'],
    ['unknown key', () => slidingWindow({ left: 1, right: 1, rigth: 2 } as never, s), 'slidingWindow: config has an unknown option "rigth"'],
    ['block size not a power of two', () => causal({ Tq: 37, blockSize: 48 }), 'causal: shape.blockSize must be a positive power of two, received 48'],
    ['block size 0', () => causal({ Tq: 37, blockSize: 0 }), 'shape.blockSize must be a positive power of two, received 0'],
    ['block size > sequence', () => causal({ Tq: 37, Tk: 20, blockSize: 64 }), 'causal: shape.blockSize must be <= the sequence length max(Tq, Tk) = 37, received 64'],
    ['Tq not an integer', () => causal({ Tq: 3.5 }), 'causal: shape.Tq must be an integer >= 1, received 3.5'],
    ['shape missing', () => causal(undefined as never), 'causal: shape must be {Tq, Tk?, blockSize?}, received undefined'],
    ['dilation 0', () => dilatedWindow({ size: 3, dilation: 0 }, s), 'dilatedWindow: config.dilation must be an integer >= 1, received 0'],
    ['dilated size < 0', () => dilatedWindow({ size: -2, dilation: 2 }, s), 'dilatedWindow: config.size must be an integer >= 0, received -2'],
    ['global duplicate', () => globalTokens([0, 5, 5], s), 'globalTokens: indices must be distinct, received 5 more than once: [0,5,5]'],
    ['global out of range', () => globalTokens([0, 37], s), 'globalTokens: indices[1] must be an integer key position in [0, 37) (Tk=37), received 37'],
    ['global negative', () => globalTokens([-1], s), 'indices[0] must be an integer key position in [0, 37) (Tk=37), received -1'],
    ['global not an array', () => globalTokens(3 as never, s), 'globalTokens: indices must be an array of key positions, received 3'],
    ['bigBird even window', () => bigBird({ windowBlocks: 2, globalBlocks: 1, randomBlocks: 1, seed: 0 }, s), 'bigBird: config.windowBlocks must be odd (the query\'s block and (windowBlocks-1)/2 on each side), received 2'],
    ['bigBird seed', () => bigBird({ windowBlocks: 3, globalBlocks: 1, randomBlocks: 1, seed: 0.5 }, s), 'bigBird: config.seed must be a safe integer, received 0.5'],
    ['bigBird random < 0', () => bigBird({ windowBlocks: 3, globalBlocks: 1, randomBlocks: -1, seed: 0 }, s), 'bigBird: config.randomBlocks must be an integer >= 0, received -1'],
    ['bigBird Tq > Tk', () => bigBird({ windowBlocks: 3, globalBlocks: 1, randomBlocks: 1, seed: 0 }, { Tq: 40, Tk: 30, blockSize: 8 }), 'bigBird: needs Tq <= Tk (queries are the last Tq of the Tk positions), received Tq=40, Tk=30'],
    ['prefix too long', () => prefixLM(38, s), 'prefixLM: prefixLength must be an integer in [0, Tk=37], received 38'],
    ['prefix negative', () => prefixLM(-1, s), 'prefixLM: prefixLength must be an integer in [0, Tk=37], received -1'],
    ['documents ragged', () => documents([[0, 0, 1], [0, 1]], { blockSize: 2 }), 'documents: segmentIds rows must all have the same length, received 2 in row 1 and 3 in row 0'],
    ['documents id', () => documents([[0, 0.5, 1]], { blockSize: 2 }), 'documents: segmentIds[0][1] must be an integer id, received 0.5'],
    ['documents empty', () => documents([], { blockSize: 2 }), 'documents: segmentIds must be a non-empty array of rows (one per batch) or a [B, T] tensor, received []'],
    ['predicate throws', () => fromPredicate(() => { throw new Error('boom'); }, s), 'fromPredicate: predicate threw at (b=0, h=0, q=0, k=0): boom'],
    ['predicate non-boolean', () => fromPredicate(((_b: number, _h: number, i: number) => (i < 3 ? true : 1)) as never, s), 'fromPredicate: predicate must return a boolean, received 1 at (b=0, h=0, q=3, k=0)'],
    ['predicate undefined', () => fromPredicate((() => undefined) as never, s), 'fromPredicate: predicate must return a boolean, received undefined at (b=0, h=0, q=0, k=0)'],
    ['predicate not a function', () => fromPredicate('j <= i' as never, s), 'fromPredicate: predicate must be a function (b, h, q, k) => boolean, received "j <= i"'],
    ['predicate B', () => fromPredicate(() => true, { ...s, B: 0 }), 'fromPredicate: shape.B must be an integer >= 1, received 0'],
    ['and of nothing', () => and(), 'and: needs at least one BlockMask, received none'],
    ['shape unknown field', () => causal({ Tq: 8, B: 2 } as never), 'causal: shape has an unknown field "B"; valid fields are Tq, Tk, blockSize'],
    ['predicate shape missing', () => fromPredicate(() => true, undefined as never), 'fromPredicate: shape must be {B?, H?, Tq, Tk?, blockSize?}, received undefined'],
  ];
  it.each(cases)('%s', (_n, fn, msg) => {
    const tensors = tf.memory().numTensors;
    const masks = liveBlockMasks();
    expect(fn).toThrow(msg);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(liveBlockMasks()).toBe(masks);
  });
  it('documents rejects non-integer ids in a tensor (the tensor is the caller\'s)', () => {
    const t = tf.tensor2d([[0, 0, 1.5, 2]], [1, 4]);
    const masks = liveBlockMasks();
    expect(() => documents(t, { blockSize: 2 })).toThrow('documents: segmentIds must hold integer ids, received 1.5 at [0, 2]');
    expect(liveBlockMasks()).toBe(masks);
    t.dispose();
  });
  it('combinators reject masks for other shapes, incompatible B, and disposed masks', () => {
    const a = causal({ Tq: 37, blockSize: 8 });
    const b = causal({ Tq: 40, blockSize: 8 });
    const c = causal({ Tq: 37, blockSize: 4 });
    const d2 = documents([[0, 1], [1, 1]], { blockSize: 1 });
    const d3 = fromPredicate(() => true, { B: 3, Tq: 2, blockSize: 1 });
    const masks = liveBlockMasks();
    expect(() => or(a, b)).toThrow('or: masks must share Tq, Tk and blockSize, received Tq=37, Tk=37, blockSize=8 (argument 0) and Tq=40, Tk=40, blockSize=8 (argument 1)');
    expect(() => and(a, c)).toThrow('blockSize=4 (argument 1)');
    expect(() => and(d2, d3)).toThrow('and: masks must have B = 1 or a common B, received 2, 3');
    b.dispose();
    expect(() => and(a, b)).toThrow('and: argument 1 (causal()) has already been disposed');
    expect(() => and(a, {} as never)).toThrow('and: argument 1 must be a BlockMask, received [object Object]');
    expect(liveBlockMasks()).toBe(masks - 1);
    [a, c, d2, d3].forEach((m) => m.dispose());
  });
});

describe('registry', () => {
  it('each mask is registered until dispose (idempotent)', () => {
    const before = liveBlockMasks();
    const m = slidingWindow({ left: 1, right: 1 }, { Tq: 8 });
    const m2 = and(m, causal({ Tq: 8 }));
    expect(liveBlockMasks()).toBe(before + 3);
    expect(m2.id).not.toBe(m.id);
    m.dispose();
    m.dispose();
    expect(m.isDisposed).toBe(true);
    expect(liveBlockMasks()).toBe(before + 2);
    m2.dispose();
    expect(m.toString()).toBe('BlockMask(slidingWindow(left=1, right=1); B=1, H=1, Tq=8, Tk=8, blockSize=8)');
  });
});
