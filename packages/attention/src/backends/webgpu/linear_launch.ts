/**
 * Host side of the WGSL linear attention programs: the uniform block, the
 * chunk plan (units are (b, kv head): every pass of a call works per kv head,
 * its G query heads' rows contiguous in q/out/dy) and flat 1-D dispatches.
 *
 * State buffers hold, per kv unit, nC + 1 slots of an F x W matrix with
 * W = Dv + 1: column Dv carries the key sum z (v augmented with a 1), so the
 * numerator and the denominator come from one state read.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { dispatch, limitsOf, pipelineFor, WebGpuBackend } from './gpu_backend';
import { Chunk, planChunks, UnitTensor } from './plan';

/** Chunk size of the state pass when not causal (any partition of the keys sums to the same state). */
export const NONCAUSAL_CHUNK = 256;

export interface LinearCall {
  B: number;
  H: number;
  Hkv: number;
  G: number;
  Tq: number;
  Tk: number;
  F: number;
  Dv: number;
  causal: boolean;
  eps: number;
  /** Key chunk size and count of the key-side state. */
  C: number;
  nC: number;
  /** Query-side chunks of the backward (causal: the key chunks of aligned positions). */
  Cq: number;
  nCq: number;
}

export function linearCall(q: TensorInfo, k: TensorInfo, v: TensorInfo, attrs: { causal: boolean; eps: number; chunkSize: number }): LinearCall {
  const [B, H, Tq, F] = q.shape;
  const [, Hkv, Tk] = k.shape;
  const Dv = v.shape[3];
  const C = attrs.causal ? attrs.chunkSize : NONCAUSAL_CHUNK;
  const nC = Math.max(1, Math.ceil(Tk / C));
  const Cq = attrs.causal ? C : NONCAUSAL_CHUNK;
  const nCq = attrs.causal ? nC : Math.max(1, Math.ceil(Tq / Cq));
  return { B, H, Hkv, G: H / Hkv, Tq, Tk, F, Dv, causal: attrs.causal, eps: attrs.eps, C, nC, Cq, nCq };
}

/** The uniform block (at binding `at`, right after the program's storage bindings) and small helpers. */
export const linearUniformsWgsl = (at: number): string => /* wgsl */ `
struct U {
  B: u32, H: u32, Hkv: u32, G: u32, Tq: u32, Tk: u32, F: u32, Dv: u32,
  C: u32, nC: u32, Cq: u32, nCq: u32, units: u32, shift: i32, eps: f32, causal: u32,
  o0: u32, o1: u32, o2: u32, o3: u32, o4: u32, o5: u32, o6: u32, o7: u32,
};
@group(0) @binding(${at}) var<uniform> u: U;
fn W() -> u32 { return u.Dv + 1u; }
fn flat(gid: vec3<u32>, nw: vec3<u32>) -> u32 { return gid.x + gid.y * nw.x * 64u; }
`;

function pack(c: LinearCall, units: number, offsets: number[]): ArrayBuffer {
  const buf = new ArrayBuffer(96);
  const u32 = new Uint32Array(buf);
  [c.B, c.H, c.Hkv, c.G, c.Tq, c.Tk, c.F, c.Dv, c.C, c.nC, c.Cq, c.nCq, units].forEach((x, i) => (u32[i] = x));
  new Int32Array(buf)[13] = c.causal ? c.Tk - c.Tq : 0;
  new Float32Array(buf)[14] = c.eps;
  u32[15] = c.causal ? 1 : 0;
  for (let i = 0; i < 8; i++) u32[16 + i] = offsets[i] ?? 0;
  return buf;
}

/** Per-unit tensors of a pass, in binding order 0..n-1 (a query-side tensor maps G units per kv unit). */
export type LinearTensor = [name: string, tensor: TensorInfo | null, perUnit: number, querySide: boolean];

/**
 * Runs program `code` over every kv unit, chunked so each binding fits;
 * `threadsPerUnit` threads per unit (the program decodes its flat index).
 */
export function runLinear(where: string, b: WebGpuBackend, label: string, code: string, c: LinearCall, tensors: LinearTensor[], threadsPerUnit: number): void {
  const lim = limitsOf(b);
  const uts: UnitTensor[] = tensors.map(([name, tensor, perUnit, qs]) => ({ name, tensor, perUnit, map: qs && c.G > 1 ? { kind: 'mul', by: c.G } : { kind: 'same' } }));
  const chunks: Chunk[] = planChunks(where, c.B * c.Hkv, uts, lim.maxBinding, lim.align, Number.MAX_SAFE_INTEGER);
  const pipe = pipelineFor(b, label, code);
  for (const ch of chunks) {
    const units = ch.end - ch.start;
    const groups = Math.ceil((units * threadsPerUnit) / 64);
    const gx = Math.min(groups, lim.maxGroups);
    const gy = Math.ceil(groups / gx);
    if (gy > lim.maxGroups) throw new Error(`${where}: ${groups} workgroups exceed this device's grid of ${lim.maxGroups}^2`);
    dispatch(b, pipe, ch.bindings, pack(c, units, ch.offsets), [gx, gy, 1]);
  }
}
