/**
 * FlashAttention-2 backward, dK and dV (Dao 2023, Algorithm 2, the key-side
 * loop), register-blocked like the forward (flash_tiled_wgsl.ts) with the
 * roles of queries and keys swapped: one workgroup per (64-key tile, kv head),
 * NT = 16 NC threads. Thread (tr, tc) owns
 *   - the 4 keys 4tr .. 4tr+3 of the tile (one vec4 lane per key),
 *   - in a query tile of BQ rows, the TN = BQ / NC queries tc + NC c:
 *     S^T and dP^T for them are TN vec4s over its 4 keys,
 *   - the dK columns 4 (tc + NC e), e < DP / (4 NC), and the dV columns
 *     4 (tc + NC e), e < DVP / (4 NC), of its 4 keys.
 * Per query tile of each of the G query heads sharing the kv head:
 *   s = scale k.q, p = exp(score(s) - lse_i), dp = v.dO_i,
 *   ds = p (dp - delta_i) ds/draw,  dv_j += p dO_i,  dk_j += scale ds q_i.
 * Registers hold no row of K or V (the row-per-thread program kept 4 head-size
 * vectors per thread and spilled): K and V stay in workgroup memory.
 *
 * Workgroup memory (vec4): KS [64 x DP/4], VS [64 x DVP/4] (read as
 * broadcasts), QT [BQ x DP/4] and OT [BQ x DVP/4] (the query tile's q and
 * dO rows, 4-float columns XOR-swizzled by the row), PS and DS [BQ x 16] (p and
 * ds of the tile as key quads, swizzled). 48 KiB at D = Dv = 64, BQ = 16.
 *
 * Bindings: 0 q, 1 k, 2 v, 3 dy, 4 stats, 5 dk (rw), 6 dv (rw), 7 aux, 8 uniforms.
 * Offsets: o0 q, o1 k, o2 v, o3 dy, o4 stats, o5 dk, o6 dv. Units are (b, kv head).
 */
import { compiledFlags, FlashFlags, realDim } from './flash_wgsl';
import { backwardNC, kIndex, LANES, pIndex, quadDotsWgsl, quadRowsStoreWgsl, range, tiledConstsWgsl, tiledMainWgsl, tiledPad, tileLoadWgsl, vIndex } from './flash_tiled_wgsl';
import { bindingsWgsl, keyUnitWgsl } from './wgsl_snippets';

/** Keys per workgroup. */
export const DKV_TILED_BK = 64;
/** Queries per tile. */
export const DKV_TILED_BQ = 16;

/** Threads per key quad for these head sizes (both must split into whole vec4s per thread), or 0. */
export function dkdvTiledNC(D: number, Dv: number, sharedBytes: number): number {
  const [DP, DVP] = [tiledPad(D), tiledPad(Dv)];
  if (!DP || !DVP) return 0;
  return backwardNC(4 * (DKV_TILED_BK * (DP + DVP) + DKV_TILED_BQ * (DP + DVP) + 2 * DKV_TILED_BQ * DKV_TILED_BK), sharedBytes, [DP, DVP]);
}

