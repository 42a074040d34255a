/**
 * Block-sparse forward (FlashAttention-2 over a BlockMask's blocks): one
 * workgroup per (64 rows of a query block, head), one thread per row with q,
 * the accumulator and (m, l) in registers; the visited key blocks stream
 * through workgroup memory in tiles of BC keys.
 * Bindings: 0 q, 1 k, 2 v, 3 out, 4 lse, 5 aux (alibi slopes | mask), 6 uniforms.
 */
import { FlashFlags, NEG, padDim, realDim } from './flash_wgsl';
import { bindingsWgsl, forwardEpilogueWgsl } from './wgsl_snippets';
import { kvTileDeclsWgsl, queryBlockRowWgsl, ROWS, SPARSE_MASK_WGSL, visibleKeysWgsl } from './sparse_wgsl';

export function sparseForwardWgsl(f: FlashFlags, rD: number, rDV: number, BC: number): string {
  const [D, DV, RD, RDV] = [padDim(rD), padDim(rDV), realDim(rD, 'u.rd'), realDim(rDV, 'u.rdv')];
  return `
${bindingsWgsl(f, ['Q', 'K', 'V'], ['OUT', 'LSE'])}
${SPARSE_MASK_WGSL}
${kvTileDeclsWgsl(BC, D, DV)}

@compute @workgroup_size(${ROWS})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  _ = arrayLength(&AUX);
  ${queryBlockRowWgsl}
  var q: array<f32, D>;
  var acc: array<f32, DV>;
  if (valid) {
    for (var d = 0u; d < D; d++) { q[d] = select(0.0, Q[u.o0 + row * ${RD} + d], d < ${RD}); }
  }
  var m = ${NEG};
  var l = 0.0;
  var bad = false;
  ${visibleKeysWgsl(RD, RDV, `let sc = score(u.scale * dot, h, i, j).x;
            bad = bad || isNan(sc);
            if (sc > m) {
              let corr = exp(m - sc);
              l = l * corr;
              for (var d = 0u; d < DV; d++) { acc[d] = acc[d] * corr; }
              m = sc;
            }
            let p = exp(sc - m);
            l += p;
            for (var d = 0u; d < DV; d++) { acc[d] += p * Vs[u32(jj) * DV + d]; }`)}
  ${forwardEpilogueWgsl(RDV, 'acc[d]')}
}`;
}
