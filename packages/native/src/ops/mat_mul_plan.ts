/**
 * The shape logic of tfjs's BatchMatMul for the native sgemm: op(a) [..., M, K]
 * times op(b) [..., K, N] with the outer (batch) dims broadcast numpy-style,
 * flattened to `batch` products with per-product indices into a's and b's
 * batches. Returns null when the shapes do not multiply, so the caller hands
 * the call to tfjs's own kernel, which raises tfjs's usual error.
 */
import { TensorInfo, util } from '@tensorflow/tfjs-core';

export interface MatMulPlan {
  batch: number;
  M: number;
  N: number;
  K: number;
  aBatches: number;
  bBatches: number;
  /** a's batch for each product (null when a has `batch` batches in order). */
  aIndex: Int32Array | null;
  bIndex: Int32Array | null;
  outShape: number[];
}

export function planMatMul(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): MatMulPlan | null {
  const ra = a.shape.length, rb = b.shape.length;
  if (ra < 2 || rb < 2) return null;
  const M = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const Ka = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const Kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const N = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (Ka !== Kb) return null;
  const oa = a.shape.slice(0, -2), ob = b.shape.slice(0, -2);
  const rank = Math.max(oa.length, ob.length);
  // Right-aligned outer dims, 1 where a tensor has fewer.
  const da = Array.from({ length: rank }, (_, i) => oa[i - (rank - oa.length)] ?? 1);
  const db = Array.from({ length: rank }, (_, i) => ob[i - (rank - ob.length)] ?? 1);
  const outer: number[] = [];
  for (let i = 0; i < rank; i++) {
    if (da[i] !== db[i] && da[i] !== 1 && db[i] !== 1) return null;
    outer.push(da[i] === 1 ? db[i] : da[i]);
  }
  const batch = util.sizeFromShape(outer), aBatches = util.sizeFromShape(da), bBatches = util.sizeFromShape(db);
  const index = (d: number[], n: number): Int32Array | null => {
    if (n === batch) return null;  // broadcasting only happens where the other side is larger
    const idx = new Int32Array(batch);
    for (let p = 0; p < batch; p++) {
      // output multi-index (row-major over `outer`) -> flat index into d (size-1 dims pinned to 0)
      let rem = p, flat = 0, stride = 1;
      for (let i = rank - 1; i >= 0; i--) {
        const c = rem % outer[i];
        rem = Math.floor(rem / outer[i]);
        if (d[i] !== 1) flat += c * stride;
        stride *= d[i];
      }
      idx[p] = flat;
    }
    return idx;
  };
  return { batch, M, N, K: Ka, aBatches, bBatches, aIndex: index(da, aBatches), bIndex: index(db, bBatches), outShape: [...outer, M, N] };
}
