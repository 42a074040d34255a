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
import { enableSubgroups, FlashFlags, loadVec4, NEG, padDim, realDim } from './flash_wgsl';
import { bindingsWgsl, forwardEpilogueWgsl, kvBasesWgsl, queryTileRowWgsl, queryUnitWgsl, vec4KvTileDeclsWgsl, vec4KvTileLoadsWgsl } from './wgsl_snippets';

export const FWD_BR = 64;
/** Keys per online-softmax step (the key tile is a multiple of it). */
export const KEYS = 4;

export function flashForwardWgsl(f: FlashFlags, rD: number, rDV: number, BC: number): string {
  const [D, DV, RD, RDV] = [padDim(rD), padDim(rDV), realDim(rD, 'u.rd'), realDim(rDV, 'u.rdv')];
  if (BC % KEYS !== 0) throw new Error(`flashForwardWgsl: key tile ${BC} is not a multiple of ${KEYS}`);
  const [D4, DV4] = [D / 4, DV / 4];
  return `${enableSubgroups(false)}
${bindingsWgsl(f, ['Q', 'K', 'V'], ['OUT', 'LSE'])}
${vec4KvTileDeclsWgsl(FWD_BR, BC, D4, DV4)}

@compute @workgroup_size(${FWD_BR})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  _ = arrayLength(&AUX);
  ${queryUnitWgsl}
  ${queryTileRowWgsl}
  var q: array<vec4<f32>, D4>;
  var acc: array<vec4<f32>, DV4>;
  for (var d = 0u; d < D4; d++) { q[d] = ${loadVec4('Q', 'u.o0', 'row', RD, 'd', 'valid')}; }
  var m = ${NEG};
  var l = 0.0;
  var bad = false;
  let kr = keyRange(i0, i1);
  ${kvBasesWgsl(RD, RDV)}
  for (var t0 = kr.x; t0 < kr.y; t0 += i32(BC)) {
    workgroupBarrier();
    ${vec4KvTileLoadsWgsl(RD, RDV)}
    workgroupBarrier();
    if (valid) {
      // ${KEYS} keys at a time: their scores, one running-max update, then the
      // accumulator. vec4 tiles: one 16-byte workgroup load feeds 4 FMAs.
      let jn = min(i32(BC), kr.y - t0);
      for (var jj = 0; jj < jn; jj += ${KEYS}) {
        var s: array<f32, ${KEYS}>;
        var mx = m;
        for (var c = 0; c < ${KEYS}; c++) {
          let j = t0 + jj + c;
          s[c] = ${NEG};
          if (jj + c < jn && allowed(b, i, j)) {
            let kt = u32(jj + c) * D4;
            var dv = vec4<f32>(0.0);
            for (var d = 0u; d < D4; d++) { dv += q[d] * Ks[kt + d]; }
            let sc = score(u.scale * (dv.x + dv.y + dv.z + dv.w), h, i, j).x;
            bad = bad || isNan(sc);
            s[c] = max(sc, ${NEG});
            mx = max(mx, s[c]);
          }
        }
        if (mx > m) {
          let corr = exp(m - mx);
          l = l * corr;
          for (var d = 0u; d < DV4; d++) { acc[d] = acc[d] * corr; }
          m = mx;
        }
        var p: array<f32, ${KEYS}>;
        for (var c = 0; c < ${KEYS}; c++) {
          p[c] = select(0.0, exp(s[c] - m), s[c] > ${NEG});
          l += p[c];
        }
        let vt = u32(jj) * DV4;
        for (var d = 0u; d < DV4; d++) {
          acc[d] += ${Array.from({ length: 4 }, (_, c) => `p[${c}] * Vs[vt + ${c}u * DV4 + d]`).join(' + ')};
        }
      }
    }
  }
  ${forwardEpilogueWgsl(RDV, 'acc[d / 4u][d % 4u]')}
}`;
}
