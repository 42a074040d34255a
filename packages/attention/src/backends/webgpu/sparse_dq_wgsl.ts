/**
 * Block-sparse backward, dQ: the forward's walk over a query block's key
 * blocks, recomputing p_ij = exp(s_ij - lse_i) (FlashAttention-2, Algorithm 2):
 *   ds_ij = p_ij (dO_i . v_j - delta_i) ds/draw,   dq_i = scale * sum_j ds_ij k_j.
 * Bindings: 0 q, 1 k, 2 v, 3 dy, 4 stats, 5 dq (rw), 6 aux (slopes | mask), 7 uniforms.
 */
import { FlashFlags, padDim, realDim } from './flash_wgsl';
import { bindingsWgsl, dsWgsl, recomputePWgsl } from './wgsl_snippets';
import { kvTileDeclsWgsl, queryBlockRowWgsl, ROWS, SPARSE_MASK_WGSL, visibleKeysWgsl } from './sparse_wgsl';

export function sparseDqWgsl(f: FlashFlags, rD: number, rDV: number, BC: number): string {
  const [D, DV, RD, RDV] = [padDim(rD), padDim(rDV), realDim(rD, 'u.rd'), realDim(rDV, 'u.rdv')];
  return `
${bindingsWgsl(f, ['Q', 'K', 'V', 'DY', 'ST'], ['DQ'])}
${SPARSE_MASK_WGSL}
${kvTileDeclsWgsl(BC, D, DV)}

@compute @workgroup_size(${ROWS})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  _ = arrayLength(&AUX);
  ${queryBlockRowWgsl}
  var q: array<f32, D>;
  var dO: array<f32, DV>;
  var dq: array<f32, D>;
  var lse = 0.0;
  var delta = 0.0;
  if (valid) {
    for (var d = 0u; d < D; d++) { q[d] = select(0.0, Q[u.o0 + row * ${RD} + d], d < ${RD}); }
    for (var d = 0u; d < DV; d++) { dO[d] = select(0.0, DY[u.o3 + row * ${RDV} + d], d < ${RDV}); }
    lse = ST[u.o4 + 2u * row];
    delta = ST[u.o4 + 2u * row + 1u];
  }
  ${visibleKeysWgsl(RD, RDV, `${recomputePWgsl('dot', 'lse', '            ')}
            var dp = 0.0;
            for (var d = 0u; d < DV; d++) { dp += dO[d] * Vs[u32(jj) * DV + d]; }
            ${dsWgsl('dp', 'delta')}
            for (var d = 0u; d < D; d++) { dq[d] += ds * Ks[u32(jj) * D + d]; }`)}
  if (valid) {
    for (var d = 0u; d < ${RD}; d++) { DQ[u.o5 + row * ${RD} + d] = dq[d] * u.scale; }
  }
}`;
}
