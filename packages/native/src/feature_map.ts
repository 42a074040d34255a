/**
 * Linear attention's built-in feature maps on the native engine, elementwise
 * and multi-threaded (src/cc/feature_map_impl.h): elu+1 (Katharopoulos et al.
 * 2020: x > 0 ? x + 1 : e^x) and relu, and their gradients dx = dy * phi'(x).
 * The same typed-array contract as @tessera/attention's
 * linear/feature_map_impl.ts.
 */
import { checkArray, describe, fail, kindOf } from './checks';
import { need } from './flash';

/** The feature maps with a native kernel. */
export type FeatureMapName = 'elu+1' | 'relu';

export interface FeatureMapArgs {
  map: FeatureMapName;
  x: Float32Array;
  /** phi(x), same length as x, overwritten. */
  out: Float32Array;
}

export interface FeatureMapGradArgs {
  map: FeatureMapName;
  x: Float32Array;
  /** Gradient with respect to phi(x), same length as x. */
  dy: Float32Array;
  /** dy * phi'(x), same length as x, overwritten. */
  dx: Float32Array;
}

const KINDS: Record<FeatureMapName, number> = { 'elu+1': 0, relu: 1 };

function kind(map: unknown, where: string): number {
  if (typeof map !== 'string' || !(map in KINDS)) fail(where, `args.map must be 'elu+1' or 'relu', received ${describe(map)}`);
  return KINDS[map as FeatureMapName];
}

function checkX(a: { x: unknown }, where: string): number {
  if (typeof a !== 'object' || a === null) fail(where, `args must be an object, received ${describe(a)}`);
  if (kindOf(a.x) !== 'Float32Array') fail(where, `args.x must be a Float32Array, received ${describe(a.x)}`);
  return (a.x as Float32Array).length;
}

/** Writes args.out = phi(args.x). */
export function featureMap(args: FeatureMapArgs): void {
  const where = 'featureMap';
  const n = checkX(args, where);
  const k = kind(args.map, where);
  checkArray(args.out, 'out', ['Float32Array'], n, 'x.length', where);
  need(where).featureMap({ kind: k, x: args.x, out: args.out });
}

/** Writes args.dx = args.dy * phi'(args.x). */
export function featureMapGrad(args: FeatureMapGradArgs): void {
  const where = 'featureMapGrad';
  const n = checkX(args, where);
  const k = kind(args.map, where);
  checkArray(args.dy, 'dy', ['Float32Array'], n, 'x.length', where);
  checkArray(args.dx, 'dx', ['Float32Array'], n, 'x.length', where);
  need(where).featureMap({ kind: k, x: args.x, dy: args.dy, out: args.dx });
}
