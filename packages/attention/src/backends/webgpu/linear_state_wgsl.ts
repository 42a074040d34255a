/**
 * WGSL of the linear attention state (Katharopoulos et al. 2020, sec. 3.2-3.4),
 * shared by the forward and backward programs:
 *
 *   keyChunkState    slot c+1 of P = sum over keys j of chunk c of k_j [v_j, 1]^T, slot 0 = 0
 *   queryChunkState  slot c of R = sum over the G heads and the queries whose aligned
 *                    position falls in chunk c of q_i ghat_i^T, slot nCq = 0 (backward)
 *   scan             P: running sums upward (slot c = keys of chunks < c, slot nC = all);
 *                    R: upward from the end (slot c = queries of chunks >= c, slot 0 = all)
 *
 * One thread per state element (unit, chunk, f, e): chunks are independent, so
 * the sum over a sequence is parallel over its chunks; the scan is the only
 * sequential part (nC steps). Float32 sums (the TypeScript engine uses float64).
 */
import { linearUniformsWgsl } from './linear_launch';

const MAIN = '@compute @workgroup_size(64)\nfn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>)';

/** Bindings: 0 K, 1 V, 2 P (rw). Threads per kv unit: nC * F * (Dv + 1). */
export function keyChunkStateWgsl(): string {
  return `
@group(0) @binding(0) var<storage, read> K: array<f32>;
@group(0) @binding(1) var<storage, read> V: array<f32>;
@group(0) @binding(2) var<storage, read_write> P: array<f32>;
${linearUniformsWgsl(3)}
${MAIN} {
  let w = W();
  let x = flat(gid, nw);
  if (x >= u.units * u.nC * u.F * w) { return; }
  let e = x % w;
  let f = (x / w) % u.F;
  let c = (x / (w * u.F)) % u.nC;
  let ul = x / (w * u.F * u.nC);
  let j1 = min(u.Tk, (c + 1u) * u.C);
  var s = 0.0;
  for (var j = c * u.C; j < j1; j++) {
    let kv = ul * u.Tk + j;
    let ve = select(1.0, V[u.o1 + kv * u.Dv + min(e, u.Dv - 1u)], e < u.Dv);
    s += K[u.o0 + kv * u.F + f] * ve;
  }
  let base = u.o2 + ul * (u.nC + 1u) * u.F * w + f * w + e;
  P[base + (c + 1u) * u.F * w] = s;
  if (c == 0u) { P[base] = 0.0; }
}`;
}

/** Bindings: 0 Q, 1 GH (ghat rows, Dv + 1 each), 2 R (rw). Threads per kv unit: nCq * F * (Dv + 1). */
export function queryChunkStateWgsl(): string {
  return `
@group(0) @binding(0) var<storage, read> Q: array<f32>;
@group(0) @binding(1) var<storage, read> GH: array<f32>;
@group(0) @binding(2) var<storage, read_write> R: array<f32>;
${linearUniformsWgsl(3)}
${MAIN} {
  let w = W();
  let x = flat(gid, nw);
  if (x >= u.units * u.nCq * u.F * w) { return; }
  let e = x % w;
  let f = (x / w) % u.F;
  let c = (x / (w * u.F)) % u.nCq;
  let ul = x / (w * u.F * u.nCq);
  // Queries whose aligned position i + shift lies in [c Cq, (c + 1) Cq).
  let lo = u32(clamp(i32(c * u.Cq) - u.shift, 0, i32(u.Tq)));
  let hi = u32(clamp(i32((c + 1u) * u.Cq) - u.shift, 0, i32(u.Tq)));
  var s = 0.0;
  for (var g = 0u; g < u.G; g++) {
    for (var i = lo; i < hi; i++) {
      let r = (ul * u.G + g) * u.Tq + i;
      s += Q[u.o0 + r * u.F + f] * GH[u.o1 + r * w + e];
    }
  }
  let base = u.o2 + ul * (u.nCq + 1u) * u.F * w + f * w + e;
  R[base + c * u.F * w] = s;
  if (c == 0u) { R[base + u.nCq * u.F * w] = 0.0; }
}`;
}

/** Bindings: 0 the state (rw). Threads per kv unit: F * (Dv + 1). `up`: P (prefix); else R (suffix). */
export function scanWgsl(up: boolean): string {
  const n = up ? 'u.nC' : 'u.nCq';
  return `
@group(0) @binding(0) var<storage, read_write> P: array<f32>;
${linearUniformsWgsl(1)}
${MAIN} {
  let w = W();
  let x = flat(gid, nw);
  if (x >= u.units * u.F * w) { return; }
  let ul = x / (u.F * w);
  let stride = u.F * w;
  let base = u.o0 + ul * (${n} + 1u) * stride + x % stride;
  ${up
    ? `for (var s = 1u; s <= ${n}; s++) { P[base + s * stride] += P[base + (s - 1u) * stride]; }`
    : `for (var s = ${n}; s > 0u; s--) { P[base + (s - 1u) * stride] += P[base + s * stride]; }`}
}`;
}
