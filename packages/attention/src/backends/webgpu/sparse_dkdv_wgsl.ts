/**
 * Block-sparse backward, dK and dV: one workgroup per (64 keys of a key block,
 * kv head), one thread per key with k, v, dk, dv in registers, walking the
 * mask's transpose (the query blocks that visit this key block) for each of the
 * G query heads of the kv head, query tiles of BQ rows in workgroup memory:
 *   dv_j += p_ij dO_i,   dk_j += scale * ds_ij q_i.
 * Bindings: 0 q, 1 k, 2 v, 3 dy, 4 stats, 5 dk (rw), 6 dv (rw), 7 aux (slopes | mask), 8 uniforms.
 */
import { FlashFlags, padDim, realDim } from './flash_wgsl';
import { bindingsWgsl, clampedRow, dsWgsl, keyUnitWgsl, recomputePWgsl } from './wgsl_snippets';
import { ROWS, SPARSE_MASK_WGSL } from './sparse_wgsl';

export function sparseDkdvWgsl(f: FlashFlags, rD: number, rDV: number, BQ: number): string {
  const [D, DV, RD, RDV] = [padDim(rD), padDim(rDV), realDim(rD, 'u.rd'), realDim(rDV, 'u.rdv')];
  return `
${bindingsWgsl(f, ['Q', 'K', 'V', 'DY', 'ST'], ['DK', 'DVO'])}
${SPARSE_MASK_WGSL}
const BQ = ${BQ}u;
const D = ${D}u;
const DV = ${DV}u;
var<workgroup> Qs: array<f32, ${BQ * D}>;
var<workgroup> Os: array<f32, ${BQ * DV}>;
var<workgroup> Ss: array<f32, ${BQ * 2}>;

@compute @workgroup_size(${ROWS})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  _ = arrayLength(&AUX);
  let bs = mk(0u);
  let per = (bs + ${ROWS - 1}u) / ${ROWS}u;
  let kb = wg.x / per;
  ${keyUnitWgsl}
  let lj = (wg.x % per) * ${ROWS}u + lid;
  let j = i32(kb * bs + lj);
  let valid = lj < bs && j < i32(u.Tk);
  let krow = ${clampedRow('kl', 'u.Tk', 'j')};
  var k: array<f32, D>;
  var v: array<f32, DV>;
  var dk: array<f32, D>;
  var dv: array<f32, DV>;
  if (valid) {
    for (var d = 0u; d < D; d++) { k[d] = select(0.0, K[u.o1 + krow * ${RD} + d], d < ${RD}); }
    for (var d = 0u; d < DV; d++) { v[d] = select(0.0, V[u.o2 + krow * ${RDV} + d], d < ${RDV}); }
  }
  for (var g = 0u; g < u.G; g++) {
    let h = kvh * u.G + g;
    let ql = kl * u.G + g;
    let c = layoutSet(b, h) * mk(2u) + kb;
    for (var s = mk(mk(8u) + c); s < mk(mk(8u) + c + 1u); s++) {
      let qb = mk(mk(9u) + s);
      let bo = mk(mk(7u) + mk(mk(10u) + s));
      let i0 = i32(qb * bs);
      let i1 = min(i0 + i32(bs), i32(u.Tq));
      for (var t0 = i0; t0 < i1; t0 += i32(BQ)) {
        workgroupBarrier();
        for (var x = lid; x < BQ * D; x += ${ROWS}u) {
          let i = t0 + i32(x / D);
          Qs[x] = select(0.0, Q[u.o0 + (ql * u.Tq + u32(i)) * ${RD} + x % D], i < i1 && x % D < ${RD});
        }
        for (var x = lid; x < BQ * DV; x += ${ROWS}u) {
          let i = t0 + i32(x / DV);
          Os[x] = select(0.0, DY[u.o3 + (ql * u.Tq + u32(i)) * ${RDV} + x % DV], i < i1 && x % DV < ${RDV});
        }
        for (var x = lid; x < BQ * 2u; x += ${ROWS}u) {
          let i = t0 + i32(x / 2u);
          Ss[x] = select(0.0, ST[u.o4 + 2u * (ql * u.Tq + u32(i)) + x % 2u], i < i1);
        }
        workgroupBarrier();
        if (valid) {
          let n = min(i32(BQ), i1 - t0);
          for (var ii = 0; ii < n; ii++) {
            let i = t0 + ii;
            if (visible(bo, u32(i - i0), lj)) {
              var dot = 0.0;
              for (var d = 0u; d < D; d++) { dot += Qs[u32(ii) * D + d] * k[d]; }
              ${recomputePWgsl('dot', 'Ss[2u * u32(ii)]', '              ')}
              var dp = 0.0;
              for (var d = 0u; d < DV; d++) {
                let o = Os[u32(ii) * DV + d];
                dp += o * v[d];
                dv[d] += p * o;
              }
              ${dsWgsl('dp', 'Ss[2u * u32(ii) + 1u]')}
              for (var d = 0u; d < D; d++) { dk[d] += ds * Qs[u32(ii) * D + d]; }
            }
          }
        }
      }
    }
  }
  if (valid) {
    for (var d = 0u; d < ${RD}; d++) { DK[u.o5 + krow * ${RD} + d] = dk[d] * u.scale; }
    for (var d = 0u; d < ${RDV}; d++) { DVO[u.o6 + krow * ${RDV} + d] = dv[d]; }
  }
}`;
}
