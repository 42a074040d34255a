/**
 * FlashAttention-2 backward, dQ (Dao 2023, Algorithm 2, the query-side loop),
 * register-blocked (flash_tiled_wgsl.ts): one workgroup per (64-query tile,
 * head), NT = 16 NC threads. Thread (tr, tc) owns the 4 query rows 4tr..4tr+3,
 * in a key tile of BC keys the TN = BC / NC keys tc + NC c, and the dQ columns
 * 4 (tc + NC e), e < DP / (4 NC). Per key tile, recomputing from lse:
 *   s = scale q.k, p = exp(score(s) - lse_i), dp = dO_i.v,
 *   ds = p (dp - delta_i) ds/draw,   dq_i += scale ds k_j.
 * ds goes through workgroup memory (key-major row quads) to the dq product.
 *
 * Workgroup memory (vec4): QS [64 x DP/4], OS [64 x DVP/4] (the tile's q and
 * dO rows, read as broadcasts), KS [BC x DP/4], VS [BC x DVP/4] (4-float columns
 * XOR-swizzled by the key), DS [BC x 16]. 44 KiB at D = Dv = 64, BC = 16.
 *
 * Bindings: 0 q, 1 k, 2 v, 3 dy, 4 stats, 5 dq (rw), 6 aux, 7 uniforms.
 * Offsets: o0 q, o1 k, o2 v, o3 dy, o4 stats, o5 dq.
 */
import { compiledFlags, FlashFlags, realDim } from './flash_wgsl';
import { backwardNC, kIndex, LANES, pIndex, quadDotsWgsl, quadRowsStoreWgsl, queryTileWgsl, range, TILED_BR, tiledConstsWgsl, tiledMainWgsl, tiledPad, tileLoadWgsl, vIndex } from './flash_tiled_wgsl';
import { bindingsWgsl, queryUnitWgsl } from './wgsl_snippets';

/** Keys per tile. */
export const DQ_TILED_BC = 16;

/** Threads per query quad for these head sizes (dQ columns split into whole vec4s per thread), or 0. */
export function dqTiledNC(D: number, Dv: number, sharedBytes: number): number {
  const [DP, DVP] = [tiledPad(D), tiledPad(Dv)];
  if (!DP || !DVP) return 0;
  return backwardNC(4 * (TILED_BR * (DP + DVP) + DQ_TILED_BC * (DP + DVP) + DQ_TILED_BC * TILED_BR), sharedBytes, [DP]);
}

