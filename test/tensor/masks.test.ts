import * as tf from '@tensorflow/tfjs-core';
import {
  andPredicates,
  causalMask,
  causalPredicate,
  combineMasks,
  keyPaddingMask,
  keyPaddingPredicate,
  maskFromPredicate,
  orPredicates,
  segmentMask,
  segmentPredicate,
  slidingWindowMask,
  slidingWindowPredicate,
} from '@tessera/tensor';
import { describeEachBackend } from '../helpers/backends';
import { expectThrowsNoLeak } from '../helpers/leaks';

const asBool = (t: tf.Tensor) => Array.from(t.dataSync()).map(Number);

/** Predicate vs tensor builder must agree everywhere. */
function samePredicateAndTensor(pred: ReturnType<typeof causalPredicate>, t: tf.Tensor, tq: number, tk: number): void {
  const dense = maskFromPredicate(pred, 1, 1, tq, tk);
  expect(asBool(t)).toEqual(asBool(dense));
  dense.dispose();
}

describeEachBackend('mask builders', () => {
  it('causal is bottom-right aligned', () => {
    const m = causalMask(2, 4);
    // Query 0 sits at key position 2, query 1 at 3.
    expect(asBool(m)).toEqual([1, 1, 1, 0, 1, 1, 1, 1]);
    samePredicateAndTensor(causalPredicate(2, 4), m, 2, 4);
    m.dispose();
    const sq = causalMask(3, 3);
    expect(asBool(sq)).toEqual([1, 0, 0, 1, 1, 0, 1, 1, 1]);
    sq.dispose();
  });

  it('causal with Tq > Tk leaves early rows empty', () => {
    const m = causalMask(3, 2);
    expect(asBool(m)).toEqual([0, 0, 1, 0, 1, 1]);
    m.dispose();
  });

  it('sliding window [left, right] and unbounded sides', () => {
    for (const w of [[1, 0], [0, 1], [2, 2], [-1, 1], [1, -1], [-1, -1]] as [number, number][]) {
      for (const [tq, tk] of [[5, 5], [3, 6], [6, 3]]) {
        const m = slidingWindowMask(tq, tk, w);
        samePredicateAndTensor(slidingWindowPredicate(tq, tk, w), m, tq, tk);
        m.dispose();
      }
    }
    const m = slidingWindowMask(4, 4, [1, 0]);
    expect(asBool(m)).toEqual([1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1]);
    m.dispose();
  });

  it('key padding from lengths', () => {
    const m = keyPaddingMask([2, 3], 4);
    expect(m.shape).toEqual([2, 4]);
    expect(asBool(m)).toEqual([1, 1, 0, 0, 1, 1, 1, 0]);
    const p = keyPaddingPredicate([2, 3]);
    expect(p(0, 0, 0, 1)).toBe(true);
    expect(p(0, 0, 0, 2)).toBe(false);
    expect(p(1, 0, 5, 2)).toBe(true);
    m.dispose();
  });

  it('segment ids', () => {
    const q = tf.tensor2d([[0, 0, 1]], [1, 3], 'int32');
    const k = tf.tensor2d([[0, 1, 1, 1]], [1, 4], 'int32');
    const m = segmentMask(q, k);
    expect(m.shape).toEqual([1, 3, 4]);
    expect(asBool(m)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1]);
    samePredicateAndTensor(segmentPredicate([0, 0, 1], [0, 1, 1, 1], 3, 4), m, 3, 4);
    tf.dispose([q, k, m]);
  });

  it('combinations', () => {
    const c = causalMask(4, 4);
    const pad = tf.reshape(keyPaddingMask([3], 4), [1, 1, 4]);
    const both = combineMasks(c, pad, null) as tf.Tensor;
    expect(both.shape).toEqual([1, 4, 4]);
    const pred = andPredicates(causalPredicate(4, 4), keyPaddingPredicate([3]));
    const dense = maskFromPredicate(pred, 1, 1, 4, 4);
    expect(asBool(both)).toEqual(asBool(dense));
    expect(combineMasks()).toBeNull();
    const either = orPredicates(causalPredicate(4, 4), slidingWindowPredicate(4, 4, [0, 1]));
    expect(either(0, 0, 0, 1)).toBe(true);
    expect(either(0, 0, 0, 2)).toBe(false);
    tf.dispose([c, pad, both, dense]);
  });

  it('rejects bad arguments without leaking', () => {
    expectThrowsNoLeak(() => slidingWindowMask(4, 4, [-2, 0]), 'window must be [left, right] with integers >= -1 (-1 = unbounded), received [-2,0]');
    expectThrowsNoLeak(() => keyPaddingMask([5], 4), 'lengths[0] must be <= Tk=4, received 5');
    expectThrowsNoLeak(() => keyPaddingMask([1.5], 4), 'lengths[0] must be an integer >= 0, received 1.5');
    const a = tf.zeros([1, 3], 'int32');
    const b = tf.zeros([2, 3], 'int32');
    expectThrowsNoLeak(() => segmentMask(a, b), 'received q [1,3] and k [2,3]');
    tf.dispose([a, b]);
  });
});
