/**
 * The tile engine: FlashAttention-2 forward and backward drivers over an
 * explicit, per-tile list of key ranges. This is the piece block-sparse
 * attention reuses.
 *
 * How to use it (block-sparse developers, read this):
 *   1. Write a `TilePlan`: for query tile [i0, i1) of (b, h), push the key
 *      ranges that tile must visit into the given RangeList, in increasing
 *      order: `list.push(start, end, partial)`. A range marked
 *      `partial: false` must be fully allowed for every row of the tile (no
 *      masking is done there: the fast path); `partial: true` ranges ask
 *      `plan.predicate(b, h, i, j)` per element. Keys in no range are masked.
 *      Block-sparse: one range per nonzero block of the BlockMask row,
 *      partial when the block is a partial block.
 *   2. Call `runTiledForward(args, plan)` / `runTiledBackward(args, plan)` with
 *      the same FlashForwardArgs / FlashBackwardArgs the flash engine takes
 *      (impl/flash_types.ts). Options (scale, softcap, alibi) are applied by
 *      the engine; causal/window/keyMask/segments in `args` are NOT applied by
 *      the drivers: they are the plan's business (flash's plan is
 *      impl/flash_plan.ts). The forward and the backward must get the same plan.
 *   3. Query tiles are [i0, min(i0 + br, Tq)) with br from args.tiles or
 *      DEFAULT_TILES (impl/tiles.ts); `plan.tileRows` overrides br so a
 *      block-sparse plan can align tiles with its blocks.
 *
 * Memory: the forward allocates Br * Bc + Br * Dv + 2 * Br float64 of scratch,
 * the backward 3 * Br * Bc + Br * D plus Tk * (D + Dv) float64 for one
 * key/value head's dk/dv: O(n), never O(n^2).
 */
import type { ElementPredicate, FlashBackwardArgs, FlashForwardArgs } from './flash_types';
import { RangeList } from './key_ranges';
import { backwardTile } from './tile_backward';
import { forwardTile } from './tile_forward';
import { backwardWorkspace, forwardWorkspace, makeTileProblem } from './tile_problem';
import { DEFAULT_TILES } from './tiles';

export { RangeList } from './key_ranges';
export { forwardTile } from './tile_forward';
export { backwardTile } from './tile_backward';
export type { BackwardArrays } from './tile_backward';
export * from './tile_problem';

/** Which keys each query tile visits. */
export interface TilePlan {
  /** Fills `list` (already cleared) with the key ranges of query tile [i0, i1) of (b, h). */
  keyRanges(b: number, h: number, i0: number, i1: number, list: RangeList): void;
  /** Consulted only inside `partial` ranges; null = partial ranges are fully allowed. */
  predicate: ElementPredicate | null;
  /** Query tile height; default: the engine's br. */
  tileRows?: number;
}

/** Forward pass: writes args.out and args.lse for every (b, h, query tile). */
export function runTiledForward(args: FlashForwardArgs, plan: TilePlan): void {
  const p = makeTileProblem(args, DEFAULT_TILES);
  if (plan.tileRows !== undefined) p.br = Math.max(1, Math.min(plan.tileRows, p.dims.Tq));
  const ws = forwardWorkspace(p);
  const list = new RangeList();
  const { B, H, Tq } = p.dims;
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i0 = 0; i0 < Tq; i0 += p.br) {
        const i1 = Math.min(i0 + p.br, Tq);
        list.clear();
        plan.keyRanges(b, h, i0, i1, list);
        forwardTile(p, ws, b, h, i0, i1, list.items, list.length, plan.predicate, args.out, args.lse);
      }
}

/** Backward pass: writes args.dq, args.dk, args.dv (dk/dv summed over each kv head's G query heads). */
export function runTiledBackward(args: FlashBackwardArgs, plan: TilePlan): void {
  const p = makeTileProblem(args, DEFAULT_TILES);
  if (plan.tileRows !== undefined) p.br = Math.max(1, Math.min(plan.tileRows, p.dims.Tq));
  const ws = backwardWorkspace(p);
  const delta = new Float64Array(p.br);
  const list = new RangeList();
  const { B, Hkv, Tq, Tk, D, Dv } = p.dims;
  const io = { out: args.out, lse: args.lse, dOut: args.dOut, dLse: args.dLse, dq: args.dq };
  for (let b = 0; b < B; b++)
    for (let kh = 0; kh < Hkv; kh++) {
      ws.dk.fill(0);
      ws.dv.fill(0);
      for (let g = 0; g < p.G; g++) {
        const h = kh * p.G + g;
        for (let i0 = 0; i0 < Tq; i0 += p.br) {
          const i1 = Math.min(i0 + p.br, Tq);
          list.clear();
          plan.keyRanges(b, h, i0, i1, list);
          backwardTile(p, ws, io, b, h, i0, i1, list.items, list.length, plan.predicate, delta);
        }
      }
      // Float64 accumulators -> the float32 outputs of this key/value head.
      const ko = (b * Hkv + kh) * Tk;
      for (let x = 0; x < Tk * D; x++) args.dk[ko * D + x] = ws.dk[x];
      for (let x = 0; x < Tk * Dv; x++) args.dv[ko * Dv + x] = ws.dv[x];
    }
}