export function flashDkdvTiledWgsl(f: FlashFlags, rD: number, rDV: number, NC: number, vec4Io: boolean): string {
  const [DP, DVP, RD, RDV] = [tiledPad(rD), tiledPad(rDV), realDim(rD, 'u.rd'), realDim(rDV, 'u.rdv')];
  const BQ = DKV_TILED_BQ;
  const TN = BQ / NC;
  const [TK4, TV4] = [DP / (4 * NC), DVP / (4 * NC)];
  const c = compiledFlags(f);
  const cs = range(TN);
  const dk = (e: number, r: number): string => `dk${e}_${r}`;
  const dv = (e: number, r: number): string => `dv${e}_${r}`;
  const [qIdx, oIdx] = [kIndex, vIndex];
  const pIdx = (q: string): string => pIndex(q, 'tr');
  const probs = cs
    .map((k) =>
      c.mask || c.mod
        ? `{
        let i = t0 + i32(tc + ${k}u * NC);
        var p = vec4<f32>(0.0);
        var ds = vec4<f32>(0.0);
        for (var r = 0u; r < 4u; r++) {
          let j = j0 + i32(4u * tr + r);
          if (i < qr.y && j < i32(u.Tk) && allowed(b, i, j)) {
            let sd = score(u.scale * s${k}[r], h, i, j);
            p[r] = exp(sd.x - lse${k});
            ds[r] = p[r] * (dp${k}[r] - delta${k}) * sd.y;
          }
        }
        PS[${pIdx(`tc + ${k}u * NC`)}] = p;
        DS[${pIdx(`tc + ${k}u * NC`)}] = ds;
      }`
        : `{
        let ok = t0 + i32(tc + ${k}u * NC) < qr.y;
        let p = select(vec4<f32>(0.0), exp(u.scale * s${k} - vec4<f32>(lse${k})), vec4<bool>(ok) & keyOk);
        PS[${pIdx(`tc + ${k}u * NC`)}] = p;
        DS[${pIdx(`tc + ${k}u * NC`)}] = p * (dp${k} - vec4<f32>(delta${k}));
      }`,
    )
    .join('\n      ');
  const store = (buf: string, off: string, R: string, n4: number, name: (e: number, r: number) => string, mul: string): string =>
    quadRowsStoreWgsl({ first: 'j0', limit: 'i32(u.Tk)', row: 'kl * u.Tk', buf, off, R, n4, value: (e, r) => `${name(e, r)}[k]${mul}` });
  return `
${bindingsWgsl(f, ['Q', 'K', 'V', 'DY', 'ST'], ['DK', 'DVO'], vec4Io ? ['Q', 'K', 'V', 'DY'] : [])}
${tiledConstsWgsl(NC, DP, DVP, { BK: DKV_TILED_BK, BQ })}
var<workgroup> KS: array<vec4<f32>, ${(DKV_TILED_BK * DP) / 4}>;
var<workgroup> VS: array<vec4<f32>, ${(DKV_TILED_BK * DVP) / 4}>;
var<workgroup> QT: array<vec4<f32>, ${(BQ * DP) / 4}>;
var<workgroup> OT: array<vec4<f32>, ${(BQ * DVP) / 4}>;
var<workgroup> PS: array<vec4<f32>, ${BQ * 16}>;
var<workgroup> DS: array<vec4<f32>, ${BQ * 16}>;

${tiledMainWgsl(NC, keyUnitWgsl)}
  let j0 = i32(wg.x * BK);
  let j1 = min(j0 + i32(BK), i32(u.Tk));
  let kBase = u.o1 + kl * u.Tk * ${RD};
  let vBase = u.o2 + kl * u.Tk * ${RDV};
  // KS [BK x D4], VS [BK x DV4]: this workgroup's keys
  ${tileLoadWgsl('KS', 'K', 'kBase', RD, DKV_TILED_BK, 'D4', 'j0', 'i32(u.Tk)', (x, cc) => `${x} * D4 + ${cc}`, { vec4Buf: vec4Io })}
  ${tileLoadWgsl('VS', 'V', 'vBase', RDV, DKV_TILED_BK, 'DV4', 'j0', 'i32(u.Tk)', (x, cc) => `${x} * DV4 + ${cc}`, { vec4Buf: vec4Io })}
  let keyOk = vec4<i32>(j0) + vec4<i32>(4 * i32(tr)) + vec4<i32>(0, 1, 2, 3) < vec4<i32>(i32(u.Tk));
  ${range(Math.max(TK4, TV4))
    .map((e) =>
      range(4)
        .map((r) => `${e < TK4 ? `var ${dk(e, r)} = vec4<f32>(0.0);` : ''} ${e < TV4 ? `var ${dv(e, r)} = vec4<f32>(0.0);` : ''}`)
        .join(' '),
    )
    .join('\n  ')}
  let qr = queryRange(j0, j1);
  for (var gq = 0u; gq < u.G; gq++) {
    let h = kvh * u.G + gq;
    let ql = kl * u.G + gq;       // query unit within the chunk's q/dy/stats windows
    let qBase = u.o0 + ql * u.Tq * ${RD};
    let oBase = u.o3 + ql * u.Tq * ${RDV};
    for (var t0 = qr.x; t0 < qr.y; t0 += i32(BQ)) {
      workgroupBarrier();
      // QT [BQ x D4] and OT [BQ x DV4] (swizzled): rows t0 .. t0 + BQ of q and dO
      ${tileLoadWgsl('QT', 'Q', 'qBase', RD, BQ, 'D4', 't0', 'qr.y', (x, cc) => qIdx(x, cc), { vec4Buf: vec4Io })}
      ${tileLoadWgsl('OT', 'DY', 'oBase', RDV, BQ, 'DV4', 't0', 'qr.y', (x, cc) => oIdx(x, cc), { vec4Buf: vec4Io })}
      workgroupBarrier();
      ${cs
        .map(
          (k) => `let row${k} = ql * u.Tq + u32(min(t0 + i32(tc + ${k}u * NC), i32(u.Tq) - 1));
      let lse${k} = ST[u.o4 + 2u * row${k}];
      let delta${k} = ST[u.o4 + 2u * row${k} + 1u];`,
        )
        .join('\n      ')}
      ${cs.map((k) => `var s${k} = vec4<f32>(0.0); var dp${k} = vec4<f32>(0.0);`).join(' ')}
      // s_c, dp_c: vec4s over the thread's 4 keys for query tc + c NC
      ${quadDotsWgsl(TN, 's', 'KS', 'D4', 'QT', qIdx)}
      ${quadDotsWgsl(TN, 'dp', 'VS', 'DV4', 'OT', oIdx)}
      ${probs}
      workgroupBarrier();
      for (var q = 0u; q < BQ; q++) {
        let pv = PS[${pIdx('q')}];
        let dsv = DS[${pIdx('q')}];
        ${range(TV4)
          .map((e) => `{ let o = OT[${oIdx('q', `tc + ${e}u * NC`)}]; ${range(4).map((r) => `${dv(e, r)} = fma(vec4<f32>(pv.${LANES[r]}), o, ${dv(e, r)});`).join(' ')} }`)
          .join('\n        ')}
        ${range(TK4)
          .map((e) => `{ let x = QT[${qIdx('q', `tc + ${e}u * NC`)}]; ${range(4).map((r) => `${dk(e, r)} = fma(vec4<f32>(dsv.${LANES[r]}), x, ${dk(e, r)});`).join(' ')} }`)
          .join('\n        ')}
      }
    }
  }
  ${store('DK', 'u.o5', RD, TK4, dk, ' * u.scale')}
  ${store('DVO', 'u.o6', RDV, TV4, dv, '')}
}`;
}
