/**
 * Argument checks that throw an Error naming the argument and quoting the
 * value received. They never allocate tensors, so a failing check cannot leak.
 */
import type { DataType, Tensor } from '@tensorflow/tfjs-core';
import { formatShape, formatValue } from './format';

/** Throws `Error("<fn>: <message>")`; the common exit of every check. */
export function fail(where: string, message: string): never {
  throw new Error(where ? `${where}: ${message}` : message);
}

function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && 'shape' in x && 'dtype' in x && 'dataId' in x;
}

/**
 * Asserts `x` is a tfjs Tensor.
 * @example assertTensor(q, 'q', 'flashAttention');
 */
export function assertTensor(x: unknown, name: string, where = ''): asserts x is Tensor {
  if (!isTensor(x)) fail(where, `${name} must be a tf.Tensor, received ${formatValue(x)}`);
  if ((x as Tensor).isDisposed) fail(where, `${name} has already been disposed`);
}

/**
 * Asserts that `x` has the given rank (or one of several ranks).
 * @example assertRank(q, 4, 'q', 'attentionReference'); // q must be [B,H,Tq,D]
 */
export function assertRank(x: Tensor, rank: number | readonly number[], name: string, where = '', legend = ''): void {
  assertTensor(x, name, where);
  const ranks = typeof rank === 'number' ? [rank] : rank;
  if (!ranks.includes(x.rank)) {
    const want = ranks.length === 1 ? `rank ${ranks[0]}` : `rank ${ranks.join(' or ')}`;
    fail(where, `${name} must have ${want}${legend ? ` ${legend}` : ''}, received shape ${formatShape(x.shape)} (rank ${x.rank})`);
  }
}

/**
 * Asserts the dtype of `x` is one of `dtypes`.
 * @example assertDtype(q, ['float32'], 'q', 'flashAttention');
 */
export function assertDtype(x: Tensor, dtypes: DataType | readonly DataType[], name: string, where = ''): void {
  const list = typeof dtypes === 'string' ? [dtypes] : dtypes;
  if (!list.includes(x.dtype)) {
    fail(where, `${name} must have dtype ${list.join(' or ')}, received ${x.dtype} (shape ${formatShape(x.shape)})`);
  }
}

/**
 * Asserts two shapes are equal; `dims` restricts the comparison to some axes.
 * @example assertShapesMatch(k, v, 'k', 'v', 'attentionReference', [0, 1, 2]);
 */
export function assertShapesMatch(
  a: Tensor | readonly number[],
  b: Tensor | readonly number[],
  nameA: string,
  nameB: string,
  where = '',
  dims?: readonly number[],
): void {
  const sa = Array.isArray(a) ? (a as number[]) : (a as Tensor).shape;
  const sb = Array.isArray(b) ? (b as number[]) : (b as Tensor).shape;
  const axes = dims ?? (sa.length === sb.length ? sa.map((_, i) => i) : null);
  const ok = axes !== null && axes.every((i) => sa[i] === sb[i]);
  if (!ok) {
    const which = dims ? ` in axes ${formatShape(dims as number[])}` : '';
    fail(where, `${nameA} and ${nameB} must have matching shapes${which}, received ${nameA} ${formatShape(sa)} and ${nameB} ${formatShape(sb)}`);
  }
}

/**
 * Asserts `x` has exactly `shape` (-1 in `shape` matches any size).
 * @example assertShape(keyMask, [B, Tk], 'keyMask', 'flashAttention');
 */
export function assertShape(x: Tensor | readonly number[], shape: readonly number[], name: string, where = ''): void {
  const s = Array.isArray(x) ? (x as number[]) : (x as Tensor).shape;
  const ok = s.length === shape.length && s.every((d, i) => shape[i] === -1 || shape[i] === d);
  if (!ok) {
    const want = formatShape(shape.map((d) => (d === -1 ? ('*' as unknown as number) : d)));
    fail(where, `${name} must have shape ${want}, received ${formatShape(s)}`);
  }
}

/** Asserts `shape` broadcasts to `target` (numpy rules, aligned on the right). */
export function assertBroadcastable(x: Tensor, target: readonly number[], name: string, where = ''): void {
  const s = x.shape;
  let ok = s.length <= target.length;
  for (let i = 1; ok && i <= s.length; i++) {
    const d = s[s.length - i];
    const t = target[target.length - i];
    ok = d === 1 || d === t;
  }
  if (!ok) fail(where, `${name} must broadcast to ${formatShape(target)}, received shape ${formatShape(s)}`);
}

/** Asserts `x` is a finite number (not NaN, not ±Infinity). */
export function assertFiniteNumber(x: unknown, name: string, where = ''): asserts x is number {
  if (typeof x !== 'number' || !Number.isFinite(x)) fail(where, `${name} must be a finite number, received ${formatValue(x)}`);
}

/** Asserts `x` is a finite number > 0. */
export function assertPositive(x: unknown, name: string, where = ''): asserts x is number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0) fail(where, `${name} must be a finite number > 0, received ${formatValue(x)}`);
}

/** Asserts `x` is an integer >= `min` (default 1). */
export function assertInteger(x: unknown, name: string, where = '', min = 1): asserts x is number {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < min) fail(where, `${name} must be an integer >= ${min}, received ${formatValue(x)}`);
}

/** Asserts `x` is a boolean. */
export function assertBoolean(x: unknown, name: string, where = ''): asserts x is boolean {
  if (typeof x !== 'boolean') fail(where, `${name} must be a boolean, received ${formatValue(x)}`);
}

/** Asserts `x` is one of `allowed`, listing the valid values on failure. */
export function assertOneOf<T>(x: unknown, allowed: readonly T[], name: string, where = ''): asserts x is T {
  if (!allowed.includes(x as T)) fail(where, `${name} must be one of ${allowed.map((a) => formatValue(a)).join(', ')}, received ${formatValue(x)}`);
}

/**
 * Asserts `options` is undefined or a plain object whose keys are all known,
 * so a misspelt option (`casual: true`) fails loudly instead of being ignored.
 */
export function assertKnownOptions(options: unknown, known: readonly string[], name: string, where = ''): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    fail(where, `${name} must be an object, received ${formatValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) fail(where, `${name} has an unknown option ${JSON.stringify(key)}; valid options are ${known.join(', ')}`);
  }
}
