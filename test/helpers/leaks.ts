/** Asserts that a block leaves the number of live tfjs tensors unchanged. */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `fn` (sync or async) and fails if it changed `tf.memory().numTensors`.
 * Whatever `fn` returns is disposed first if it is a tensor container, so
 * pass a function that returns its results to check that only they remain.
 */
export async function expectNoLeaks(fn: () => unknown): Promise<void> {
  const before = tf.memory().numTensors;
  let result: unknown;
  try {
    result = await fn();
  } finally {
    if (result !== undefined) tf.dispose(result as tf.TensorContainer);
  }
  expect(tf.memory().numTensors).toBe(before);
}

/**
 * Asserts `fn` throws an Error whose message matches `message`, and that no
 * tensor leaked on that path (inputs are created outside `fn`).
 */
export function expectThrowsNoLeak(fn: () => unknown, message: RegExp | string): void {
  const before = tf.memory().numTensors;
  expect(fn).toThrow(message);
  expect(tf.memory().numTensors).toBe(before);
}

/**
 * Asserts `fn` throws `message` and that the op it calls allocated nothing on
 * that path. Bad argument tensors are built inside `fn` through `arg(...)`,
 * which counts them, so only they may remain after the throw (they are then
 * disposed): a tensor the op itself leaked fails the check.
 * @example
 * expectThrowsLeakingOnlyArgs((arg) => flashAttention(arg(tf.zeros([2, 3])), k, v), 'q must have rank 4');
 */
export function expectThrowsLeakingOnlyArgs(fn: (arg: <T extends tf.Tensor>(t: T) => T) => unknown, message: RegExp | string): void {
  const args: tf.Tensor[] = [];
  const arg = <T extends tf.Tensor>(t: T): T => {
    args.push(t);
    return t;
  };
  const before = tf.memory().numTensors;
  try {
    expect(() => fn(arg)).toThrow(message);
    expect(tf.memory().numTensors - before).toBe(args.length);
  } finally {
    tf.dispose(args);
  }
}
