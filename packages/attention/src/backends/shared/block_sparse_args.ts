/**
 * Kernel inputs (as typed arrays) + attrs + the BlockMask -> the engine's
 * BlockSparseForwardArgs / BlockSparseBackwardArgs, shared by the forward and
 * backward host kernels so the mapping is written once: the sparsity
 * (causality, windows) lives in the BlockMask layout, so the dense masking
 * options are off; softcap 0 = off; empty alibi slopes = none.
 */
import type { BlockSparseBackwardArgs } from '../../impl/block_sparse_backward_impl';
import type { BlockSparseForwardArgs } from '../../impl/block_sparse_forward_impl';
import type { BlockSparseLayout } from '../../impl/block_sparse_plan_impl';
import type { FlashDims, FlashParams } from '../../impl/flash_types';
import type { TesseraBlockSparseAttentionAttrs } from '../../kernel_names';
import { gradientArrays, qkvArrays } from './flash_args';
import type { FlashInputArrays } from './flash_args';

function blockSparseParams(dims: FlashDims, a: TesseraBlockSparseAttentionAttrs): FlashParams {
  return {
    dims,
    scale: a.scale,
    softcap: a.softcap > 0 ? a.softcap : null,
    alibiSlopes: a.alibiSlopes.length > 0 ? Float32Array.from(a.alibiSlopes) : null,
    causal: false,
    window: null,
    keyMask: null,
    segmentIdsQ: null,
    segmentIdsK: null,
  };
}

export function blockSparseForwardArgs(dims: FlashDims, ins: FlashInputArrays, a: TesseraBlockSparseAttentionAttrs, layout: BlockSparseLayout, out: Float32Array, lse: Float32Array): BlockSparseForwardArgs {
  return { ...blockSparseParams(dims, a), ...qkvArrays(ins), out, lse, layout };
}

export function blockSparseBackwardArgs(dims: FlashDims, ins: FlashInputArrays, a: TesseraBlockSparseAttentionAttrs, layout: BlockSparseLayout, dq: Float32Array, dk: Float32Array, dv: Float32Array): BlockSparseBackwardArgs {
  return { ...blockSparseParams(dims, a), ...gradientArrays(ins), dq, dk, dv, layout };
}
