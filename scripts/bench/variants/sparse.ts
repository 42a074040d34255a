/**
 * Block-sparse attention variants for `npm run bench -- attention` (issue 4):
 *  - sparse-window256: Longformer-style sliding window of w = 256 (128 keys on
 *    each side of the query, 257 in all), blocks of 64;
 *  - sparse-bigbird: BigBird ITC, 3 window + 2 global + 2 random blocks of 64;
 * both on the TypeScript engine (pinned, like the `flash` rows, so the two are
 * comparable whatever engine is installed), and native-sparse-window256 /
 * native-sparse-bigbird on @tessera/native's C++ engine where it loads (to
 * compare with native-flash). The runner adds flash (dense) and the reference.
 * Targets: t(64k) / t(16k) <= 4.4 (linear in n) and >= 10x faster than dense
 * flash at n = 16k for the window.
 *
 * A mask is built once per n (not timed: building is O(visited blocks), done
 * once per model/sequence length in practice) and disposed when n changes.
 * flops() counts the work the kernel does: 4 * D per (query, key) pair of
 * every visited block (partial blocks included), per batch and head.
 */
import type * as tf from '@tensorflow/tfjs-core';
import * as tfc from '@tensorflow/tfjs-core';
import { AttentionEngine, BlockMask, blockSparseAttention, TYPESCRIPT_ENGINE } from '@tessera/attention';
import { nativeEngine } from '../../../packages/attention/src/native_engine';
import type { BenchInputs, BenchVariant } from '../types';
import { gradsOfSum } from '../grads_of_sum';
import { withEngine } from '../with_engine';
import { SPARSE_BLOCK, SPARSE_LAYOUTS, sparseFlops } from '../sparse_layouts';
const NATIVE = nativeEngine();

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

function variant(name: string, maskFor: (n: number) => BlockMask, engine: Partial<AttentionEngine> & { name: string }, family = 'sparse'): BenchVariant {
  return {
    name,
    family,
    engine: engine === TYPESCRIPT_ENGINE ? 'typescript' : 'native',
    flops: (x: BenchInputs): number => sparseFlops(maskFor(x.n), x.B, x.H, x.D),
    supports(backend: string, n: number): boolean {
      // Host-path kernels: any backend; the mask needs blockSize <= n.
      return n >= SPARSE_BLOCK && ['cpu', 'wasm', 'webgpu', 'tensorflow'].includes(backend);
    },
    forward(x: BenchInputs): tf.TensorContainer {
      const mask = maskFor(x.n);
      return withEngine(engine, () => blockSparseAttention(x.q, x.k, x.v, mask));
    },
    forwardBackward(x: BenchInputs): tf.TensorContainer {
      const mask = maskFor(x.n);
      return withEngine(engine, () => gradsOfSum((q, k, v) => blockSparseAttention(q, k, v, mask), x));
    },
  };
}

const window256 = cached(SPARSE_LAYOUTS.window256);
const bigBird322 = cached(SPARSE_LAYOUTS.bigbird);

export const variants: BenchVariant[] = [
  variant('sparse-window256', window256, TYPESCRIPT_ENGINE),
  variant('sparse-bigbird', bigBird322, TYPESCRIPT_ENGINE),
  // family 'native': plotted with the native flash rows
  ...(NATIVE ? [variant('native-sparse-window256', window256, NATIVE, 'native'), variant('native-sparse-bigbird', bigBird322, NATIVE, 'native')] : []),
];
