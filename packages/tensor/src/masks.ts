/**
 * Attention masks, as cheap scalar predicates (for kernels that decide a
 * position at a time) and as boolean tensors (for the reference and for
 * plotting). `true` always means "query i may attend key j".
 *
 * Alignment is bottom-right (docs/notation.md): query i of Tq sits at absolute
 * position i + Tk - Tq among the Tk keys, as FlashAttention 2.1+ and KV-cache
 * decoding need. With Tq == Tk this is the usual lower-triangular causal mask.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, fail } from './checks';
import { formatValue } from './format';

/** Decides whether query `i` may see key `j` in batch `b`, head `h`. */
export type MaskPredicate = (b: number, h: number, i: number, j: number) => boolean;

/** A window `[left, right]`: keys `left` before to `right` after the aligned query position; -1 = unbounded. */
export type Window = readonly [number, number];

/** Absolute key position of query `i` under bottom-right alignment. */
export function alignedPosition(i: number, tq: number, tk: number): number {
  return i + tk - tq;
}

/** Validates a `[left, right]` window (integers >= -1). */
export function assertWindow(window: unknown, name = 'window', where = ''): asserts window is Window {
  const ok =
    Array.isArray(window) &&
    window.length === 2 &&
    window.every((w) => typeof w === 'number' && Number.isInteger(w) && w >= -1);
  if (!ok) fail(where, `${name} must be [left, right] with integers >= -1 (-1 = unbounded), received ${formatValue(window)}`);
}

/** Causal predicate: key j is visible to query i iff j <= i + Tk - Tq. */
export function causalPredicate(tq: number, tk: number): MaskPredicate {
  const shift = tk - tq;
  return (_b, _h, i, j) => j <= i + shift;
}

/**
 * Sliding-window predicate: with c = i + Tk - Tq, key j is visible iff
 * c - left <= j <= c + right (a bound of -1 is unbounded).
 * `[-1, 0]` equals causal; `[w, 0]` is Mistral's causal window of w + 1 keys.
 */
export function slidingWindowPredicate(tq: number, tk: number, window: Window): MaskPredicate {
  assertWindow(window, 'window', 'slidingWindowPredicate');
  const [left, right] = window;
  const shift = tk - tq;
  return (_b, _h, i, j) => {
    const c = i + shift;
    return (left < 0 || j >= c - left) && (right < 0 || j <= c + right);
  };
}

/** Key padding predicate: key j of batch b is visible iff j < lengths[b]. */
export function keyPaddingPredicate(lengths: ArrayLike<number>): MaskPredicate {
  for (let b = 0; b < lengths.length; b++) assertInteger(lengths[b], `lengths[${b}]`, 'keyPaddingPredicate', 0);
  return (b, _h, _i, j) => j < lengths[b];
}

/**
 * Segment (document) predicate for packed sequences: query i sees key j iff
 * they carry the same segment id. `qSegments` is [B*Tq] row-major, `kSegments` [B*Tk].
 */
export function segmentPredicate(qSegments: ArrayLike<number>, kSegments: ArrayLike<number>, tq: number, tk: number): MaskPredicate {
  if (qSegments.length % tq !== 0 || kSegments.length % tk !== 0 || qSegments.length / tq !== kSegments.length / tk) {
    fail('segmentPredicate', `segment ids must hold B*Tq and B*Tk values, received ${qSegments.length} and ${kSegments.length} for Tq=${tq}, Tk=${tk}`);
  }
  return (b, _h, i, j) => qSegments[b * tq + i] === kSegments[b * tk + j];
}

/** A key mask predicate from a [B*Tk] 0/1 (or boolean) array. */
export function keyMaskPredicate(keyMask: ArrayLike<number | boolean>, tk: number): MaskPredicate {
  return (b, _h, _i, j) => Boolean(keyMask[b * tk + j]);
}

/** Logical AND of predicates (all must allow). With none, everything is allowed. */
export function andPredicates(...preds: MaskPredicate[]): MaskPredicate {
  return (b, h, i, j) => preds.every((p) => p(b, h, i, j));
}

/** Logical OR of predicates (any may allow). With none, nothing is allowed. */
export function orPredicates(...preds: MaskPredicate[]): MaskPredicate {
  return (b, h, i, j) => preds.some((p) => p(b, h, i, j));
}

/**
 * Causal mask as a bool tensor [Tq, Tk] (bottom-right aligned).
 * @example causalMask(2, 3).print(); // [[true,true,false],[true,true,true]]
 */
export function causalMask(tq: number, tk: number): tf.Tensor2D {
  return slidingWindowMask(tq, tk, [-1, 0]);
}

/**
 * Sliding-window mask as a bool tensor [Tq, Tk]: c - left <= j <= c + right, c = i + Tk - Tq.
 * @example slidingWindowMask(4, 4, [1, 0]); // each query sees itself and one key before
 */
