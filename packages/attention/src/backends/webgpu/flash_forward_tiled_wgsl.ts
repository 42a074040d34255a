/**
 * FlashAttention-2 forward in WGSL (Dao 2023, Algorithm 1), register-blocked
 * (the tile scheme of flash_tiled_wgsl.ts): per key tile, S = (scale Q) K^T
 * in registers (4 rows x TN keys per thread), the new row maxima reduced over
 * the row quad's NC threads, P = exp(S - m) written to workgroup memory, then
 * O += P V (4 rows x 4 TD4 columns per thread). The row sums l stay per
 * thread (partial over its keys, rescaled with the same factors) and are
 * reduced once at the end. Same outputs as flash_forward_wgsl.ts:
 * out [B, H, Tq, Dv] and lse [B, H, Tq] (-Infinity for a row that sees no key,
 * NaN in both where an allowed score was NaN).
 *
 * Bindings: 0 q, 1 k, 2 v, 3 out, 4 lse, 5 aux, 6 uniforms. Offsets o0..o4 are
 * the chunk's element offsets of q, k, v, out, lse.
 */
import { compiledFlags, enableSubgroups, FlashFlags, NEG, realDim } from './flash_wgsl';
import { kIndex, LANES, pIndex, quadReduceAnyWgsl, quadRowsStoreWgsl, queryTileWgsl, range, tiledDeclsWgsl, tiledMainWgsl, tiledPad, tiledScoresWgsl, TiledShape, tileLoadWgsl } from './flash_tiled_wgsl';
import { bindingsWgsl, queryUnitWgsl } from './wgsl_snippets';

/**
 * WGSL statements turning the raw scores s0.. of keys j = t0 + tc + c NC into
 * final scores, NEG where not allowed (past the key range, or masked), and
 * marking `bad` rows whose allowed score is NaN.
 */
export function tiledScoreFixWgsl(f: FlashFlags, TN: number): string {
  const c = compiledFlags(f);
  return range(TN)
    .map((k) => {
      if (!c.mask && !c.mod) {
        return `{
      let ok = vec4<bool>(t0 + i32(tc + ${k}u * NC) < kr.y);
      bad = bad | (ok & isNan4(s${k}));
      s${k} = select(vec4<f32>(${NEG}), max(s${k}, vec4<f32>(${NEG})), ok);
    }`;
      }
      // A loop over the 4 rows, not unrolled code: a pipeline's compile time (seconds on lavapipe) grows with its size.
      return `{
      let j = t0 + i32(tc + ${k}u * NC);
      for (var r = 0u; r < 4u; r++) {
        let i = min(i0 + i32(4u * tr + r), i32(u.Tq) - 1);
        let ok = j < kr.y && allowed(b, i, j);
        let x = ${c.mod ? `score(s${k}[r], h, i, j).x` : `s${k}[r]`};
        bad[r] = bad[r] || (ok && isNan(x));
        s${k}[r] = select(${NEG}, max(x, ${NEG}), ok);
      }
    }`;
    })
    .join('\n    ');
}

/** Options of the tiled forward program. */
export interface TiledForwardOptions {
  /** Reduce row maxima with subgroup shuffles (needs subgroups of at least NC lanes made of consecutive invocations). */
  subgroups: boolean;
  /** q, k, v bound as array<vec4<f32>> (head sizes exactly 16, 32 or 64: rows are whole vec4s). */
  vec4Io: boolean;
}

/** Whether q, k, v can be read as vec4s: head sizes equal their padded sizes. */
export const tiledVec4Io = (D: number, Dv: number): boolean => tiledPad(D) === D && tiledPad(Dv) === Dv;

