/**
 * Block-sparse attention on the native engine: the flash kernels run over the
 * key blocks of a block layout (a BlockMask's CSR, @tessera/attention's
 * impl/block_sparse_plan_impl.ts). Partial blocks need the layout's element
 * predicate, a JavaScript function the C++ threads cannot call, so it is
 * evaluated once per layout into one bs x bs bitmap per partial block and
 * cached with the layout (WeakMap: freed with it).
 */

import { checkArray, describe, fail, kindOf } from './checks';
import type { FlashBackwardArgs, FlashForwardArgs } from './flash_args';
import { backwardRaw, forwardRaw, need } from './flash';

/** The layout part of the contract (structurally @tessera/attention's BlockSparseLayout). */
export interface BlockSparseLayout {
  blockSize: number;
  B: number;
  H: number;
  numQueryBlocks: number;
  rowPtr: Int32Array;
  colIdx: Int32Array;
  partial: Uint8Array;
  predicate: (b: number, h: number, i: number, j: number) => boolean;
}

export interface BlockSparseForwardArgs extends FlashForwardArgs {
  layout: BlockSparseLayout;
}
export interface BlockSparseBackwardArgs extends FlashBackwardArgs {
  layout: BlockSparseLayout;
}

interface Bitmaps {
  Tq: number;
  Tk: number;
  bitsOff: Int32Array;
  bits: Uint8Array;
}
const cache = new WeakMap<BlockSparseLayout, Bitmaps>();

/**
 * One bs x bs bitmap per partial entry, key-major (rows: keys of the block,
 * columns: queries: the kernels read one key's flags for consecutive queries,
 * their SIMD lanes, as contiguous bytes); -1 for full entries.
 */
function bitmaps(L: BlockSparseLayout, Tq: number, Tk: number): Bitmaps {
  const hit = cache.get(L);
  if (hit && hit.Tq === Tq && hit.Tk === Tk) return hit;
  const bs = L.blockSize;
  const nnz = L.colIdx.length;
  const bitsOff = new Int32Array(nnz).fill(-1);
  let count = 0;
  for (let e = 0; e < nnz; e++) if (L.partial[e]) bitsOff[e] = bs * bs * count++;
  const bits = new Uint8Array(bs * bs * count);
  for (let r = 0; r < L.B * L.H * L.numQueryBlocks; r++) {
    const qb = r % L.numQueryBlocks;
    const bh = (r - qb) / L.numQueryBlocks;
    const b = Math.floor(bh / L.H);
    const h = bh % L.H;
    for (let e = L.rowPtr[r]; e < L.rowPtr[r + 1]; e++) {
      if (bitsOff[e] < 0) continue;
      const i0 = qb * bs;
      const j0 = L.colIdx[e] * bs;
      for (let i = i0; i < Math.min(Tq, i0 + bs); i++)
        for (let j = j0; j < Math.min(Tk, j0 + bs); j++) bits[bitsOff[e] + (j - j0) * bs + (i - i0)] = L.predicate(b, h, i, j) ? 1 : 0;
    }
  }
  const out = { Tq, Tk, bitsOff, bits };
  cache.set(L, out);
  return out;
}

function layoutRaw(L: BlockSparseLayout, a: FlashForwardArgs, where: string): Record<string, unknown> {
  const { B, H, Tq } = a.dims;
  if (typeof L !== 'object' || L === null) fail(where, `args.layout must be a block layout (a BlockMask), received ${describe(L)}`);
  const bs = L.blockSize;
  if (!Number.isInteger(bs) || bs < 1) fail(where, `args.layout.blockSize must be a positive integer, received ${describe(bs)}`);
  if (L.B !== 1 && L.B !== B) fail(where, `args.layout.B must be 1 or B=${B}, received ${describe(L.B)}`);
  if (L.H !== 1 && L.H !== H) fail(where, `args.layout.H must be 1 or H=${H}, received ${describe(L.H)}`);
  const nQ = Math.ceil(Tq / bs);
  if (L.numQueryBlocks !== nQ) fail(where, `args.layout.numQueryBlocks must be ceil(Tq / blockSize) = ${nQ}, received ${describe(L.numQueryBlocks)}`);
  checkArray(L.rowPtr, 'layout.rowPtr', ['Int32Array'], L.B * L.H * nQ + 1, '[layout.B * layout.H * numQueryBlocks + 1]', where);
  if (kindOf(L.colIdx) !== 'Int32Array') fail(where, `args.layout.colIdx must be an Int32Array, received ${describe(L.colIdx)}`);
  checkArray(L.partial, 'layout.partial', ['Uint8Array'], L.colIdx.length, '[colIdx.length]', where);
  if (typeof L.predicate !== 'function') fail(where, `args.layout.predicate must be a function, received ${describe(L.predicate)}`);
  const { bitsOff, bits } = bitmaps(L, Tq, a.dims.Tk);
  return { blockSize: bs, B: L.B, H: L.H, numQueryBlocks: nQ, rowPtr: L.rowPtr, colIdx: L.colIdx, bitsOff, bits };
}

/** Block-sparse forward: writes args.out and args.lse over the layout's blocks (scale, softcap, ALiBi apply). */
export function blockSparseForward(args: BlockSparseForwardArgs): void {
  const where = 'blockSparseForward';
  const raw = forwardRaw(args, where);
  need(where).blockSparseForward({ ...raw, layout: layoutRaw(args.layout, args, where) });
}

/** Block-sparse backward: writes args.dq, args.dk, args.dv over the same blocks. */
export function blockSparseBackward(args: BlockSparseBackwardArgs): void {
  const where = 'blockSparseBackward';
  const raw = backwardRaw(args, where);
  need(where).blockSparseBackward({ ...raw, layout: layoutRaw(args.layout, args, where) });
}


