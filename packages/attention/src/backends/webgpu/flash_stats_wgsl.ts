/**
 * Backward pre-pass: per query row, stats = (lse_i, delta_i) with
 * delta_i = dO_i . O_i - dLse_i (FlashAttention-2's D_i; the dLse term makes
 * the lse output differentiable: d lse_i / d s_ij = p_ij).
 *
 * With `subgroups`, the lanes of a subgroup share each row's Dv-long dot product
 * (consecutive lanes read consecutive floats: coalesced) and reduce it with
 * subgroupAdd; without, one thread walks its own row. Same result either way.
 *
 * Bindings: 0 out, 1 dy, 2 lse, 3 dLse, 4 stats (rw, vec2 per row), 5 aux (unused), 6 uniforms.
 * Offsets: o0 out, o1 dy, o2 lse, o3 dLse, o4 stats (in f32 elements).
 */
import { enableSubgroups, flashCommonWgsl, FlashFlags, realDim } from './flash_wgsl';

export const STATS_ROWS = 64;

export function flashStatsWgsl(f: FlashFlags, rDV: number, hasDLse: boolean, subgroups: boolean): string {
  // Only global reads here: the real Dv (a literal for 64/128, else the uniform) keeps one pipeline for all small sizes.
  const DV = realDim(rDV, 'u.rdv');
  const head = `${enableSubgroups(subgroups)}
@group(0) @binding(0) var<storage, read> OUT: array<f32>;
@group(0) @binding(1) var<storage, read> DY: array<f32>;
@group(0) @binding(2) var<storage, read> LSE: array<f32>;
@group(0) @binding(3) var<storage, read> DLSE: array<f32>;
@group(0) @binding(4) var<storage, read_write> ST: array<f32>;
@group(0) @binding(6) var<uniform> u: U;
${flashCommonWgsl(f, 5)}
fn finish(ul: u32, i: u32, dot: f32) {
  let r = ul * u.Tq + i;
  ST[u.o4 + 2u * r] = LSE[u.o2 + r];
  ST[u.o4 + 2u * r + 1u] = dot${hasDLse ? ' - DLSE[u.o3 + r]' : ''};
}`;
  const touch = `_ = arrayLength(&AUX); _ = arrayLength(&DLSE);`;
  if (!subgroups) {
    return `${head}
@compute @workgroup_size(${STATS_ROWS})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  ${touch}
  let ul = wg.y;
  let i = wg.x * ${STATS_ROWS}u + lid;
  if (i >= u.Tq) { return; }
  let base = (ul * u.Tq + i) * ${DV};
  var dot = 0.0;
  for (var d = 0u; d < ${DV}; d++) { dot += DY[u.o1 + base + d] * OUT[u.o0 + base + d]; }
  finish(ul, i, dot);
}`;
  }
  return `${head}
@compute @workgroup_size(${STATS_ROWS})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_invocation_id) lane: u32, @builtin(subgroup_size) sgs: u32) {
  ${touch}
  let ul = wg.y;
  let mine = wg.x * ${STATS_ROWS}u + lid;
  var kept = 0.0;
  // Every lane takes part in every reduction (subgroup-uniform loop); lane L's row is fetched by shuffle.
  for (var L = 0u; L < sgs; L++) {
    let i = subgroupShuffle(mine, L);
    var part = 0.0;
    if (i < u.Tq) {
      let base = (ul * u.Tq + i) * ${DV};
      for (var d = lane; d < ${DV}; d += sgs) { part += DY[u.o1 + base + d] * OUT[u.o0 + base + d]; }
    }
    let dot = subgroupAdd(part);
    if (lane == L) { kept = dot; }
  }
  if (mine < u.Tq) { finish(ul, mine, kept); }
}`;
}
