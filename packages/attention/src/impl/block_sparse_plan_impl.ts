/**
 * The block-sparse tile plan: turns a block layout (a BlockMask's CSR) into
 * the key ranges the shared tile engine (impl/tile_engine.ts) streams. Query
 * tiles are the mask's query blocks; each visited key block becomes one range,
 * partial when the block is partial (the engine then asks the predicate per
 * element; adjacent full blocks merge into one range in RangeList). The
 * online-softmax math lives only in the engine.
 */
import type { ElementPredicate, FlashDims } from './flash_types';
import type { RangeList, TilePlan } from './tile_engine';

/**
 * A block layout in typed arrays (a BlockMask is one), the block-sparse part
 * of the engine contract: row r = (b * H + h) * numQueryBlocks + qb lists key
 * blocks colIdx[rowPtr[r] .. rowPtr[r + 1]), partial[e] = 1 where the
 * predicate decides inside the block, 0 where the whole block is visible.
 */
export interface BlockSparseLayout {
  /** Query and key block edge. */
  blockSize: number;
  /** Batch and head counts of the layout; 1 = shared by every batch / head. */
  B: number;
  H: number;
  numQueryBlocks: number;
  rowPtr: Int32Array;
  colIdx: Int32Array;
  partial: Uint8Array;
  /** Exact element mask, called with the layout's own (b, h); consulted in partial blocks only. */
  predicate: ElementPredicate;
}

/** The TilePlan of `layout` for a call of sizes `dims` (B, H of the call broadcast against the layout's). */
export function blockSparsePlan(layout: BlockSparseLayout, dims: FlashDims): TilePlan {
  const { blockSize: bs, rowPtr, colIdx, partial, numQueryBlocks: nQ } = layout;
  const bOne = layout.B === 1;
  const hOne = layout.H === 1;
  const LH = layout.H;
  const Tk = dims.Tk;
  const pred = layout.predicate;
  // Map the call's (b, h) to the layout's, so a shared layout's predicate sees (0, 0).
  const predicate: ElementPredicate = bOne && hOne ? (_b, _h, i, j) => pred(0, 0, i, j) : (b, h, i, j) => pred(bOne ? 0 : b, hOne ? 0 : h, i, j);
  return {
    tileRows: bs,
    predicate,
    keyRanges(b: number, h: number, i0: number, _i1: number, list: RangeList): void {
      const r = ((bOne ? 0 : b) * LH + (hOne ? 0 : h)) * nQ + Math.floor(i0 / bs);
      for (let e = rowPtr[r]; e < rowPtr[r + 1]; e++) {
        const start = colIdx[e] * bs;
        list.push(start, Math.min(Tk, start + bs), partial[e] === 1);
      }
    },
  };
}
