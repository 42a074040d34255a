/**
 * The block-sparse layouts the benchmarks measure, over blocks of 64 keys:
 * a Longformer-style sliding window of w = 256 (128 keys each side) and
 * BigBird ITC (3 window, 2 global, 2 random blocks, seed 0), and their FLOP
 * count: 4 D per (query, key) pair of every visited block (partial blocks
 * included), per batch and head. Shared by the attention suite's sparse
 * variants (variants/sparse.ts) and the kernel-level sparse_native.ts.
 */
import { bigBird, BlockMask, slidingWindow } from '@tessera/attention';

export const SPARSE_BLOCK = 64;

export const SPARSE_LAYOUTS: Record<'window256' | 'bigbird', (n: number) => BlockMask> = {
  window256: (n) => slidingWindow({ left: 128, right: 128 }, { Tq: n, blockSize: SPARSE_BLOCK }),
  bigbird: (n) => bigBird({ windowBlocks: 3, globalBlocks: 2, randomBlocks: 2, seed: 0 }, { Tq: n, blockSize: SPARSE_BLOCK }),
};

/** FLOPs of one forward over `mask` for B batches and H heads of size D (a shared layout counts once per batch and head). */
export function sparseFlops(mask: BlockMask, B: number, H: number, D: number): number {
  return 4 * D * mask.stats().visited * mask.blockSize * mask.blockSize * ((B * H) / (mask.B * mask.H));
}
