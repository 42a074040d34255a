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