export function flashForwardTiledWgsl(f: FlashFlags, rD: number, rDV: number, shape: TiledShape, o: TiledForwardOptions): string {
  const [DP, DVP, RD, RDV] = [tiledPad(rD), tiledPad(rDV), realDim(rD, 'u.rd'), realDim(rDV, 'u.rdv')];
  const TN = shape.BC / shape.NC;
  const TD4 = DVP / (4 * shape.NC);
  const es = range(TD4);
  const cs = range(TN);
  const acc = (e: number, r: number): string => `a${e}_${r}`;
  const rowMax = cs.map((c) => `s${c}`).reduce((a, x) => `max(${a}, ${x})`);
  const shuffles = range(Math.log2(shape.NC)).map((k) => shape.NC >> (k + 1));
  return `${enableSubgroups(o.subgroups)}
${bindingsWgsl(f, ['Q', 'K', 'V'], ['OUT', 'LSE'], o.vec4Io ? ['Q', 'K', 'V'] : [])}
${tiledDeclsWgsl(shape, DP, DVP, !o.subgroups)}

fn isNan4(x: vec4<f32>) -> vec4<bool> { return (bitcast<vec4<u32>>(x) & vec4<u32>(0x7fffffffu)) > vec4<u32>(0x7f800000u); }

${tiledMainWgsl(shape.NC, queryUnitWgsl)}
  ${queryTileWgsl(RD, RDV)}
  // QS [BR x D4]: query rows i0.. of this head, times scale
  ${tileLoadWgsl('QS', 'Q', 'qBase', RD, 64, 'D4', 'i0', 'i32(u.Tq)', (x, c) => `${x} * D4 + ${c}`, { mul: ' * u.scale', vec4Buf: o.vec4Io })}
  var m = vec4<f32>(${NEG});
  var lp = vec4<f32>(0.0);
  var bad = vec4<bool>(false);
  ${es.map((e) => range(4).map((r) => `var ${acc(e, r)} = vec4<f32>(0.0);`).join(' ')).join('\n  ')}
  for (var t0 = kr.x; t0 < kr.y; t0 += i32(BC)) {
    workgroupBarrier();
    // KP [BC x D4] (swizzled) and VS [BC x DV4]: keys t0 .. t0 + BC
    ${tileLoadWgsl('KP', 'K', 'kBase', RD, shape.BC, 'D4', 't0', 'kr.y', (x, c) => kIndex(x, c), { vec4Buf: o.vec4Io })}
    ${tileLoadWgsl('VS', 'V', 'vBase', RDV, shape.BC, 'DV4', 't0', 'kr.y', (x, c) => `${x} * DV4 + ${c}`, { vec4Buf: o.vec4Io })}
    workgroupBarrier();
    ${tiledScoresWgsl(TN)}
    ${tiledScoreFixWgsl(f, TN)}
    ${quadReduceAnyWgsl(rowMax, 'max', 'mt', shape.NC, o.subgroups)}
    ${o.subgroups ? 'workgroupBarrier();' : ''} // every thread has read its keys (the RED reduction has this barrier): P^T may overwrite KP
    let mn = max(m, mt);
    let al = exp(m - mn);
    m = mn;
    ${cs.map((c) => `let p${c} = select(vec4<f32>(0.0), exp(s${c} - mn), s${c} > vec4<f32>(${NEG}));`).join('\n    ')}
    lp = lp * al + ${cs.map((c) => `p${c}`).join(' + ')};
    ${cs.map((c) => `KP[${pIndex(`tc + ${c}u * NC`, 'tr')}] = p${c};`).join('\n    ')}
    ${es.map((e) => range(4).map((r) => `${acc(e, r)} *= al.${LANES[r]};`).join(' ')).join('\n    ')}
    workgroupBarrier();
    for (var j = 0u; j < BC; j++) {
      let p = KP[${pIndex('j', 'tr')}];
      ${es
        .map(
          (e) => `{ let vv = VS[j * DV4 + tc + ${e}u * NC];
        ${range(4).map((r) => `${acc(e, r)} = fma(vec4<f32>(p.${LANES[r]}), vv, ${acc(e, r)});`).join(' ')} }`,
        )
        .join('\n      ')}
    }
  }
  workgroupBarrier();
  ${quadReduceAnyWgsl('lp', '+', 'l', shape.NC, o.subgroups)}
  workgroupBarrier();
  ${quadReduceAnyWgsl('select(vec4<f32>(0.0), vec4<f32>(1.0), bad)', 'max', 'bads', shape.NC, o.subgroups)}
  let inv = select(vec4<f32>(0.0), vec4<f32>(1.0) / l, l > vec4<f32>(0.0));
  ${quadRowsStoreWgsl({
    first: 'i0',
    limit: 'i32(u.Tq)',
    row: 'ul * u.Tq',
    buf: 'OUT',
    off: 'u.o3',
    R: RDV,
    n4: TD4,
    value: (e, r) => `select(${acc(e, r)}[k] * inv.${LANES[r]}, u.nan, bads.${LANES[r]} > 0.0)`,
    extra: (r) =>
      `if (tc == 0u) { LSE[u.o4 + row] = select(select(u.negInf, m.${LANES[r]} + log(l.${LANES[r]}), l.${LANES[r]} > 0.0), u.nan, bads.${LANES[r]} > 0.0); }`,
  })}
}`;
}
