/**
 * Document masking for packed sequences: several documents share one row of
 * the batch and a token attends only to tokens of its own document (segment).
 * Used when packing pretraining data (e.g. Krell et al. 2021, "Efficient
 * Sequence Packing without Cross-contamination"; FlashAttention's varlen API;
 * FlexAttention's document_mask). AND it with `causal` for packed decoders.
 *
 * Blocks (exact, O(visited blocks * ids per block)): a block is visited when
 * its queries and keys share an id, full when both hold one single, equal id.
 * The layout depends on the batch (B = rows of ids, H = 1).
 */
import * as tf from '@tensorflow/tfjs-core';
import { fail, formatValue } from '@tessera/tensor';
import { BlockMask } from './block_mask';
import { LayoutBuilder } from './layout';
import { resolveShape } from './shape';

/** Segment ids of a batch: B rows, as arrays or a [B, T] tensor (read on the host). */
export type SegmentIdRows = ReadonlyArray<ArrayLike<number>> | tf.Tensor;

function toRows(ids: unknown, name: string, where: string): Int32Array[] {
  if (ids instanceof tf.Tensor) {
    if (ids.rank !== 2) fail(where, `${name} must be a [B, T] tensor, received shape [${ids.shape.join(',')}]`);
    const [b, t] = ids.shape;
    const data = ids.dataSync();
    data.forEach((x, n) => {
      if (!Number.isInteger(x)) fail(where, `${name} must hold integer ids, received ${formatValue(x)} at [${Math.floor(n / t)}, ${n % t}]`);
    });
    return Array.from({ length: b }, (_, r) => Int32Array.from(data.subarray(r * t, r * t + t)));
  }
  if (!Array.isArray(ids) || ids.length === 0) fail(where, `${name} must be a non-empty array of rows (one per batch) or a [B, T] tensor, received ${formatValue(ids)}`);
  return (ids as ArrayLike<number>[]).map((row, b) => {
    if (!Array.isArray(row) && !ArrayBuffer.isView(row)) fail(where, `${name}[${b}] must be an array of integer ids, received ${formatValue(row)}`);
    for (let t = 0; t < row.length; t++) {
      const x = row[t];
      if (typeof x !== 'number' || !Number.isInteger(x)) fail(where, `${name}[${b}][${t}] must be an integer id, received ${formatValue(x)}`);
    }
    if (row.length !== (ids as ArrayLike<number>[])[0].length) fail(where, `${name} rows must all have the same length, received ${row.length} in row ${b} and ${(ids as ArrayLike<number>[])[0].length} in row 0`);
    return Int32Array.from(row);
  });
}

/** Distinct ids of each block of `row`, as sorted arrays. */
function blockIds(row: Int32Array, bs: number): Int32Array[] {
  const out: Int32Array[] = [];
  for (let s = 0; s < row.length; s += bs) out.push(Int32Array.from(new Set(row.subarray(s, s + bs))).sort());
  return out;
}

/**
 * @param segmentIds per-batch ids of the tokens (`[[0,0,0,1,1,2,...], ...]` or a [B, T] tensor), used for
 *   queries and keys; or `{q, k}` with separate query [B, Tq] and key [B, Tk] ids.
 * @param options `{blockSize = 64}`.
 * @example
 * // two documents of 3 and 5 tokens packed in one row, causal within each
 * const mask = and(documents([[0, 0, 0, 1, 1, 1, 1, 1]], { blockSize: 4 }), causal({ Tq: 8, blockSize: 4 }));
 */
export function documents(segmentIds: SegmentIdRows | { q: SegmentIdRows; k: SegmentIdRows }, options: { blockSize?: number } = {}): BlockMask {
  const where = 'documents';
  const pair = typeof segmentIds === 'object' && segmentIds !== null && !Array.isArray(segmentIds) && !(segmentIds instanceof tf.Tensor);
  if (pair && !('q' in segmentIds && 'k' in segmentIds)) fail(where, `segmentIds must be rows of ids, a [B, T] tensor or {q, k}, received ${formatValue(segmentIds)}`);
  const qRows = pair ? toRows((segmentIds as { q: unknown }).q, 'segmentIds.q', where) : toRows(segmentIds, 'segmentIds', where);
  const kRows = pair ? toRows((segmentIds as { k: unknown }).k, 'segmentIds.k', where) : qRows;
  if (qRows.length !== kRows.length) fail(where, `segmentIds.q and segmentIds.k must have the same batch size, received ${qRows.length} and ${kRows.length}`);
  if (typeof options !== 'object' || options === null) fail(where, `options must be {blockSize?}, received ${formatValue(options)}`);
  const s = resolveShape({ Tq: qRows[0].length, Tk: kRows[0].length, blockSize: options.blockSize }, where);
  const B = qRows.length;
  const out = new LayoutBuilder(B * s.nQ);
  for (let b = 0; b < B; b++) {
    const qIds = blockIds(qRows[b], s.blockSize);
    const kIds = blockIds(kRows[b], s.blockSize);
    // id -> ascending key blocks containing it
    const byId = new Map<number, number[]>();
    kIds.forEach((ids, kb) => ids.forEach((id) => (byId.get(id) ?? byId.set(id, []).get(id)!).push(kb)));
    for (let qb = 0; qb < s.nQ; qb++) {
      const hit = new Set<number>();
      for (const id of qIds[qb]) for (const kb of byId.get(id) ?? []) hit.add(kb);
      const single = qIds[qb].length === 1 ? qIds[qb][0] : NaN;
      for (const kb of Array.from(hit).sort((x, y) => x - y)) out.push(kb, !(kIds[kb].length === 1 && kIds[kb][0] === single));
      out.endRow();
    }
  }
  const Tq = s.Tq;
  const Tk = s.Tk;
  const qFlat = new Int32Array(B * Tq);
  const kFlat = new Int32Array(B * Tk);
  qRows.forEach((r, b) => qFlat.set(r, b * Tq));
  kRows.forEach((r, b) => kFlat.set(r, b * Tk));
  return BlockMask.create({
    B,
    H: 1,
    shape: s,
    layout: out.finish(),
    predicate: (b, _h, i, j) => qFlat[b * Tq + i] === kFlat[b * Tk + j],
    description: `documents(B=${B})`,
    auxBytes: qFlat.byteLength + kFlat.byteLength,
  });
}
