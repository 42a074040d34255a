/**
 * The table both flash suites (TypeScript engine: flash.test.ts, native
 * engine: native_engine.test.ts) check against the reference, and the checks
 * they share (key mask / segment id dtypes, a NaN query row). Each suite
 * passes its engine's own tile T and tile-crossing shape; the rest is one
 * table so the two engines are held to the same cases.
 */
import * as tf from '@tensorflow/tfjs-core';
import { compareWithReference, FlashCase, makeCase, Opt, Shape } from './flash_cases';

/** Every option alone, then mixes of them. */
export const OPTION_SETS: Opt[][] = [
  [],
  ['scale'],
  ['causal'],
  ['keyMask'],
  ['alibi'],
  ['window'],
  ['softcap'],
  ['segments'],
  ['causal', 'keyMask', 'alibi', 'softcap'],
  ['window', 'segments', 'scale', 'alibi'],
  ['causal', 'window', 'keyMask', 'alibi', 'softcap', 'segments', 'scale'],
];

/**
 * MHA, GQA with Tq < Tk and Dv != D, MQA with Tq > Tk, decoding one query
 * against a cache longer than two tiles of `T`, then `tileCase` (the engine's
 * own lengths that are not multiples of its tile).
 */
export function flashShapes(T: number, tileCase: [string, Shape]): Array<[string, Shape]> {
  return [
    ['MHA square', { B: 2, H: 2, Hkv: 2, Tq: 9, Tk: 9, D: 4, Dv: 4 }],
    ['GQA, Tq < Tk, Dv != D', { B: 1, H: 4, Hkv: 2, Tq: 5, Tk: 11, D: 3, Dv: 5 }],
    ['MQA, Tq > Tk', { B: 2, H: 3, Hkv: 1, Tq: 8, Tk: 5, D: 2, Dv: 3 }],
    ['decode Tq = 1 against a long cache', { B: 1, H: 2, Hkv: 1, Tq: 1, Tk: 2 * T + 13, D: 8, Dv: 8 }],
    tileCase,
  ];
}

/** One test per shape and option set: flashAttention vs the reference (output, lse, dq, dk, dv). */
export function describeReferenceTable(shapes: Array<[string, Shape]>): void {
  describe.each(shapes)('%s', (_name, shape) => {
    it.each(OPTION_SETS.map((o) => [o.join('+') || 'plain', o] as const))('matches the reference (output, lse, dq, dk, dv) with %s', (_l, opts) => {
      const fc = makeCase(shape, opts as Opt[], 17);
      compareWithReference(fc);
      fc.dispose();
    });
  });
}

/** int32 and float32 key masks, float32 segment ids and alibi slopes as a plain array, against the reference. */
export function compareMaskDtypes(): void {
  const s: Shape = { B: 2, H: 2, Hkv: 1, Tq: 7, Tk: 10, D: 3, Dv: 3 };
  for (const maskDtype of ['int32', 'float32'] as const) {
    const fc = makeCase(s, ['keyMask', 'segments', 'alibi'], 3, 1, { maskDtype, segDtype: 'float32', alibiAsTensor: false });
    compareWithReference(fc);
    fc.dispose();
  }
}

/** fc.q ([1, 1, 3, 2]) with its middle row replaced by NaN; the caller disposes it. */
export function nanMiddleRow(fc: FlashCase): tf.Tensor {
  // [1, 1, 1, 2] rows 0, NaN, 2 concatenated along Tq -> [1, 1, 3, 2]
  return tf.tidy(() => tf.concat([tf.slice(fc.q, [0, 0, 0, 0], [1, 1, 1, 2]), tf.fill([1, 1, 1, 2], NaN), tf.slice(fc.q, [0, 0, 2, 0], [1, 1, 1, 2])], 2));
}

/** The output of a [1, 1, 3, 2] NaN-middle-row query: rows 0 and 2 finite, row 1 NaN. */
export function expectNaNOnlyInMiddleRow(out: tf.Tensor): void {
  const o = out.dataSync();
  expect(Array.from(o.slice(0, 2)).every(Number.isFinite)).toBe(true);
  expect(Array.from(o.slice(2, 4)).every(Number.isNaN)).toBe(true);
  expect(Array.from(o.slice(4, 6)).every(Number.isFinite)).toBe(true);
}
