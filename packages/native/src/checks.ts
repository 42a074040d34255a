/**
 * Size and type checks of every buffer before it reaches C++ (which checks
 * again). Messages name the argument and quote what was received.
 */
import type { FlashDims, FlashParams } from './flash_args';

/** Short description of a value for error messages. */
export function describe(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'undefined';
  if (ArrayBuffer.isView(x)) return `${x.constructor.name}(${(x as unknown as { length: number }).length})`;
  if (Array.isArray(x)) return `Array(${x.length})`;
  if (typeof x === 'number' || typeof x === 'boolean') return String(x);
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? x.slice(0, 40) + '...' : x);
  return typeof x;
}

export function fail(where: string, msg: string): never {
  throw new Error(`@tessera/native ${where}: ${msg}`);
}

function isIntIn(x: unknown, lo: number, hi: number): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= lo && x <= hi;
}

/** Checks dims and scalar options; returns the dims. */
export function checkParams(p: FlashParams, where: string): FlashDims {
  if (typeof p !== 'object' || p === null) fail(where, `args must be an object, received ${describe(p)}`);
  const d = p.dims;
  if (typeof d !== 'object' || d === null) fail(where, `args.dims must be {B, H, Hkv, Tq, Tk, D, Dv}, received ${describe(d)}`);
  for (const key of ['B', 'H', 'Hkv', 'Tq', 'Tk', 'D', 'Dv'] as const) {
    if (!isIntIn(d[key], 1, 2 ** 31)) fail(where, `args.dims.${key} must be a positive integer, received ${describe(d[key])}`);
  }
  if (d.H % d.Hkv !== 0) fail(where, `args.dims.H must be a multiple of args.dims.Hkv, received H=${d.H}, Hkv=${d.Hkv}`);
  if (typeof p.scale !== 'number' || !Number.isFinite(p.scale)) fail(where, `args.scale must be a finite number, received ${describe(p.scale)}`);
  if (p.window !== null && p.window !== undefined) {
    const w = p.window;
    if (!Array.isArray(w) || w.length !== 2 || !w.every((x) => isIntIn(x, -1, 2 ** 31))) fail(where, `args.window must be [left, right] integers >= -1 or null, received ${describe(w)}`);
  }
  if (p.softcap !== null && p.softcap !== undefined && !(typeof p.softcap === 'number' && p.softcap >= 0 && Number.isFinite(p.softcap))) {
    fail(where, `args.softcap must be a number >= 0 or null, received ${describe(p.softcap)}`);
  }
  return d;
}

export type ArrayKind = 'Float32Array' | 'Int32Array' | 'Uint8Array';

/** The typed-array kind of x, by tag (instanceof fails across realms, e.g. jest's vm contexts). */
export function kindOf(x: unknown): string | null {
  return ArrayBuffer.isView(x) ? Object.prototype.toString.call(x).slice(8, -1) : null;
}

/** Asserts `x` is one of `kinds` with exactly `n` elements (`shape` names the size in messages). */
export function checkArray(x: unknown, name: string, kinds: ArrayKind[], n: number, shape: string, where: string): void {
  const k = kindOf(x);
  if (k === null || !(kinds as string[]).includes(k)) fail(where, `args.${name} must be a ${kinds.join(' or ')} ${shape}, received ${describe(x)}`);
  const len = (x as Float32Array).length;
  if (len !== n) fail(where, `args.${name} must have ${shape} = ${n} elements, received ${describe(x)}`);
}
