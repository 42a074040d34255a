/**
 * Block-sparse attention backward on typed arrays (FlashAttention-2
 * recomputation from the saved lse) over exactly the blocks the forward
 * visited, by the shared tile engine. O(n) scratch (one kv head's dk/dv).
 */
import type { FlashBackwardArgs } from './flash_types';
import { BlockSparseLayout, blockSparsePlan } from './block_sparse_plan_impl';
import { runTiledBackward } from './tile_engine';

/** Arguments of the block-sparse backward: the flash ones plus the block layout. */
export interface BlockSparseBackwardArgs extends FlashBackwardArgs {
  layout: BlockSparseLayout;
}

/** Writes args.dq, args.dk, args.dv (dk/dv summed over each kv head's query heads). */
export function blockSparseBackwardImpl(args: BlockSparseBackwardArgs): void {
  runTiledBackward(args, blockSparsePlan(args.layout, args.dims));
}
