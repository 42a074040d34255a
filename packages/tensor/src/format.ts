/**
 * Formatting of received values for error messages. Every validation error in
 * Tessera quotes what it received, so a user can see at once which argument
 * was wrong and how.
 */
import type { Tensor } from '@tensorflow/tfjs-core';

function isTensorLike(x: unknown): x is Tensor {
  return (
    typeof x === 'object' &&
    x !== null &&
    'shape' in x &&
    'dtype' in x &&
    Array.isArray((x as Tensor).shape) &&
    typeof (x as { dataId?: unknown }).dataId === 'object'
  );
}

/**
 * Renders any value compactly for an error message: tensors as
 * `Tensor(float32, [2,3])`, numbers with NaN/Infinity spelled out, arrays and
 * objects as JSON (truncated), functions by name.
 *
 * @example
 * formatValue(NaN);                 // 'NaN'
 * formatValue([1, 2]);              // '[1,2]'
 * formatValue(tf.zeros([2, 3]));    // 'Tensor(float32, [2,3])'
 */
export function formatValue(x: unknown, maxLength = 120): string {
  let s: string;
  if (isTensorLike(x)) {
    s = `Tensor(${x.dtype}, [${x.shape.join(',')}])`;
  } else if (typeof x === 'number') {
    s = Number.isNaN(x) ? 'NaN' : String(x);
  } else if (typeof x === 'string') {
    s = JSON.stringify(x);
  } else if (typeof x === 'function') {
    s = `function ${x.name || '(anonymous)'}`;
  } else if (x === undefined) {
    s = 'undefined';
  } else if (typeof x === 'bigint') {
    s = `${x}n`;
  } else {
    try {
      s = JSON.stringify(x, (_k, v: unknown) => {
        if (isTensorLike(v)) return `Tensor(${v.dtype}, [${v.shape.join(',')}])`;
        if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
        if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
        return v;
      });
    } catch {
      s = String(x);
    }
  }
  return s.length > maxLength ? `${s.slice(0, maxLength - 3)}...` : s;
}

/** Shape as `[a,b,c]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