export function slidingWindowMask(tq: number, tk: number, window: Window): tf.Tensor2D {
  assertInteger(tq, 'tq', 'slidingWindowMask');
  assertInteger(tk, 'tk', 'slidingWindowMask');
  assertWindow(window, 'window', 'slidingWindowMask');
  const [left, right] = window;
  return tf.tidy(() => {
    // rel[i, j] = j - (i + Tk - Tq): the key's offset from the aligned query.   [Tq, Tk]
    const rel = tf.sub(tf.reshape(tf.range(0, tk, 1, 'int32'), [1, tk]), tf.reshape(tf.range(tk - tq, tk, 1, 'int32'), [tq, 1]));
    let m: tf.Tensor = tf.cast(tf.onesLike(rel), 'bool');
    if (left >= 0) m = tf.logicalAnd(m, tf.greaterEqual(rel, -left));
    if (right >= 0) m = tf.logicalAnd(m, tf.lessEqual(rel, right));
    return m as tf.Tensor2D;
  });
}

/**
 * Key padding mask [B, Tk] from per-batch valid lengths: true where j < lengths[b].
 * @example keyPaddingMask([2, 3], 4); // [[1,1,0,0],[1,1,1,0]] as bool
 */
export function keyPaddingMask(lengths: readonly number[], tk: number): tf.Tensor2D {
  assertInteger(tk, 'tk', 'keyPaddingMask');
  if (!Array.isArray(lengths) || lengths.length === 0) fail('keyPaddingMask', `lengths must be a non-empty array of integers, received ${formatValue(lengths)}`);
  lengths.forEach((l, b) => {
    assertInteger(l, `lengths[${b}]`, 'keyPaddingMask', 0);
    if (l > tk) fail('keyPaddingMask', `lengths[${b}] must be <= Tk=${tk}, received ${l}`);
  });
  return tf.tidy(() => {
    // [B, 1] lengths against [1, Tk] positions.
    const len = tf.tensor2d(lengths, [lengths.length, 1], 'int32');
    return tf.less(tf.reshape(tf.range(0, tk, 1, 'int32'), [1, tk]), len) as tf.Tensor2D;
  });
}

/**
 * Segment mask [B, Tq, Tk] from segment ids q [B, Tq] and k [B, Tk]: true where ids match.
 * @example segmentMask(tf.tensor2d([[0, 0, 1]], [1, 3], 'int32'), tf.tensor2d([[0, 0, 1]], [1, 3], 'int32'));
 */
export function segmentMask(qSegments: tf.Tensor, kSegments: tf.Tensor): tf.Tensor3D {
  if (qSegments.rank !== 2 || kSegments.rank !== 2 || qSegments.shape[0] !== kSegments.shape[0]) {
    fail('segmentMask', `segment ids must be q [B,Tq] and k [B,Tk] with the same B, received q [${qSegments.shape}] and k [${kSegments.shape}]`);
  }
  return tf.tidy(() => {
    const b = qSegments.shape[0] as number;
    const tq = qSegments.shape[1] as number;
    const tk = kSegments.shape[1] as number;
    // [B, Tq, 1] == [B, 1, Tk] -> [B, Tq, Tk]
    return tf.equal(tf.reshape(qSegments, [b, tq, 1]), tf.reshape(kSegments, [b, 1, tk])) as tf.Tensor3D;
  });
}

/**
 * Logical AND of masks with broadcasting (numpy rules). Masks may be bool or 0/1.
 * @example combineMasks(causalMask(4, 4), keyPaddingMask([3], 4).reshape([1, 1, 4]));
 */
export function combineMasks(...masks: Array<tf.Tensor | null | undefined>): tf.Tensor | null {
  const present = masks.filter((m): m is tf.Tensor => m != null);
  if (present.length === 0) return null;
  return tf.tidy(() => present.map((m) => (m.dtype === 'bool' ? m : tf.notEqual(m, 0))).reduce((a, b) => tf.logicalAnd(a, b)));
}

/**
 * Densifies a predicate into a bool tensor [B, H, Tq, Tk]. Small sizes only:
 * this is for tests and plots, it is exactly the O(n^2) object Tessera avoids.
 */
export function maskFromPredicate(pred: MaskPredicate, b: number, h: number, tq: number, tk: number): tf.Tensor4D {
  const out = new Uint8Array(b * h * tq * tk);
  let o = 0;
  for (let bi = 0; bi < b; bi++)
    for (let hi = 0; hi < h; hi++)
      for (let i = 0; i < tq; i++)
        for (let j = 0; j < tk; j++) out[o++] = pred(bi, hi, i, j) ? 1 : 0;
  return tf.tensor4d(out, [b, h, tq, tk], 'bool');
}
