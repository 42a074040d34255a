/**
 * FlashAttention-2 backward in TypeScript (Dao 2023, Algorithm 2): the
 * default engine's `flashBackward`. Scores are recomputed tile by tile from
 * q, k and the saved lse over the same key ranges the forward visited
 * (flash_plan.ts); dS = P * (dP - rowsum(dO * O) + dLse).
 */
import type { FlashBackwardArgs } from './flash_types';
import { flashPlan } from './flash_plan';
import { runTiledBackward } from './tile_engine';
import { DEFAULT_TILES } from './tiles';

/**
 * Writes args.dq [B, H, Tq, D], args.dk [B, Hkv, Tk, D] and args.dv
 * [B, Hkv, Tk, Dv] (summed over the query heads sharing a kv head).
 * O(Tk * (D + Dv)) float64 scratch for one kv head's dk/dv.
 */
export function flashBackwardImpl(args: FlashBackwardArgs): void {
  const bc = Math.max(1, Math.min((args.tiles ?? DEFAULT_TILES).bc, args.dims.Tk));
  runTiledBackward(args, flashPlan(args, bc));
}
