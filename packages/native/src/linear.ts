/**
 * Linear attention (Katharopoulos et al. 2020, "Transformers are RNNs") on the
 * native engine: forward and backward on feature-mapped q and k, causal or
 * not, with the same typed-array contract as @tessera/attention's
 * linear/linear_dims.ts. The native kernels chunk causal attention by their
 * own 64-key chunks (results do not depend on the chunk size beyond float32
 * rounding); `chunkSize` is validated and otherwise unused.
 */
import { checkArray, describe, fail } from './checks';
import { need } from './flash';

export interface LinearDims {
  B: number;
  H: number;
  Hkv: number;
  Tq: number;
  Tk: number;
  /** Feature count of phi(q), phi(k). */
  F: number;
  Dv: number;
}

export interface LinearForwardArgs {
  dims: LinearDims;
  causal: boolean;
  /** Added to every denominator (> 0). */
  eps: number;
  chunkSize: number;
  q: Float32Array; // [B, H, Tq, F]
  k: Float32Array; // [B, Hkv, Tk, F]
  v: Float32Array; // [B, Hkv, Tk, Dv]
  out: Float32Array; // [B, H, Tq, Dv], overwritten
  den: Float32Array; // [B, H, Tq], overwritten
}

export interface LinearBackwardArgs extends LinearForwardArgs {
  dOut: Float32Array; // [B, H, Tq, Dv]
  dq: Float32Array; // [B, H, Tq, F], overwritten
  dk: Float32Array; // [B, Hkv, Tk, F], overwritten
  dv: Float32Array; // [B, Hkv, Tk, Dv], overwritten
}

function raw(a: LinearForwardArgs, where: string): Record<string, unknown> {
  if (typeof a !== 'object' || a === null) fail(where, `args must be an object, received ${describe(a)}`);
  const d = a.dims;
  if (typeof d !== 'object' || d === null) fail(where, `args.dims must be {B, H, Hkv, Tq, Tk, F, Dv}, received ${describe(d)}`);
  for (const key of ['B', 'H', 'Hkv', 'Tq', 'Tk', 'F', 'Dv'] as const) {
    if (!(Number.isInteger(d[key]) && d[key] >= 1)) fail(where, `args.dims.${key} must be a positive integer, received ${describe(d[key])}`);
  }
  if (d.H % d.Hkv !== 0) fail(where, `args.dims.H must be a multiple of args.dims.Hkv, received H=${d.H}, Hkv=${d.Hkv}`);
  if (!(typeof a.eps === 'number' && a.eps > 0 && Number.isFinite(a.eps))) fail(where, `args.eps must be a finite number > 0, received ${describe(a.eps)}`);
  if (!(Number.isInteger(a.chunkSize) && a.chunkSize >= 1)) fail(where, `args.chunkSize must be a positive integer, received ${describe(a.chunkSize)}`);
  const { B, H, Hkv, Tq, Tk, F, Dv } = d;
  checkArray(a.q, 'q', ['Float32Array'], B * H * Tq * F, '[B, H, Tq, F]', where);
  checkArray(a.k, 'k', ['Float32Array'], B * Hkv * Tk * F, '[B, Hkv, Tk, F]', where);
  checkArray(a.v, 'v', ['Float32Array'], B * Hkv * Tk * Dv, '[B, Hkv, Tk, Dv]', where);
  checkArray(a.out, 'out', ['Float32Array'], B * H * Tq * Dv, '[B, H, Tq, Dv]', where);
  checkArray(a.den, 'den', ['Float32Array'], B * H * Tq, '[B, H, Tq]', where);
  return { B, H, Hkv, Tq, Tk, F, Dv, causal: Boolean(a.causal), eps: a.eps, q: a.q, k: a.k, v: a.v, out: a.out, den: a.den };
}

/** Writes args.out and args.den (= q_i . z_i + eps). */
export function linearForward(args: LinearForwardArgs): void {
  need('linearForward').linearForward(raw(args, 'linearForward'));
}

/** Writes args.dq, args.dk, args.dv (dk/dv summed over each kv head's query heads). */
export function linearBackward(args: LinearBackwardArgs): void {
  const where = 'linearBackward';
  const r = raw(args, where);
  const { B, H, Hkv, Tq, Tk, F, Dv } = args.dims;
  checkArray(args.dOut, 'dOut', ['Float32Array'], B * H * Tq * Dv, '[B, H, Tq, Dv]', where);
  checkArray(args.dq, 'dq', ['Float32Array'], B * H * Tq * F, '[B, H, Tq, F]', where);
  checkArray(args.dk, 'dk', ['Float32Array'], B * Hkv * Tk * F, '[B, Hkv, Tk, F]', where);
  checkArray(args.dv, 'dv', ['Float32Array'], B * Hkv * Tk * Dv, '[B, Hkv, Tk, Dv]', where);
  need(where).linearBackward({ ...r, dout: args.dOut, dq: args.dq, dk: args.dk, dv: args.dv });
}
