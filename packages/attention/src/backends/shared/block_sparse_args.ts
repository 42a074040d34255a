/**
 * Kernel attrs -> the engine's parameters for block-sparse attention, shared by
 * the forward and backward host kernels so the mapping is written once: the
 * sparsity (causality, windows) lives in the BlockMask layout, so the dense
 * masking options are off; softcap 0 = off; empty alibi slopes = none.
 */
import type { FlashDims, FlashParams } from '../../impl/flash_types';
import type { TesseraBlockSparseAttentionAttrs } from '../../kernel_names';

export function blockSparseParams(dims: FlashDims, a: TesseraBlockSparseAttentionAttrs): FlashParams {
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
