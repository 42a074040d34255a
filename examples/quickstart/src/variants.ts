/**
 * The attention variants the examples time against each other, and how one
 * run of a variant is measured. Shared by the quickstart's comparison table
 * (compare.ts) and examples/long-context, so both time the same calls the
 * same way; each adds its own dense-reference variant (their memory limits
 * and messages differ).
 */
import * as tf from '@tensorflow/tfjs';
import { BlockMask, blockSparseAttention, flashAttention, linearAttention, slidingWindow } from '@tessera/attention';
import { measurePeak, randomNormal } from '@tessera/tensor';

export interface Variant {
  name: string;
  /** Exponent of n in the cost (2: all pairs; 1: linear in n), for extrapolating the next run. */
  order: number;
  run(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, n: number): tf.Tensor;
  /** Why it cannot run at n ('' if it can). */
  cannot?(n: number): string;
}

/**
 * Causal flash, block-sparse (sliding window of `window` keys, the query's own
 * included; one BlockMask per n, built on first use) and linear (elu+1).
 * `dispose` frees the block masks.
 */
export function tiledVariants(window: number): { list: Variant[]; dispose(): void } {
  const masks = new Map<number, BlockMask>();
  const maskFor = (n: number): BlockMask => {
    if (!masks.has(n)) masks.set(n, slidingWindow({ left: window - 1, right: 0 }, { Tq: n, blockSize: 64 }));
    return masks.get(n) as BlockMask;
  };
  const list: Variant[] = [
    { name: 'flash', order: 2, run: (q, k, v) => flashAttention(q, k, v, { causal: true }) },
    { name: `block-sparse (window ${window})`, order: 1, run: (q, k, v, n) => blockSparseAttention(q, k, v, maskFor(n)) },
    { name: 'linear (elu+1)', order: 1, run: (q, k, v) => linearAttention(q, k, v, { causal: true }) },
  ];
  return {
    list,
    dispose: () => {
      masks.forEach((m) => m.dispose());
      masks.clear();
    },
  };
}

/** One run of each variant at n = 128: kernel compilation and allocators are not what we measure. */
export function warmUp(list: Variant[], B: number, H: number, D: number): void {
  tf.tidy(() => {
    const x = randomNormal([B, H, 128, D], 0);
    list.forEach((v) => v.run(x, x, x, 128).dataSync());
  });
}

/** Seeded q, k, v of shape [B, H, n, D] (seeds 1, 2, 3); the caller disposes them. */
export function randomInputs(B: number, H: number, n: number, D: number): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return [randomNormal([B, H, n, D], 1), randomNormal([B, H, n, D], 2), randomNormal([B, H, n, D], 3)];
}

/** Time and tfjs peak tensor bytes of one run of `vr` (waits for the result, frees it). */
export async function measureRun(vr: Variant, q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, n: number): Promise<{ timeMs: number; peakBytes: number }> {
  const m = await measurePeak(() => {
    const out = vr.run(q, k, v, n);
    out.dataSync(); // wait for the result
    return out;
  });
  tf.dispose(m.result);
  return { timeMs: m.timeMs, peakBytes: m.peakNewBytes };
}
