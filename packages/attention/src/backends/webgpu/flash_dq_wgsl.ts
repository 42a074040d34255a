/**
 * FlashAttention-2 backward, dQ (Dao 2023, Algorithm 2, the query-side loop):
 * one thread per query row keeps q, dO and the dq accumulator in registers and
 * streams key/value tiles through workgroup memory, recomputing
 * p_ij = exp(s_ij - lse_i) from the forward's lse:
 *   ds_ij = p_ij (dO_i . v_j - delta_i) * ds/draw,   dq_i = scale * sum_j ds_ij k_j.
 * Bindings: 0 q, 1 k, 2 v, 3 dy, 4 stats, 5 dq (rw), 6 aux, 7 uniforms.
 * Offsets: o0 q, o1 k, o2 v, o3 dy, o4 stats, o5 dq.
 */
import { FlashFlags, loadVec4, padDim, realDim, storeVec4 } from './flash_wgsl';
import { bindingsWgsl, dsWgsl, kvBasesWgsl, queryTileRowWgsl, queryUnitWgsl, recomputePWgsl, vec4KvTileDeclsWgsl, vec4KvTileLoadsWgsl } from './wgsl_snippets';

export const DQ_BR = 64;

export function flashDqWgsl(f: FlashFlags, rD: number, rDV: number, BC: number): string {
  const [D, DV, RD, RDV] = [padDim(rD), padDim(rDV), realDim(rD, 'u.rd'), realDim(rDV, 'u.rdv')];
  const [D4, DV4] = [D / 4, DV / 4];
  return `
${bindingsWgsl(f, ['Q', 'K', 'V', 'DY', 'ST'], ['DQ'])}
${vec4KvTileDeclsWgsl(DQ_BR, BC, D4, DV4)}

@compute @workgroup_size(${DQ_BR})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  _ = arrayLength(&AUX);
  ${queryUnitWgsl}
  ${queryTileRowWgsl}
  var q: array<vec4<f32>, D4>;
  var dO: array<vec4<f32>, DV4>;
  var dq: array<vec4<f32>, D4>;
  for (var d = 0u; d < D4; d++) { q[d] = ${loadVec4('Q', 'u.o0', 'row', RD, 'd', 'valid')}; }
  for (var d = 0u; d < DV4; d++) { dO[d] = ${loadVec4('DY', 'u.o3', 'row', RDV, 'd', 'valid')}; }
  var lse = 0.0;
  var delta = 0.0;
  if (valid) {
    lse = ST[u.o4 + 2u * row];
    delta = ST[u.o4 + 2u * row + 1u];
  }
  let kr = keyRange(i0, i1);
  ${kvBasesWgsl(RD, RDV)}
  for (var t0 = kr.x; t0 < kr.y; t0 += i32(BC)) {
    workgroupBarrier();
    ${vec4KvTileLoadsWgsl(RD, RDV)}
    workgroupBarrier();
    if (valid) {
      let jn = min(i32(BC), kr.y - t0);
      for (var jj = 0; jj < jn; jj++) {
        let j = t0 + jj;
        if (allowed(b, i, j)) {
          let kt = u32(jj) * D4;
          let vt = u32(jj) * DV4;
          var s4 = vec4<f32>(0.0);
          for (var d = 0u; d < D4; d++) { s4 += q[d] * Ks[kt + d]; }
          ${recomputePWgsl('(s4.x + s4.y + s4.z + s4.w)', 'lse', '          ')}
          var p4 = vec4<f32>(0.0);
          for (var d = 0u; d < DV4; d++) { p4 += dO[d] * Vs[vt + d]; }
          ${dsWgsl('p4.x + p4.y + p4.z + p4.w', 'delta')}
          for (var d = 0u; d < D4; d++) { dq[d] += ds * Ks[kt + d]; }
        }
      }
    }
  }
  if (valid) {
    ${storeVec4('DQ', 'u.o5', 'row', RD, 'dq', ' * u.scale')}
  }
}`;
}
