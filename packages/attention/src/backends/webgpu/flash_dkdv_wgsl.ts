/**
 * FlashAttention-2 backward, dK and dV (Dao 2023, Algorithm 2, the key-side
 * loop): one workgroup per (key tile, kv head); one thread per key keeps k, v
 * and the dk/dv accumulators in registers and streams the query tiles of all
 * G query heads sharing this kv head (GQA) through workgroup memory:
 *   dv_j += p_ij dO_i,   dk_j += scale * ds_ij q_i.
 * Bindings: 0 q, 1 k, 2 v, 3 dy, 4 stats, 5 dk (rw), 6 dv (rw), 7 aux, 8 uniforms.
 * Offsets: o0 q, o1 k, o2 v, o3 dy, o4 stats, o5 dk, o6 dv. Units are (b, kv head).
 */
import { FlashFlags, loadVec4, padDim, realDim, storeVec4 } from './flash_wgsl';
import { bindingsWgsl, clampedRow, dsWgsl, keyUnitWgsl, recomputePWgsl } from './wgsl_snippets';

export const DKV_BK = 64;

export function flashDkdvWgsl(f: FlashFlags, rD: number, rDV: number, BQ: number): string {
  const [D, DV, RD, RDV] = [padDim(rD), padDim(rDV), realDim(rD, 'u.rd'), realDim(rDV, 'u.rdv')];
  const [D4, DV4] = [D / 4, DV / 4];
  return `
${bindingsWgsl(f, ['Q', 'K', 'V', 'DY', 'ST'], ['DK', 'DVO'])}
const BK = ${DKV_BK}u;
const BQ = ${BQ}u;
const D4 = ${D4}u;
const DV4 = ${DV4}u;
var<workgroup> Qs: array<vec4<f32>, ${BQ * D4}>;
var<workgroup> Os: array<vec4<f32>, ${BQ * DV4}>;
var<workgroup> Ss: array<f32, ${BQ * 2}>;

@compute @workgroup_size(${DKV_BK})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  _ = arrayLength(&AUX);
  ${keyUnitWgsl}
  let j0 = i32(wg.x * BK);
  let j1 = min(j0 + i32(BK), i32(u.Tk));
  let j = j0 + i32(lid);
  let valid = j < i32(u.Tk);
  let krow = ${clampedRow('kl', 'u.Tk', 'j')};
  var k: array<vec4<f32>, D4>;
  var v: array<vec4<f32>, DV4>;
  var dk: array<vec4<f32>, D4>;
  var dv: array<vec4<f32>, DV4>;
  for (var d = 0u; d < D4; d++) { k[d] = ${loadVec4('K', 'u.o1', 'krow', RD, 'd', 'valid')}; }
  for (var d = 0u; d < DV4; d++) { v[d] = ${loadVec4('V', 'u.o2', 'krow', RDV, 'd', 'valid')}; }
  let qr = queryRange(j0, j1);
  for (var g = 0u; g < u.G; g++) {
    let h = kvh * u.G + g;
    let ql = kl * u.G + g;       // query unit within the chunk's q/dy/stats windows
    for (var t0 = qr.x; t0 < qr.y; t0 += i32(BQ)) {
      workgroupBarrier();
      for (var x = lid; x < BQ * D4; x += BK) {
        let i = t0 + i32(x / D4);
        Qs[x] = ${loadVec4('Q', 'u.o0', 'ql * u.Tq + u32(i)', RD, 'x % D4', 'i < qr.y')};
      }
      for (var x = lid; x < BQ * DV4; x += BK) {
        let i = t0 + i32(x / DV4);
        Os[x] = ${loadVec4('DY', 'u.o3', 'ql * u.Tq + u32(i)', RDV, 'x % DV4', 'i < qr.y')};
      }
      for (var x = lid; x < BQ * 2u; x += BK) {
        let i = t0 + i32(x / 2u);
        Ss[x] = select(0.0, ST[u.o4 + 2u * (ql * u.Tq + u32(i)) + x % 2u], i < qr.y);
      }
      workgroupBarrier();
      if (valid) {
        let n = min(i32(BQ), qr.y - t0);
        for (var ii = 0; ii < n; ii++) {
          let i = t0 + ii;
          if (allowed(b, i, j)) {
            let qt = u32(ii) * D4;
            let ot = u32(ii) * DV4;
            var s4 = vec4<f32>(0.0);
            for (var d = 0u; d < D4; d++) { s4 += Qs[qt + d] * k[d]; }
            ${recomputePWgsl('(s4.x + s4.y + s4.z + s4.w)', 'Ss[2u * u32(ii)]', '            ')}
            var p4 = vec4<f32>(0.0);
            for (var d = 0u; d < DV4; d++) {
              let o = Os[ot + d];
              p4 += o * v[d];
              dv[d] += p * o;
            }
            ${dsWgsl('p4.x + p4.y + p4.z + p4.w', 'Ss[2u * u32(ii) + 1u]')}
            for (var d = 0u; d < D4; d++) { dk[d] += ds * Qs[qt + d]; }
          }
        }
      }
    }
  }
  if (valid) {
    ${storeVec4('DK', 'u.o5', 'krow', RD, 'dk', ' * u.scale')}
    ${storeVec4('DVO', 'u.o6', 'krow', RDV, 'dv')}
  }
}`;
}
