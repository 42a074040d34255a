/**
 * Causal linear attention, the quadratic part inside a chunk: the scores
 * a_ij = q_i . k_j of each query row with the keys of its own chunk up to its
 * aligned position, computed once per (row, key) instead of once per output
 * element (the read pass then costs C * Dv per row, not C * F * Dv).
 * Bindings: 0 Q, 1 K, 2 A (rw, C per query row). Threads per kv unit: G * Tq * C.
 */
import { linearUniformsWgsl } from './linear_launch';

export function linearLocalScoresWgsl(): string {
  return `
@group(0) @binding(0) var<storage, read> Q: array<f32>;
@group(0) @binding(1) var<storage, read> K: array<f32>;
@group(0) @binding(2) var<storage, read_write> A: array<f32>;
${linearUniformsWgsl(3)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let x = flat(gid, nw);
  if (x >= u.units * u.G * u.Tq * u.C) { return; }
  let t = x % u.C;
  let r = x / u.C;
  let ul = r / (u.G * u.Tq);
  let p = i32(r % u.Tq) + u.shift;
  var a = 0.0;
  if (p >= 0) {
    let j = (u32(p) / u.C) * u.C + t;
    if (i32(j) <= p) {
      let kv = ul * u.Tk + j;
      for (var f = 0u; f < u.F; f++) { a += Q[u.o0 + r * u.F + f] * K[u.o1 + kv * u.F + f]; }
    }
  }
  A[u.o2 + r * u.C + t] = a;
}`;
}
