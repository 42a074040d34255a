/**
 * Masked, numerically stable softmax and log-sum-exp. Scores are shifted by
 * their row maximum over *allowed* entries, so large logits (1e4) cannot
 * overflow, and a fully masked row gives softmax zeros and log-sum-exp
 * -Infinity (the log of an empty sum), never NaN.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fail } from './checks';
import { formatShape } from './format';

interface Stats {
  /** exp(x - m) with masked entries 0. */
  e: tf.Tensor;
  /** Row max over allowed entries, 0 for fully masked rows (keepDims). */
  m: tf.Tensor;
  /** Row sum of e (keepDims); 0 for fully masked rows. */
  s: tf.Tensor;
}

function normAxis(x: tf.Tensor, axis: number, where: string): number {
  const a = axis < 0 ? x.rank + axis : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= x.rank) fail(where, `axis must be an integer in [-${x.rank}, ${x.rank - 1}], received ${axis}`);
  return a;
}

function checkMask(x: tf.Tensor, mask: tf.Tensor | null | undefined, where: string): void {
  if (mask == null) return;
  let ok = mask.rank <= x.rank;
  for (let i = 1; ok && i <= mask.rank; i++) {
    const d = mask.shape[mask.rank - i];
    ok = d === 1 || d === x.shape[x.rank - i];
  }
  if (!ok) fail(where, `mask must broadcast to the scores' shape ${formatShape(x.shape)}, received ${formatShape(mask.shape)}`);
}

/** Shared forward statistics; runs outside any gradient tape (inside customGrad). */
function stats(x: tf.Tensor, mask: tf.Tensor | null | undefined, axis: number): Stats {
  const allowed = mask == null ? null : mask.dtype === 'bool' ? mask : tf.notEqual(mask, 0);
  const xm = allowed == null ? x : tf.where(tf.broadcastTo(allowed, x.shape), x, tf.fill(x.shape, -Infinity));
  const rawMax = tf.max(xm, axis, true);
  // A fully masked row has max -Infinity; shift it by 0 instead so no -inf - -inf = NaN appears.
  const m = tf.where(tf.equal(rawMax, -Infinity), tf.zerosLike(rawMax), rawMax);
  const e = tf.exp(tf.sub(xm, m));
  const s = tf.sum(e, axis, true);
  return { e, m, s };
}

/**
 * Softmax over `axis` of `x`, restricted to entries where `mask` is true
 * (bool or 0/1, broadcastable to x). Masked entries and fully masked rows are 0.
 * Differentiable (its gradient is written out, y * (dy - sum(dy * y))).
 *
 * @example
 * const y = maskedSoftmax(tf.tensor2d([[1, 2, 3]]), tf.tensor2d([[1, 1, 0]], [1, 3], 'bool'));
 * // [[0.269, 0.731, 0]]
 */
export function maskedSoftmax(x: tf.Tensor, mask?: tf.Tensor | null, axis = -1): tf.Tensor {
  const a = normAxis(x, axis, 'maskedSoftmax');
  checkMask(x, mask, 'maskedSoftmax');
  const f = tf.customGrad(((xi: tf.Tensor, save: tf.GradSaveFunc) => {
    const { e, s } = stats(xi, mask, a);
    const y = tf.div(e, tf.where(tf.equal(s, 0), tf.onesLike(s), s));
    save([y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [ys] = saved;
        return tf.mul(ys, tf.sub(dy, tf.sum(tf.mul(dy, ys), a, true)));
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return tf.tidy(() => f(x) as tf.Tensor);
}

/**
 * log(sum(exp(x))) over `axis`, restricted to entries where `mask` is true.
 * A fully masked row gives -Infinity. Differentiable (gradient: dy * softmax).
 *
 * @example
 * maskedLogSumExp(tf.tensor2d([[1e4, 1e4]])); // [1e4 + ln 2], no overflow
 */
export function maskedLogSumExp(x: tf.Tensor, mask?: tf.Tensor | null, axis = -1, keepDims = false): tf.Tensor {
  const a = normAxis(x, axis, 'maskedLogSumExp');
  checkMask(x, mask, 'maskedLogSumExp');
  const f = tf.customGrad(((xi: tf.Tensor, save: tf.GradSaveFunc) => {
    const { e, m, s } = stats(xi, mask, a);
    const lseKeep = tf.add(m, tf.log(s));
    const y = tf.div(e, tf.where(tf.equal(s, 0), tf.onesLike(s), s));
    save([y]);
    return {
      value: keepDims ? lseKeep : tf.squeeze(lseKeep, [a]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const dyKeep = keepDims ? dy : tf.expandDims(dy, a);
        return tf.mul(saved[0], dyKeep);
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return tf.tidy(() => f(x) as tf.Tensor);
}

/**
 * Typed-array log-sum-exp of `x[offset .. offset+n)`, stable; -Infinity when n == 0
 * or every entry is -Infinity. Used by host-side kernels and tests.
 */
export function logSumExpArray(x: ArrayLike<number>, offset = 0, n = x.length - offset): number {
  let m = -Infinity;
  for (let i = 0; i < n; i++) if (x[offset + i] > m) m = x[offset + i];
  if (m === -Infinity) return -Infinity;
  if (Number.isNaN(m)) return NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(x[offset + i] - m);
  return m + Math.log(s);
}
