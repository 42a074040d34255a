/**
 * Densifying a BlockMask: the boolean [Tq, Tk] matrix it stands for, read
 * through the blocks (absent -> false, full -> true, partial -> predicate),
 * i.e. exactly what the kernels compute with. For tests, the reference and
 * plots only: it is the O(Tq * Tk) object block-sparse attention avoids, so
 * it refuses masks with more than 2^26 elements per (b, h).
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, fail } from '@tessera/tensor';
import { BlockMask, isBlockMask } from './block_mask';
import { FULL, NONE, PARTIAL } from './layout';

const MAX_ELEMENTS = 2 ** 26;

function check(mask: BlockMask, b: number, h: number, where: string): void {
  if (!isBlockMask(mask)) fail(where, `mask must be a BlockMask, received ${String(mask)}`);
  if (mask.Tq * mask.Tk > MAX_ELEMENTS) fail(where, `mask is too large to densify (Tq*Tk = ${mask.Tq}*${mask.Tk} > 2^26); densify is for tests and plots of small masks`);
  assertInteger(b, 'batch', where, 0);
  assertInteger(h, 'head', where, 0);
  if (b >= mask.B && mask.B !== 1) fail(where, `batch must be < B=${mask.B}, received ${b}`);
  if (h >= mask.H && mask.H !== 1) fail(where, `head must be < H=${mask.H}, received ${h}`);
}

/**
 * Block classes of (batch, head) as a row-major [numQueryBlocks, numKeyBlocks]
 * array of NONE (0), PARTIAL (1) and FULL (2). Cheap: O(blocks).
 * @example
 * blockClasses(causal({ Tq: 4, blockSize: 2 })); // Uint8Array [1, 0, 2, 1]: diagonal partial, below full
 */
export function blockClasses(mask: BlockMask, batch = 0, head = 0): Uint8Array {
  const nK = mask.numKeyBlocks;
  const out = new Uint8Array(mask.numQueryBlocks * nK).fill(NONE);
  for (let qb = 0; qb < mask.numQueryBlocks; qb++) {
    const r = mask.row(batch, head, qb);
    for (let e = mask.rowPtr[r]; e < mask.rowPtr[r + 1]; e++) out[qb * nK + mask.colIdx[e]] = mask.partial[e] ? PARTIAL : FULL;
  }
  return out;
}

/**
 * Host version of {@link densify}: row-major [Tq, Tk] of 0/1.
 * @example
 * densifyArray(slidingWindow({ left: 1, right: 0 }, { Tq: 3, blockSize: 1 })); // [1,0,0, 1,1,0, 0,1,1]
 */
export function densifyArray(mask: BlockMask, batch = 0, head = 0): Uint8Array {
  check(mask, batch, head, 'densify');
  const { Tq, Tk, blockSize: bs } = mask;
  const out = new Uint8Array(Tq * Tk);
  const pred = mask.predicateFor(batch, head);
  for (let qb = 0; qb < mask.numQueryBlocks; qb++) {
    const r = mask.row(batch, head, qb);
    const i1 = Math.min(Tq, qb * bs + bs);
    for (let e = mask.rowPtr[r]; e < mask.rowPtr[r + 1]; e++) {
      const kb = mask.colIdx[e];
      const j1 = Math.min(Tk, kb * bs + bs);
      const part = mask.partial[e] === 1;
      for (let i = qb * bs; i < i1; i++) for (let j = kb * bs; j < j1; j++) out[i * Tk + j] = !part || pred(i, j) ? 1 : 0;
    }
  }
  return out;
}

/**
 * The boolean [Tq, Tk] mask of one (batch, head) (default 0, 0; a broadcast axis ignores its index).
 * @example
 * densify(causal({ Tq: 4, blockSize: 2 })).print(); // lower triangle
 */
export function densify(mask: BlockMask, batch = 0, head = 0): tf.Tensor2D {
  return tf.tensor2d(densifyArray(mask, batch, head), [mask.Tq, mask.Tk], 'bool');
}

/**
 * The boolean [B, H, Tq, Tk] mask (B and H as the mask was built: 1 for shared layouts),
 * broadcastable against attention scores; e.g. for `attentionReference`'s tests.
 * @example
 * const bias = tf.where(densifyAll(mask), 0, -Infinity); // the dense equivalent as a reference bias
 * attentionReference(q, k, v, { bias }); // equals blockSparseAttention(q, k, v, mask)
 */
export function densifyAll(mask: BlockMask): tf.Tensor4D {
  check(mask, 0, 0, 'densifyAll');
  const n = mask.Tq * mask.Tk;
  if (n * mask.B * mask.H > MAX_ELEMENTS) fail('densifyAll', `mask is too large to densify (B*H*Tq*Tk > 2^26)`);
  const out = new Uint8Array(mask.B * mask.H * n);
  for (let b = 0; b < mask.B; b++) for (let h = 0; h < mask.H; h++) out.set(densifyArray(mask, b, h), (b * mask.H + h) * n);
  return tf.tensor4d(out, [mask.B, mask.H, mask.Tq, mask.Tk], 'bool');
}
