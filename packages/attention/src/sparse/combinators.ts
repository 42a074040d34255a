/**
 * Logical AND / OR of BlockMasks (FlexAttention's and_masks / or_masks), e.g.
 * `and(causal(shape), slidingWindow(...))` or `or(slidingWindow(...), globalTokens(...))`.
 *
 * Rows are merged block list by block list, O(visited blocks):
 *  - and: a key block is visited when every mask visits it; full when all are full;
 *  - or:  visited when any mask visits it; full when any is full.
 * Both are exact at the element level (the predicates combine with && / ||)
 * and conservative at the block level (a block may be partial although its
 * elements happen to be all visible). Masks must share Tq, Tk and blockSize;
 * B and H broadcast (1 or the common size), so a batch-dependent documents()
 * mask combines with a shared causal() one.
 */
import type { MaskPredicate } from '@tessera/tensor';
import { fail } from '@tessera/tensor';
import { BlockMask, isBlockMask } from './block_mask';
import { LayoutBuilder } from './layout';

type Mode = 'and' | 'or';

function broadcastSize(masks: BlockMask[], axis: 'B' | 'H', where: string): number {
  let n = 1;
  for (const m of masks) {
    if (m[axis] === 1 || m[axis] === n) continue;
    if (n !== 1) fail(where, `masks must have ${axis} = 1 or a common ${axis}, received ${masks.map((x) => x[axis]).join(', ')}`);
    n = m[axis];
  }
  return n;
}

function composePredicate(masks: BlockMask[], mode: Mode): MaskPredicate {
  const preds = masks.map((m) => m.predicate);
  const bOne = masks.map((m) => m.B === 1);
  const hOne = masks.map((m) => m.H === 1);
  const n = preds.length;
  if (mode === 'and') {
    return (b, h, i, j) => {
      for (let t = 0; t < n; t++) if (!preds[t](bOne[t] ? 0 : b, hOne[t] ? 0 : h, i, j)) return false;
      return true;
    };
  }
  return (b, h, i, j) => {
    for (let t = 0; t < n; t++) if (preds[t](bOne[t] ? 0 : b, hOne[t] ? 0 : h, i, j)) return true;
    return false;
  };
}

function combine(masks: BlockMask[], mode: Mode): BlockMask {
  const where = mode;
  if (masks.length === 0) fail(where, 'needs at least one BlockMask, received none');
  masks.forEach((m, t) => {
    if (!isBlockMask(m)) fail(where, `argument ${t} must be a BlockMask, received ${String(m)}`);
    if (m.isDisposed) fail(where, `argument ${t} (${m.description}) has already been disposed`);
  });
  const first = masks[0];
  masks.forEach((m, t) => {
    if (m.Tq !== first.Tq || m.Tk !== first.Tk || m.blockSize !== first.blockSize) {
      fail(where, `masks must share Tq, Tk and blockSize, received Tq=${first.Tq}, Tk=${first.Tk}, blockSize=${first.blockSize} (argument 0) and Tq=${m.Tq}, Tk=${m.Tk}, blockSize=${m.blockSize} (argument ${t})`);
    }
  });
  const B = broadcastSize(masks, 'B', where);
  const H = broadcastSize(masks, 'H', where);
  const nQ = first.numQueryBlocks;
  const k = masks.length;
  const ptr = new Int32Array(k);
  const end = new Int32Array(k);
  const out = new LayoutBuilder(B * H * nQ);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let qb = 0; qb < nQ; qb++) {
        for (let t = 0; t < k; t++) {
          const r = masks[t].row(b, h, qb);
          ptr[t] = masks[t].rowPtr[r];
          end[t] = masks[t].rowPtr[r + 1];
        }
        // k-way merge of ascending block lists
        for (;;) {
          let kb = Infinity;
          for (let t = 0; t < k; t++) if (ptr[t] < end[t] && masks[t].colIdx[ptr[t]] < kb) kb = masks[t].colIdx[ptr[t]];
          if (kb === Infinity) break;
          let count = 0;
          let anyFull = false;
          let anyPartial = false;
          for (let t = 0; t < k; t++) {
            if (ptr[t] < end[t] && masks[t].colIdx[ptr[t]] === kb) {
              count++;
              if (masks[t].partial[ptr[t]]) anyPartial = true;
              else anyFull = true;
              ptr[t]++;
            }
          }
          if (mode === 'and' && count === k) out.push(kb, anyPartial);
          if (mode === 'or') out.push(kb, !anyFull);
        }
        out.endRow();
      }
  return BlockMask.create({
    B,
    H,
    shape: first.shape,
    layout: out.finish(),
    predicate: composePredicate(masks, mode),
    description: `${mode}(${masks.map((m) => m.description).join(', ')})`,
    auxBytes: masks.reduce((a, m) => a + m.numBytes - m.rowPtr.byteLength - m.colIdx.byteLength - m.partial.byteLength, 0),
  });
}

/**
 * Elementwise AND: a key is visible only where every mask allows it.
 * The inputs stay valid (dispose them separately).
 * @example const m = and(causal({ Tq: 4096 }), slidingWindow({ left: 1024, right: 0 }, { Tq: 4096 }));
 */
export function and(...masks: BlockMask[]): BlockMask {
  return combine(masks, 'and');
}

/**
 * Elementwise OR: a key is visible where any mask allows it.
 * @example const longformer = or(slidingWindow({ left: 256, right: 256 }, { Tq: 4096 }), globalTokens([0], { Tq: 4096 }));
 */
export function or(...masks: BlockMask[]): BlockMask {
  return combine(masks, 'or');
}
