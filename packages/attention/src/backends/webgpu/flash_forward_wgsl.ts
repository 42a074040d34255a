/**
 * FlashAttention-2 forward in WGSL (Dao 2023, Algorithm 1): one workgroup per
 * (query tile of BR rows, head); one thread per query row keeps q, the output
 * accumulator and the online-softmax state (m, l) in registers while the
 * workgroup streams key/value tiles of BC rows through shared memory.
 * Writes out [B, H, Tq, Dv] and lse [B, H, Tq] (-Infinity for a row that sees no key).
 *
 * Bindings: 0 q, 1 k, 2 v, 3 out, 4 lse, 5 aux, 6 uniforms. Offsets o0..o4 are
 * the chunk's element offsets of q, k, v, out, lse.
 */
import { enableSubgroups, flashCommonWgsl, FlashFlags, NEG, padDim, realDim } from './flash_wgsl';

export const FWD_BR = 64;

export function flashForwardWgsl(f: FlashFlags, rD: number, rDV: number, BC: number): string {
  const [D, DV, RD, RDV] = [padDim(rD), padDim(rDV), realDim(rD, 'u.rd'), realDim(rDV, 'u.rdv')];
  return `${enableSubgroups(false)}
@group(0) @binding(0) var<storage, read> Q: array<f32>;
@group(0) @binding(1) var<storage, read> K: array<f32>;
@group(0) @binding(2) var<storage, read> V: array<f32>;
@group(0) @binding(3) var<storage, read_write> OUT: array<f32>;
@group(0) @binding(4) var<storage, read_write> LSE: array<f32>;
@group(0) @binding(6) var<uniform> u: U;
${flashCommonWgsl(f, 5)}
const BR = ${FWD_BR}u;
const BC = ${BC}u;
const D = ${D}u;
const DV = ${DV}u;
var<workgroup> Ks: array<f32, ${BC * D}>;
var<workgroup> Vs: array<f32, ${BC * DV}>;

@compute @workgroup_size(${FWD_BR})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  _ = arrayLength(&AUX);
  let ul = wg.y;                       // unit (b, h) within this chunk
  let bh = u.unit0 + ul;
  let b = bh / u.H;
  let h = bh % u.H;
  let kvl = bh / u.G - u.unit0 / u.G;  // kv unit within the chunk's k/v windows
  let i0 = i32(wg.x * BR);
  let i1 = min(i0 + i32(BR), i32(u.Tq));
  let i = i0 + i32(lid);
  let valid = i < i32(u.Tq);
  let row = ul * u.Tq + u32(max(i, 0));
  var q: array<f32, D>;
  var acc: array<f32, DV>;
  if (valid) {
    for (var d = 0u; d < D; d++) { q[d] = select(0.0, Q[u.o0 + row * ${RD} + d], d < ${RD}); }
  }
  var m = ${NEG};
  var l = 0.0;
  var bad = false;
  let kr = keyRange(i0, i1);
  let kBase = u.o1 + kvl * u.Tk * ${RD};
  let vBase = u.o2 + kvl * u.Tk * ${RDV};
  for (var t0 = kr.x; t0 < kr.y; t0 += i32(BC)) {
    workgroupBarrier();
    for (var x = lid; x < BC * D; x += BR) {
      let j = t0 + i32(x / D);
      Ks[x] = select(0.0, K[kBase + u32(j) * ${RD} + x % D], j < kr.y && x % D < ${RD});
    }
    for (var x = lid; x < BC * DV; x += BR) {
      let j = t0 + i32(x / DV);
      Vs[x] = select(0.0, V[vBase + u32(j) * ${RDV} + x % DV], j < kr.y && x % DV < ${RDV});
    }
    workgroupBarrier();
    if (valid) {
      // Online softmax one key at a time: the accumulator is rescaled only
      // when the running max grows (rare after the first keys).
      let jn = min(i32(BC), kr.y - t0);
      for (var jj = 0; jj < jn; jj++) {
        let j = t0 + jj;
        if (allowed(b, i, j)) {
          var dot = 0.0;
          for (var d = 0u; d < D; d++) { dot += q[d] * Ks[u32(jj) * D + d]; }
          let sc = score(u.scale * dot, h, i, j).x;
          bad = bad || (sc != sc);
          if (sc > m) {
            let corr = exp(m - sc);
            l = l * corr;
            for (var d = 0u; d < DV; d++) { acc[d] = acc[d] * corr; }
            m = sc;
          }
          let p = exp(sc - m);
          l += p;
          for (var d = 0u; d < DV; d++) { acc[d] += p * Vs[u32(jj) * DV + d]; }
        }
      }
    }
  }
  if (valid) {
    let inv = select(0.0, 1.0 / l, l > 0.0);
    for (var d = 0u; d < ${RDV}; d++) { OUT[u.o3 + row * ${RDV} + d] = select(acc[d] * inv, u.nan, bad); }
    LSE[u.o4 + row] = select(select(u.negInf, m + log(l), l > 0.0), u.nan, bad);
  }
}`;
}