export function flashDqTiledWgsl(f: FlashFlags, rD: number, rDV: number, NC: number, vec4Io: boolean): string {
  const [DP, DVP, RD, RDV] = [tiledPad(rD), tiledPad(rDV), realDim(rD, 'u.rd'), realDim(rDV, 'u.rdv')];
  const BC = DQ_TILED_BC;
  const TN = BC / NC;
  const TQ4 = DP / (4 * NC);
  const c = compiledFlags(f);
  const cs = range(TN);
  const dq = (e: number, r: number): string => `dq${e}_${r}`;
  const [kIdx, vIdx] = [kIndex, vIndex];
  const dIdx = (j: string): string => pIndex(j, 'tr');
  const probs = cs
    .map((k) =>
      c.mask || c.mod
        ? `{
        let j = t0 + i32(tc + ${k}u * NC);
        var ds = vec4<f32>(0.0);
        for (var r = 0u; r < 4u; r++) {
          let i = i0 + i32(4u * tr + r);
          if (i < i32(u.Tq) && j < kr.y && allowed(b, i, j)) {
            let sd = score(u.scale * s${k}[r], h, i, j);
            let p = exp(sd.x - lse[r]);
            ds[r] = p * (dp${k}[r] - delta[r]) * sd.y;
          }
        }
        DS[${dIdx(`tc + ${k}u * NC`)}] = ds;
      }`
        : `{
        let ok = vec4<bool>(t0 + i32(tc + ${k}u * NC) < kr.y) & rowOk;
        let p = select(vec4<f32>(0.0), exp(u.scale * s${k} - lse), ok);
        DS[${dIdx(`tc + ${k}u * NC`)}] = p * (dp${k} - delta);
      }`,
    )
    .join('\n    ');
  return `
${bindingsWgsl(f, ['Q', 'K', 'V', 'DY', 'ST'], ['DQ'], vec4Io ? ['Q', 'K', 'V', 'DY'] : [])}
${tiledConstsWgsl(NC, DP, DVP, { BR: TILED_BR, BC })}
var<workgroup> QS: array<vec4<f32>, ${(TILED_BR * DP) / 4}>;
var<workgroup> OS: array<vec4<f32>, ${(TILED_BR * DVP) / 4}>;
var<workgroup> KS: array<vec4<f32>, ${(BC * DP) / 4}>;
var<workgroup> VS: array<vec4<f32>, ${(BC * DVP) / 4}>;
var<workgroup> DS: array<vec4<f32>, ${BC * 16}>;

${tiledMainWgsl(NC, queryUnitWgsl)}
  ${queryTileWgsl(RD, RDV)}
  let oBase = u.o3 + ul * u.Tq * ${RDV};
  // QS [BR x D4], OS [BR x DV4]: this tile's q and dO rows
  ${tileLoadWgsl('QS', 'Q', 'qBase', RD, TILED_BR, 'D4', 'i0', 'i32(u.Tq)', (x, cc) => `${x} * D4 + ${cc}`, { vec4Buf: vec4Io })}
  ${tileLoadWgsl('OS', 'DY', 'oBase', RDV, TILED_BR, 'DV4', 'i0', 'i32(u.Tq)', (x, cc) => `${x} * DV4 + ${cc}`, { vec4Buf: vec4Io })}
  let rowOk = vec4<i32>(i0 + 4 * i32(tr)) + vec4<i32>(0, 1, 2, 3) < vec4<i32>(i32(u.Tq));
  var lse = vec4<f32>(0.0);
  var delta = vec4<f32>(0.0);
  for (var r = 0u; r < 4u; r++) {
    let row = ul * u.Tq + u32(min(i0 + i32(4u * tr + r), i32(u.Tq) - 1));
    lse[r] = ST[u.o4 + 2u * row];
    delta[r] = ST[u.o4 + 2u * row + 1u];
  }
  ${range(TQ4)
    .map((e) => range(4).map((r) => `var ${dq(e, r)} = vec4<f32>(0.0);`).join(' '))
    .join('\n  ')}
  for (var t0 = kr.x; t0 < kr.y; t0 += i32(BC)) {
    workgroupBarrier();
    // KS [BC x D4], VS [BC x DV4] (swizzled): keys t0 .. t0 + BC
    ${tileLoadWgsl('KS', 'K', 'kBase', RD, BC, 'D4', 't0', 'kr.y', kIdx, { vec4Buf: vec4Io })}
    ${tileLoadWgsl('VS', 'V', 'vBase', RDV, BC, 'DV4', 't0', 'kr.y', vIdx, { vec4Buf: vec4Io })}
    workgroupBarrier();
    // s_c, dp_c: vec4s over the thread's 4 rows for key tc + c NC
    ${cs.map((k) => `var s${k} = vec4<f32>(0.0); var dp${k} = vec4<f32>(0.0);`).join(' ')}
    ${quadDotsWgsl(TN, 's', 'QS', 'D4', 'KS', kIdx)}
    ${quadDotsWgsl(TN, 'dp', 'OS', 'DV4', 'VS', vIdx)}
    ${probs}
    workgroupBarrier();
    for (var j = 0u; j < BC; j++) {
      let dsv = DS[${dIdx('j')}];
      ${range(TQ4)
        .map((e) => `{ let x = KS[${kIdx('j', `tc + ${e}u * NC`)}]; ${range(4).map((r) => `${dq(e, r)} = fma(vec4<f32>(dsv.${LANES[r]}), x, ${dq(e, r)});`).join(' ')} }`)
        .join('\n      ')}
    }
  }
  ${quadRowsStoreWgsl({ first: 'i0', limit: 'i32(u.Tq)', row: 'ul * u.Tq', buf: 'DQ', off: 'u.o5', R: RD, n4: TQ4, value: (e, r) => `${dq(e, r)}[k] * u.scale` })}
}`;
}
