/**
 * Closeness assertions with stated tolerances: |a - e| <= atol + rtol * |e|
 * elementwise; NaN matches NaN and infinities must match exactly.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface Tolerance {
  atol?: number;
  rtol?: number;
}

/** Default float32 tolerance for comparing kernels with the reference. */
export const F32: Required<Tolerance> = { atol: 1e-4, rtol: 1e-4 };

function toArray(x: tf.Tensor | ArrayLike<number>): { data: ArrayLike<number>; shape: number[] | null } {
  if (x instanceof tf.Tensor) return { data: x.dataSync() as ArrayLike<number>, shape: x.shape };
  return { data: x, shape: null };
}

/** Largest |a - e| and the index where the worst tolerance violation is; for messages. */
export function compare(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance = F32): { ok: boolean; worst: number; index: number; maxAbs: number } {
  const atol = tol.atol ?? F32.atol;
  const rtol = tol.rtol ?? F32.rtol;
  let ok = actual.length === expected.length;
  let worst = 0;
  let index = -1;
  let maxAbs = 0;
  for (let i = 0; ok && i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (!(Number.isNaN(e) && Number.isNaN(a))) return { ok: false, worst: Infinity, index: i, maxAbs: Infinity };
      continue;
    }
    if (!Number.isFinite(e) || !Number.isFinite(a)) {
      if (a !== e) return { ok: false, worst: Infinity, index: i, maxAbs: Infinity };
      continue;
    }
    const d = Math.abs(a - e);
    maxAbs = Math.max(maxAbs, d);
    const excess = d / (atol + rtol * Math.abs(e));
    if (excess > worst) {
      worst = excess;
      index = i;
    }
  }
  return { ok: ok && worst <= 1, worst, index, maxAbs };
}

/**
 * Asserts `actual` is close to `expected` (tensors or arrays). Shapes must match when both are tensors.
 * @example expectClose(flash, reference, { atol: 1e-4, rtol: 1e-4 });
 */
export function expectClose(actual: tf.Tensor | ArrayLike<number>, expected: tf.Tensor | ArrayLike<number>, tol: Tolerance = F32, label = ''): void {
  const a = toArray(actual);
  const e = toArray(expected);
  if (a.shape && e.shape) expect(a.shape).toEqual(e.shape);
  if (a.data.length !== e.data.length) throw new Error(`${label} length mismatch: ${a.data.length} vs ${e.data.length}`);
  const r = compare(a.data, e.data, tol);
  if (!r.ok) {
    const i = r.index;
    throw new Error(
      `${label ? label + ': ' : ''}not close (atol ${tol.atol ?? F32.atol}, rtol ${tol.rtol ?? F32.rtol}): at flat index ${i} actual ${a.data[i]} expected ${e.data[i]}; max abs diff ${r.maxAbs}`,
    );
  }
}
