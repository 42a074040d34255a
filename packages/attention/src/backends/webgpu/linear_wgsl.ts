/**
 * WGSL of linear attention's outputs and gradients (math: linear/linear_dims.ts,
 * linear_forward_impl.ts, linear_backward_impl.ts), reading the chunk states of
 * linear_state_wgsl.ts. Causal rows read the state of the keys before their
 * chunk and add their own chunk's keys j <= i + Tk - Tq directly (the
 * quadratic form, at most chunkSize keys); non-causal rows read the total.
 * With ghat_i = [dy_i / den_i, -(dy_i . out_i) / den_i] and vhat_j = [v_j, 1]:
 *   dq_i = S ghat_i,   dk_j = R vhat_j,   dv_j = (R^T k_j)[:Dv]
 * where S sums k_j vhat_j^T over the keys row i sees and R sums q_i ghat_i^T
 * over the rows that see key j (all G query heads of the kv head).
 */
import { linearUniformsWgsl } from './linear_launch';

const MAIN = '@compute @workgroup_size(64)\nfn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>)';

/** Row r (within the chunk's G * Tq rows per kv unit): its state slot and chunk, or none (causal row before key 0). */
const ROW_STATE = `
fn rowSlot(i: u32) -> vec2<i32> {
  if (u.causal == 0u) { return vec2<i32>(i32(u.nC), -1); }
  let p = i32(i) + u.shift;
  if (p < 0) { return vec2<i32>(-1, -1); }
  return vec2<i32>(p / i32(u.C), p);
}`;

/**
 * Forward. Bindings: 0 Q, 1 A (causal: the in-chunk scores of linear_local_wgsl.ts; else unused),
 * 2 V, 3 P, 4 OUT (rw), 5 DEN (rw). Threads per kv unit: G * Tq * Dv.
 */
export function linearReadWgsl(): string {
  return `
@group(0) @binding(0) var<storage, read> Q: array<f32>;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> V: array<f32>;
@group(0) @binding(3) var<storage, read> P: array<f32>;
@group(0) @binding(4) var<storage, read_write> OUT: array<f32>;
@group(0) @binding(5) var<storage, read_write> DEN: array<f32>;
${linearUniformsWgsl(6)}
${ROW_STATE}
${MAIN} {
  let w = W();
  let x = flat(gid, nw);
  if (x >= u.units * u.G * u.Tq * u.Dv) { return; }
  let e = x % u.Dv;
  let r = x / u.Dv;
  let ul = r / (u.G * u.Tq);
  let st = rowSlot(r % u.Tq);
  var num = 0.0;
  var den = 0.0;
  if (st.x >= 0) {
    let qo = u.o0 + r * u.F;
    let sb = u.o3 + (ul * (u.nC + 1u) + u32(st.x)) * u.F * w;
    for (var f = 0u; f < u.F; f++) {
      let qf = Q[qo + f];
      num += qf * P[sb + f * w + e];
      den += qf * P[sb + f * w + u.Dv];
    }
    let c0 = u32(st.x) * u.C;
    for (var j = c0; i32(j) <= st.y; j++) {
      let a = A[u.o1 + r * u.C + j - c0];
      num += a * V[u.o2 + (ul * u.Tk + j) * u.Dv + e];
      den += a;
    }
  }
  den += u.eps;
  OUT[u.o4 + r * u.Dv + e] = num / den;
  if (e == 0u) { DEN[u.o5 + r] = den; }
}`;
}

/** Backward pre-pass. Bindings: 0 DY, 1 OUT, 2 DEN, 3 GH (rw). Threads per kv unit: G * Tq. */
export function linearGhatWgsl(): string {
  return `
@group(0) @binding(0) var<storage, read> DY: array<f32>;
@group(0) @binding(1) var<storage, read> OUT: array<f32>;
@group(0) @binding(2) var<storage, read> DEN: array<f32>;
@group(0) @binding(3) var<storage, read_write> GH: array<f32>;
${linearUniformsWgsl(4)}
${MAIN} {
  let w = W();
  let r = flat(gid, nw);
  if (r >= u.units * u.G * u.Tq) { return; }
  let inv = 1.0 / DEN[u.o2 + r];
  var s = 0.0;
  for (var e = 0u; e < u.Dv; e++) {
    let d = DY[u.o0 + r * u.Dv + e];
    GH[u.o3 + r * w + e] = d * inv;
    s += d * OUT[u.o1 + r * u.Dv + e];
  }
  GH[u.o3 + r * w + u.Dv] = -s * inv;
}`;
}

