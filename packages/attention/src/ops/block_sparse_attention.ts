/**
 * blockSparseAttention: attention that visits only the key blocks a BlockMask
 * lists (Longformer, Beltagy et al. 2020; BigBird, Zaheer et al. 2020; the
 * BlockMask design of PyTorch FlexAttention, Dong et al. 2024), computed by the
 * FlashAttention-2 tile engine (Dao 2023). Time O(visited blocks * bs^2 * D),
 * i.e. O(n * (w + 2 bs) * D) for a sliding window of w keys; memory O(n).
 * Kernels and gradient are registered by ../register.ts (package entry).
 */
import { engine, Tensor } from '@tensorflow/tfjs-core';
import { fail, formatShape, formatValue } from '@tessera/tensor';
import { slopesToArray } from '../alibi';
import { TesseraBlockSparseAttention, TesseraBlockSparseAttentionAttrs } from '../kernel_names';
import type { AttentionOptions, AttentionWithLse } from '../options';
import { BlockMask, isBlockMask } from '../sparse/block_mask';
import { AttentionDims, validateAttention } from '../validate';

/** Options of {@link blockSparseAttention}: the masking ones live in the BlockMask. */
export type BlockSparseAttentionOptions = Pick<AttentionOptions, 'scale' | 'alibiSlopes' | 'softcap' | 'returnLse'>;

const WHERE = 'blockSparseAttention';
const DENSE_ONLY: Partial<Record<keyof AttentionOptions, string>> = {
  causal: 'the BlockMask decides what is visible; build it with causal(shape), or and(causal(shape), mask)',
  window: 'the BlockMask decides what is visible; build it with slidingWindow({left, right}, shape)',
  keyMask: 'the BlockMask decides what is visible; express padding in the mask, e.g. and(mask, fromPredicate(...)) or documents(...)',
  segmentIds: 'the BlockMask decides what is visible; build it with documents(segmentIds)',
  bias: 'a dense [B,H,Tq,Tk] bias is the O(Tq*Tk) object block-sparse attention avoids; use alibiSlopes, or attentionReference',
};

/** Rejects a mask that does not fit the call, quoting both shapes. */
function checkMask(mask: unknown, dims: AttentionDims, q: Tensor, k: Tensor): asserts mask is BlockMask {
  if (!isBlockMask(mask)) fail(WHERE, `mask must be a BlockMask (from slidingWindow, causal, globalTokens, bigBird, documents, prefixLM, dilatedWindow, fromPredicate, and, or), received ${formatValue(mask)}`);
  if (mask.isDisposed) fail(WHERE, `mask ${mask.toString()} has already been disposed`);
  if (mask.Tq !== dims.Tq || mask.Tk !== dims.Tk) {
    fail(WHERE, `mask was built for Tq=${mask.Tq}, Tk=${mask.Tk}, received q ${formatShape(q.shape)} (Tq=${dims.Tq}) and k ${formatShape(k.shape)} (Tk=${dims.Tk})`);
  }
  if (mask.B !== 1 && mask.B !== dims.B) fail(WHERE, `mask was built for batch size B=${mask.B}, received q ${formatShape(q.shape)} (B=${dims.B})`);
  if (mask.H !== 1 && mask.H !== dims.H) fail(WHERE, `mask was built for H=${mask.H} query heads, received q ${formatShape(q.shape)} (H=${dims.H})`);
}

/**
 * Block-sparse scaled dot-product attention, softmax_{j visible}(softcap(scale * q k^T) + alibi) v,
 * where "visible" is the BlockMask's element mask.
 *
 * @param q [B, H, Tq, D] queries (float32).
 * @param k [B, Hkv, Tk, D] keys; H % Hkv == 0 (GQA/MQA).
 * @param v [B, Hkv, Tk, Dv] values.
 * @param mask a BlockMask built for this Tq, Tk (and B, H unless shared): slidingWindow,
 *   dilatedWindow, globalTokens, bigBird, causal, documents, prefixLM, fromPredicate, and/or.
 * @param options `scale` (default 1/sqrt(D)), `alibiSlopes` (default none), `softcap` (default none),
 *   `returnLse` (default false). causal/window/keyMask/segmentIds/bias are rejected: put them in the mask.
 * @returns [B, H, Tq, Dv], or `{output, lse}` with `returnLse`. A row that sees no key gives zeros and lse -Infinity.
 *   Differentiable with respect to q, k and v (and through lse).
 *
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import { blockSparseAttention, slidingWindow, globalTokens, or } from '@tessera/attention';
 * const n = 4096;
 * const q = tf.randomNormal([1, 8, n, 64]), k = tf.randomNormal([1, 8, n, 64]), v = tf.randomNormal([1, 8, n, 64]);
 * const mask = or(slidingWindow({ left: 256, right: 256 }, { Tq: n }), globalTokens([0], { Tq: n })); // Longformer
 * const out = blockSparseAttention(q, k, v, mask); // [1, 8, 4096, 64]
 * mask.dispose();
 */
export function blockSparseAttention(q: Tensor, k: Tensor, v: Tensor, mask: BlockMask, options?: BlockSparseAttentionOptions & { returnLse?: false }): Tensor;
export function blockSparseAttention(q: Tensor, k: Tensor, v: Tensor, mask: BlockMask, options: BlockSparseAttentionOptions & { returnLse: true }): AttentionWithLse;
export function blockSparseAttention(q: Tensor, k: Tensor, v: Tensor, mask: BlockMask, options?: BlockSparseAttentionOptions): Tensor | AttentionWithLse;
export function blockSparseAttention(q: Tensor, k: Tensor, v: Tensor, mask: BlockMask, options?: BlockSparseAttentionOptions): Tensor | AttentionWithLse {
  const r = validateAttention(q, k, v, options as AttentionOptions, WHERE, DENSE_ONLY);
  checkMask(mask, r.dims, q, k);
  const attrs: TesseraBlockSparseAttentionAttrs = {
    maskId: mask.id,
    scale: r.scale,
    softcap: r.softcap ?? 0,
    alibiSlopes: r.alibiSlopes ? Array.from(slopesToArray(r.alibiSlopes)) : [],
  };
  const [output, lse] = engine().runKernel(TesseraBlockSparseAttention, { q, k, v }, attrs as unknown as Record<string, number>) as Tensor[];
  if (r.returnLse) return { output, lse };
  // lse was saved for the gradient (tfjs keeps its own clone), so dropping ours is safe.
  lse.dispose();
  return output;
}
