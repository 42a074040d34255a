/**
 * Block-sparse attention forward on typed arrays: the flash tile engine run
 * over the key blocks of a block layout. O(visited blocks * bs^2 * D) time,
 * O(bs * Dv) scratch. Semantics as FlashForwardArgs (impl/flash_types.ts) with
 * the mask given only by `layout` (causal/window/keyMask/segments are unused).
 */
import type { FlashForwardArgs } from './flash_types';
import { BlockSparseLayout, blockSparsePlan } from './block_sparse_plan_impl';
import { runTiledForward } from './tile_engine';

/** Arguments of the block-sparse forward: the flash ones plus the block layout. */
export interface BlockSparseForwardArgs extends FlashForwardArgs {
  layout: BlockSparseLayout;
}

/** Writes args.out [B, H, Tq, Dv] and args.lse [B, H, Tq]. */
export function blockSparseForwardImpl(args: BlockSparseForwardArgs): void {
  runTiledForward(args, blockSparsePlan(args.layout, args.dims));
}
