/**
 * Block-sparse attention variants for `npm run bench -- attention` (issue 4):
 *  - sparse-window256: Longformer-style sliding window of w = 256 (128 keys on
 *    each side of the query, 257 in all), blocks of 64;
 *  - sparse-bigbird: BigBird ITC, 3 window + 2 global + 2 random blocks of 64.
 * Both are compared with flash (dense) and the reference by the runner.
 * Targets: t(64k) / t(16k) <= 4.4 (linear in n) and >= 10x faster than dense
 * flash at n = 16k for the window.
 *
 * A mask is built once per n (not timed: building is O(visited blocks), done
 * once per model/sequence length in practice) and disposed when n changes.
 * flops() counts the work the kernel does: 4 * D per (query, key) pair of
 * every visited block (partial blocks included), per batch and head.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { bigBird, BlockMask, blockSparseAttention, slidingWindow } from '@tessera/attention';
import * as tfc from '@tensorflow/tfjs-core';
import type { BenchInputs, BenchVariant } from '../types';

const BLOCK = 64;

function cached(build: (n: number) => BlockMask): (n: number) => BlockMask {
  let mask: BlockMask | null = null;
  return (n) => {
    if (mask === null || mask.Tq !== n) {
      mask?.dispose();
      mask = build(n);
    }
    return mask;
  };
}

function variant(name: string, maskFor: (n: number) => BlockMask): BenchVariant {
  return {
    name,
    family: 'sparse',
    flops(x: BenchInputs): number {
      const m = maskFor(x.n);
      // visited blocks x bs^2 pairs (a shared layout counts once per batch and head)
      const pairs = m.stats().visited * BLOCK * BLOCK * ((x.B * x.H) / (m.B * m.H));
      return 4 * x.D * pairs;
    },
    supports(backend: string, n: number): boolean {
      // Host-path kernels: any backend; the mask needs blockSize <= n.
      return n >= BLOCK && ['cpu', 'wasm', 'webgpu', 'tensorflow'].includes(backend);
    },
    forward(x: BenchInputs): tf.TensorContainer {
      return blockSparseAttention(x.q, x.k, x.v, maskFor(x.n));
    },
    forwardBackward(x: BenchInputs): tf.TensorContainer {
      const mask = maskFor(x.n);
      return tfc.grads((q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => tfc.sum(blockSparseAttention(q, k, v, mask)))([x.q, x.k, x.v]);
    },
  };
}

export const variants: BenchVariant[] = [
  variant('sparse-window256', cached((n) => slidingWindow({ left: 128, right: 128 }, { Tq: n, blockSize: BLOCK }))),
  variant('sparse-bigbird', cached((n) => bigBird({ windowBlocks: 3, globalBlocks: 2, randomBlocks: 2, seed: 0 }, { Tq: n, blockSize: BLOCK }))),
];
