/**
 * FlashAttention-2 forward in TypeScript (Dao 2023, "FlashAttention-2: Faster
 * Attention with Better Parallelism and Work Partitioning", Algorithm 1):
 * the default engine's `flashForward`. The math lives in the tile engine
 * (tile_forward.ts); this entry point only builds flash's tile plan
 * (causal/window/keyMask/segments -> key ranges, flash_plan.ts).
 */
import type { FlashForwardArgs } from './flash_types';
import { flashPlan } from './flash_plan';
import { runTiledForward } from './tile_engine';
import { DEFAULT_TILES } from './tiles';

/**
 * Writes args.out [B, H, Tq, Dv] and args.lse [B, H, Tq]. O(Br * Dv + Bc)
 * scratch; never a Tq x Tk buffer.
 */
export function flashForwardImpl(args: FlashForwardArgs): void {
  const bc = Math.max(1, Math.min((args.tiles ?? DEFAULT_TILES).bc, args.dims.Tk));
  runTiledForward(args, flashPlan(args, bc));
}
