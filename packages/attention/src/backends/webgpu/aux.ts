/**
 * The small per-call inputs of the flash programs (keyMask [B, Tk], segment
 * ids [B, Tq] and [B, Tk], alibi slopes [H]) packed into one u32 buffer, so
 * every program stays within WebGPU's default of 8 storage buffers per stage:
 *   keyMask -> 0/1, segment ids -> bit patterns (float ids normalised so
 *   -0 == 0), slopes -> float bits. One tiny dispatch on the GPU: no readback.
 */
import { TensorInfo, util } from '@tensorflow/tfjs-core';
import { bufferOf, dispatch, makeOutput, pipelineFor, WebGpuBackend } from './gpu_backend';

/** The packed buffer and the element offset of each part (0 when absent). */
export interface Aux {
  tensor: TensorInfo | null;
  offsets: [number, number, number, number];
}

const present = (t: TensorInfo | undefined | null): t is TensorInfo => !!t && util.sizeFromShape(t.shape) > 0;

function packWgsl(kmFloat: boolean, segFloat: boolean): string {
  const seg = (x: string) => (segFloat ? `bitcast<u32>(bitcast<f32>(${x}) + 0.0)` : x);
  return `
struct P { nKm: u32, nSq: u32, nSk: u32, nSl: u32 };
@group(0) @binding(0) var<storage, read> KM: array<u32>;
@group(0) @binding(1) var<storage, read> SQ: array<u32>;
@group(0) @binding(2) var<storage, read> SK: array<u32>;
@group(0) @binding(3) var<storage, read> SL: array<u32>;
@group(0) @binding(4) var<storage, read_write> OUT: array<u32>;
@group(0) @binding(5) var<uniform> p: P;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let x = gid.x + gid.y * nw.x * 64u;
  var r = x;
  if (r < p.nKm) { OUT[x] = select(0u, 1u, ${kmFloat ? 'bitcast<f32>(KM[r]) != 0.0' : 'KM[r] != 0u'}); return; }
  r = r - p.nKm;
  if (r < p.nSq) { OUT[x] = ${seg('SQ[r]')}; return; }
  r = r - p.nSq;
  if (r < p.nSk) { OUT[x] = ${seg('SK[r]')}; return; }
  r = r - p.nSk;
  if (r < p.nSl) { OUT[x] = SL[r]; }
}`;
}

/** Packs the optional inputs; returns a tensor the caller disposes (or null when none is present). */
export function packAux(b: WebGpuBackend, keyMask?: TensorInfo, segQ?: TensorInfo, segK?: TensorInfo, slopes?: TensorInfo): Aux {
  const parts = [keyMask, segQ, segK, slopes].map((t) => (present(t) ? t : null));
  const sizes = parts.map((t) => (t ? util.sizeFromShape(t.shape) : 0));
  const total = sizes.reduce((a, c) => a + c, 0);
  if (total === 0) return { tensor: null, offsets: [0, 0, 0, 0] };
  const offsets: [number, number, number, number] = [0, sizes[0], sizes[0] + sizes[1], sizes[0] + sizes[1] + sizes[2]];
  const kmFloat = !!parts[0] && parts[0].dtype === 'float32';
  const segFloat = !!parts[1] && parts[1].dtype === 'float32';
  const out = makeOutput(b, [total], 'int32');
  const pipe = pipelineFor(b, 'TesseraPackAux', packWgsl(kmFloat, segFloat));
  const groups = Math.ceil(total / 64);
  const gx = Math.min(groups, 65535);
  const gy = Math.ceil(groups / gx);
  const binds = parts.map((t) => (t ? { tensor: t, offset: 0, size: bufferOf(b, t) && 4 * util.sizeFromShape(t.shape) } : { tensor: null, offset: 0, size: 0 }));
  binds.push({ tensor: out, offset: 0, size: 4 * total });
  dispatch(b, pipe, binds, new Uint32Array([...sizes, 0, 0, 0, 0]).buffer, [gx, gy, 1]);
  return { tensor: out, offsets };
}