/** Bindings: 0 K, 1 V, 2 P, 3 GH, 4 DQ (rw). Threads per kv unit: G * Tq * F. */
export function linearDqWgsl(): string {
  return `
@group(0) @binding(0) var<storage, read> K: array<f32>;
@group(0) @binding(1) var<storage, read> V: array<f32>;
@group(0) @binding(2) var<storage, read> P: array<f32>;
@group(0) @binding(3) var<storage, read> GH: array<f32>;
@group(0) @binding(4) var<storage, read_write> DQ: array<f32>;
${linearUniformsWgsl(5)}
${ROW_STATE}
${MAIN} {
  let w = W();
  let x = flat(gid, nw);
  if (x >= u.units * u.G * u.Tq * u.F) { return; }
  let f = x % u.F;
  let r = x / u.F;
  let ul = r / (u.G * u.Tq);
  let st = rowSlot(r % u.Tq);
  var acc = 0.0;
  if (st.x >= 0) {
    let go = u.o3 + r * w;
    let sb = u.o2 + (ul * (u.nC + 1u) + u32(st.x)) * u.F * w + f * w;
    for (var e = 0u; e < w; e++) { acc += P[sb + e] * GH[go + e]; }
    for (var j = u32(st.x) * u.C; i32(j) <= st.y; j++) {
      let kv = ul * u.Tk + j;
      var t = GH[go + u.Dv];
      for (var e = 0u; e < u.Dv; e++) { t += V[u.o1 + kv * u.Dv + e] * GH[go + e]; }
      acc += t * K[u.o0 + kv * u.F + f];
    }
  }
  DQ[u.o4 + r * u.F + f] = acc;
}`;
}

/** Bindings: 0 Q, 1 K, 2 V, 3 GH, 4 R, 5 DK (rw), 6 DV (rw). Threads per kv unit: Tk * (F + Dv). */
export function linearDkdvWgsl(): string {
  return `
@group(0) @binding(0) var<storage, read> Q: array<f32>;
@group(0) @binding(1) var<storage, read> K: array<f32>;
@group(0) @binding(2) var<storage, read> V: array<f32>;
@group(0) @binding(3) var<storage, read> GH: array<f32>;
@group(0) @binding(4) var<storage, read> R: array<f32>;
@group(0) @binding(5) var<storage, read_write> DK: array<f32>;
@group(0) @binding(6) var<storage, read_write> DVO: array<f32>;
${linearUniformsWgsl(7)}
${MAIN} {
  let w = W();
  let nx = u.F + u.Dv;
  let x = flat(gid, nw);
  if (x >= u.units * u.Tk * nx) { return; }
  let t = x % nx;
  let kv = x / nx;                 // ul * Tk + j
  let j = kv % u.Tk;
  let ul = kv / u.Tk;
  let c = j / u.C;
  // Rows of later chunks (causal) or all rows: the suffix state; this chunk's rows with i + shift >= j directly.
  let slot = select(0u, c + 1u, u.causal != 0u);
  let rb = u.o4 + (ul * (u.nCq + 1u) + slot) * u.F * w;
  var lo = 0;
  var hi = 0;
  if (u.causal != 0u) {
    lo = max(0, i32(j) - u.shift);
    hi = min(i32(u.Tq), i32((c + 1u) * u.C) - u.shift);
  }
  var acc = 0.0;
  if (t < u.F) {
    let f = t;
    acc = R[rb + f * w + u.Dv];
    for (var e = 0u; e < u.Dv; e++) { acc += R[rb + f * w + e] * V[u.o2 + kv * u.Dv + e]; }
    for (var g = 0u; g < u.G; g++) {
      for (var i = lo; i < hi; i++) {
        let r = (ul * u.G + g) * u.Tq + u32(i);
        var s = GH[u.o3 + r * w + u.Dv];
        for (var e = 0u; e < u.Dv; e++) { s += V[u.o2 + kv * u.Dv + e] * GH[u.o3 + r * w + e]; }
        acc += s * Q[u.o0 + r * u.F + f];
      }
    }
    DK[u.o5 + kv * u.F + f] = acc;
  } else {
    let e = t - u.F;
    for (var f = 0u; f < u.F; f++) { acc += K[u.o1 + kv * u.F + f] * R[rb + f * w + e]; }
    for (var g = 0u; g < u.G; g++) {
      for (var i = lo; i < hi; i++) {
        let r = (ul * u.G + g) * u.Tq + u32(i);
        var a = 0.0;
        for (var f = 0u; f < u.F; f++) { a += Q[u.o0 + r * u.F + f] * K[u.o1 + kv * u.F + f]; }
        acc += a * GH[u.o3 + r * w + e];
      }
    }
    DVO[u.o6 + kv * u.Dv + e] = acc;
  }
}`;
}
