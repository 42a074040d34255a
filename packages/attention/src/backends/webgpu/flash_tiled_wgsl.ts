/**
 * The register-blocked tile scheme of the fast flash programs (forward, and
 * the backward's dQ): one workgroup per (query tile of BR = 64 rows, head),
 * NT = 16 * NC threads. Thread (tr, tc) = (tid / NC, tid % NC) owns
 *   - the 4 query rows 4tr .. 4tr+3 (one vec4 lane per row),
 *   - in a key tile of BC keys, the TN = BC / NC keys tc + NC * c (c < TN):
 *     its scores are TN vec4s s[c] = (s[4tr][key], .., s[4tr+3][key]),
 *   - of the DVP output columns, the TD4 = DVP / (4 NC) vec4 columns
 *     tc + NC * e (e < TD4): its accumulators are acc[e * 4 + r], one vec4
 *     of 4 columns per row r.
 * So one 16-byte workgroup load of K feeds 16 FMAs (4 rows x 4 dims) and one
 * of P (4 rows) and one of V (4 columns) feed 16 FMAs, where the row-per-thread
 * programs (flash_forward_wgsl.ts) do 4 FMAs per load.
 *
 * Workgroup memory, all vec4:
 *   QS [BR x DP/4]   the query tile, row-major (read as broadcasts)
 *   KP [BC x DP/4]   the key tile, row-major with its 4-float columns XOR-swizzled
 *                    by the key (conflict-free reads by threads of consecutive keys);
 *                    after the scores, the same memory holds P^T [BC x BR/4]
 *                    (key-major, row-quad columns swizzled the same way)
 *   VS [BC x DVP/4]  the value tile, row-major
 *   RED [NT]         per-thread partial row maxima / sums (one vec4 = 4 rows); not
 *                    declared when subgroup shuffles reduce over the row quads
 *
 * Head sizes are padded to 16, 32 or 64 (zeros past the real size); DVP must
 * give each column thread whole vec4s (DVP % (4 NC) == 0).
 */
import { kvBasesWgsl } from './wgsl_snippets';

/** A tile shape of the register-blocked programs. */
export interface TiledShape {
  /** Threads per query-row quad (the workgroup has 16 * NC threads). */
  NC: number;
  /** Keys per tile (a multiple of NC). */
  BC: number;
}

export const TILED_BR = 64;

/** [0, 1, ..., n-1]: the unrolled indices of the generated WGSL. */
export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Head size padded for the tiled programs: 16, 32 or 64; 0 when larger (the row-per-thread programs take it). */
export const tiledPad = (d: number): number => (d <= 16 ? 16 : d <= 32 ? 32 : d <= 64 ? 64 : 0);

/**
 * Threads per quad (NC = 8, else 4) of a backward tiled program whose workgroup
 * memory is `bytes`, such that every size in `split` divides into whole vec4s
 * per thread; 0 when it does not fit `sharedBytes` or no NC splits them.
 */
export function backwardNC(bytes: number, sharedBytes: number, split: number[]): number {
  if (bytes > sharedBytes) return 0;
  for (const NC of [8, 4]) if (split.every((d) => d % (4 * NC) === 0)) return NC;
  return 0;
}

/** Workgroup bytes a tiled program needs. */
export function tiledSharedBytes(s: TiledShape, DP: number, DVP: number, red = true): number {
  return 4 * (TILED_BR * DP + s.BC * Math.max(DP, TILED_BR) + s.BC * DVP) + (red ? 16 * 16 * s.NC : 0);
}

/** Whether the row-quad reductions of shape `s` use subgroup shuffles on a device whose smallest subgroup has `subgroupMin` lanes. */
export const usesSubgroups = (s: TiledShape, subgroupMin: number): boolean => subgroupMin >= s.NC;

/**
 * Candidate shapes, best first (measured on an NVIDIA H200, docs/benchmarks.md);
 * the first one whose workgroup memory fits and whose column split suits the
 * head sizes is used.
 */
export const TILED_SHAPES: TiledShape[] = [
  { NC: 16, BC: 64 },
  { NC: 16, BC: 48 },
  { NC: 8, BC: 32 },
  { NC: 8, BC: 16 },
];

/**
 * Test/bench hooks: force a forward tile shape (or `null` to force the row-per-thread
 * programs everywhere); `backward` forces the register-blocked backward programs on
 * (true) or off (false) where their tiles fit, whatever the adapter.
 */
export const tiledOverrides: { shape?: TiledShape | null; backward?: boolean } = {};

/**
 * Whether the register-blocked backward programs (dQ, dK/dV) run by default on this
 * adapter: not on a CPU rasterizer (lavapipe), where LLVM takes 7-31 s to compile each of
 * them (measured at D = 13-32), for no speed that matters there.
 */
export function tiledBackwardOn(software: boolean): boolean {
  if (forcedShape() === null) return false;
  return tiledOverrides.backward ?? !software;
}

/**
 * TESSERA_WEBGPU_TILE (Node only; for benchmarking): `NCxBC` (e.g. `16x48`) forces that
 * tile shape where it fits, `row` the row-per-thread programs.
 */
function envShape(): TiledShape | null | undefined {
  const v = typeof process !== 'undefined' ? process.env?.TESSERA_WEBGPU_TILE : undefined;
  if (!v) return undefined;
  if (v === 'row') return null;
  const m = /^(\d+)x(\d+)$/.exec(v);
  if (!m) throw new Error(`TESSERA_WEBGPU_TILE must be 'row' or NCxBC such as '16x48'; received '${v}'`);
  return { NC: Number(m[1]), BC: Number(m[2]) };
}

/** The forced tile shape (tiledOverrides, else TESSERA_WEBGPU_TILE): a shape, null for the row-per-thread programs, undefined when none. */
export const forcedShape = (): TiledShape | null | undefined => (tiledOverrides.shape !== undefined ? tiledOverrides.shape : envShape());

/**
 * The tiled shape for these head sizes on a device with `sharedBytes` of workgroup memory
 * and subgroups of at least `subgroupMin` lanes (0: none), or null. 64-key tiles fit 48 KiB
 * only without the RED scratch, i.e. with subgroup reductions.
 */
export function pickTiledShape(D: number, Dv: number, sharedBytes: number, subgroupMin = 0): TiledShape | null {
  const [DP, DVP] = [tiledPad(D), tiledPad(Dv)];
  if (!DP || !DVP) return null;
  const fits = (s: TiledShape): boolean =>
    DVP % (4 * s.NC) === 0 && s.BC % s.NC === 0 && tiledSharedBytes(s, DP, DVP, !usesSubgroups(s, subgroupMin)) <= sharedBytes;
  const forced = forcedShape();
  if (forced !== undefined) return forced && fits(forced) ? forced : null;
  return TILED_SHAPES.find(fits) ?? null;
}

/**
 * WGSL constants every tiled program declares: NC, NT = 16 NC, D4, DV4, the
 * swizzle masks SWD / SWV of rows of D4 / DV4 vec4s, and the program's own
 * tile sizes (`sizes`, e.g. { BR: 64, BC: 48 }).
 */
export function tiledConstsWgsl(NC: number, DP: number, DVP: number, sizes: Record<string, number>): string {
  const all = { ...sizes, NC, NT: 16 * NC, D4: DP / 4, DV4: DVP / 4, SWD: Math.min(DP / 4, 8) - 1, SWV: Math.min(DVP / 4, 8) - 1 };
  return Object.entries(all)
    .map(([k, v]) => `const ${k} = ${v}u;`)
    .join('\n');
}

/** The forward's constants and workgroup arrays. */
export function tiledDeclsWgsl(s: TiledShape, DP: number, DVP: number, red: boolean): string {
  return `${tiledConstsWgsl(s.NC, DP, DVP, { BR: TILED_BR, BC: s.BC })}
var<workgroup> QS: array<vec4<f32>, ${(TILED_BR * DP) / 4}>;
var<workgroup> KP: array<vec4<f32>, ${(s.BC * Math.max(DP, TILED_BR)) / 4}>;
var<workgroup> VS: array<vec4<f32>, ${(s.BC * DVP) / 4}>;
${red ? 'var<workgroup> RED: array<vec4<f32>, NT>;' : ''}`;
}

/**
 * WGSL: the entry point of a tiled program up to its thread's (tr, tc), after
 * `unit` (queryUnitWgsl or keyUnitWgsl).
 */
export const tiledMainWgsl = (NC: number, unit: string): string => `@compute @workgroup_size(${16 * NC})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  _ = arrayLength(&AUX);
  ${unit}
  let tid = lid;
  let tr = tid / NC;
  let tc = tid % NC;`;

/** WGSL statements of a query-side tiled program: its rows [i0, i1), their key range `kr`, K/V and q bases. */
export const queryTileWgsl = (RD: string, RDV: string): string => `let i0 = i32(wg.x * BR);
  let i1 = min(i0 + i32(BR), i32(u.Tq));
  let kr = keyRange(i0, i1);
  ${kvBasesWgsl(RD, RDV)}
  let qBase = u.o0 + ul * u.Tq * ${RD};`;

/**
 * WGSL statements writing the thread's 4 rows (first + 4tr + r, those below
 * `limit`; buffer row `row(r)`) of `n4` 4-column groups tc + NC e, the columns
 * below R: buf[off + row * R + d] = value(e, r, k). `extra(r)` adds statements per row.
 */
export function quadRowsStoreWgsl(o: {
  first: string;
  limit: string;
  row: string;
  buf: string;
  off: string;
  R: string;
  n4: number;
  value: (e: number, r: number) => string;
  extra?: (r: number) => string;
}): string {
  return range(4)
    .map(
      (r) => `if (${o.first} + i32(4u * tr + ${r}u) < ${o.limit}) {
    let row = ${o.row} + u32(${o.first}) + 4u * tr + ${r}u;
    ${range(o.n4)
      .map(
        (e) => `for (var k = 0u; k < 4u; k++) {
      let d = 4u * (tc + ${e}u * NC) + k;
      if (d < ${o.R}) { ${o.buf}[${o.off} + row * ${o.R} + d] = ${o.value(e, r)}; }
    }`,
      )
      .join('\n    ')}
    ${o.extra ? o.extra(r) : ''}
  }`,
    )
    .join('\n  ');
}

/**
 * WGSL: element index of 4-float column d4 of row `row` in a tile of rows of D4 vec4s,
 * XOR-swizzled by the row (conflict-free reads by threads of consecutive rows): K in KP,
 * the backward's K, Q tiles.
 */
export const kIndex = (row: string, d4: string): string => `(${row}) * D4 + ((${d4}) ^ ((${row}) & SWD))`;
/** WGSL: the same for a tile of rows of DV4 vec4s (V, dO). */
export const vIndex = (row: string, d4: string): string => `(${row}) * DV4 + ((${d4}) ^ ((${row}) & SWV))`;
/** WGSL: element index of the row quad tr of key/query `key` in a [* x 16] tile of P^T or dS (swizzled; BR/4 = 16 quads). */
export const pIndex = (key: string, tr: string): string => `(${key}) * 16u + ((${tr}) ^ ((${key}) & 7u))`;

/**
 * WGSL statements loading rows of a [T x R] global matrix into a vec4 tile
 * `dst` with `W4` vec4 columns: tile row x comes from global row `first + x`
 * (zeros for rows outside [first, end) and columns past R); `index(x, c)` is the
 * tile index. NT threads, consecutive threads read consecutive floats. With
 * `vec4Buf` the buffer is an array<vec4<f32>> whose rows are exactly W4 vec4s
 * (R = 4 W4, `base` a multiple of 4 floats): one 16-byte load per element.
 */
export function tileLoadWgsl(
  dst: string,
  buf: string,
  base: string,
  R: string,
  rows: number,
  W4: string,
  first: string,
  end: string,
  index: (x: string, c: string) => string,
  opts: { mul?: string; vec4Buf?: boolean } = {},
): string {
  const load = opts.vec4Buf
    ? `select(vec4<f32>(0.0), ${buf}[(${base}) / 4u + u32(max(g, 0)) * ${W4} + c], ok)`
    : `vec4<f32>(${[0, 1, 2, 3].map((k) => `select(0.0, ${buf}[src + ${k}u], ok && 4u * c + ${k}u < ${R})`).join(', ')})`;
  return `for (var e = tid; e < ${rows}u * ${W4}; e += NT) {
      let x = e / ${W4};
      let c = e % ${W4};
      let g = ${first} + i32(x);
      let ok = g < ${end} && g >= 0;
      ${opts.vec4Buf ? '' : `let src = ${base} + u32(max(g, 0)) * ${R} + 4u * c;`}
      ${dst}[${index('x', 'c')}] = ${load}${opts.mul ?? ''};
    }`;
}

/** Vector lanes by index. */
export const LANES = ['x', 'y', 'z', 'w'];

/**
 * WGSL statements: `acc`0 .. `acc`{TN-1} (vec4 over the thread's 4 rows 4tr..4tr+3
 * of `rows`) += rows . tile row (tc + c NC) for c < TN: the dot products of 4
 * broadcast rows with TN rows of a swizzled `tile` (index `idx(row, d4)`), both
 * [* x W4] vec4s. Registers are named, never arrays: a dynamically indexed
 * array may live in slow local memory. Per 4 dims: 4 + TN loads, 16 TN FMAs.
 * The forward's scores (QS . KP), the backward's S, dP (both ways round).
 */
export function quadDotsWgsl(TN: number, acc: string, rows: string, W4: string, tile: string, idx: (row: string, d4: string) => string): string {
  const cs = range(TN);
  return `for (var d = 0u; d < ${W4}; d++) {
      let r0 = ${rows}[(4u * tr) * ${W4} + d];
      let r1 = ${rows}[(4u * tr + 1u) * ${W4} + d];
      let r2 = ${rows}[(4u * tr + 2u) * ${W4} + d];
      let r3 = ${rows}[(4u * tr + 3u) * ${W4} + d];
      ${cs.map((c) => `let x${c} = ${tile}[${idx(`tc + ${c}u * NC`, 'd')}];`).join(' ')}
      ${LANES.map((l) => `{ let rt = vec4<f32>(r0.${l}, r1.${l}, r2.${l}, r3.${l}); ${cs.map((c) => `${acc}${c} = fma(rt, vec4<f32>(x${c}.${l}), ${acc}${c});`).join(' ')} }`).join('\n      ')}
    }`;
}

/** WGSL: s0 .. s{TN-1} = (scale Q) K^T for the thread's rows and keys (QS . KP). */
export const tiledScoresWgsl = (TN: number): string =>
  `${range(TN)
    .map((c) => `var s${c} = vec4<f32>(0.0);`)
    .join(' ')}
    ${quadDotsWgsl(TN, 's', 'QS', 'D4', 'KP', kIndex)}`;

/**
 * WGSL: vec4 over the thread's 4 rows, reduced (op 'max' or '+') over the NC threads of its
 * row quad through RED (barrier before and after the caller's use of RED), or with
 * subgroup shuffles (`subgroups`: the quad's NC threads are consecutive lanes of one subgroup).
 */
export const quadReduceAnyWgsl = (v: string, op: 'max' | '+', out: string, NC: number, subgroups: boolean): string =>
  subgroups
    ? `var ${out} = ${v};
    ${range(Math.log2(NC))
      .map((k) => NC >> (k + 1))
      .map((k) => (op === 'max' ? `${out} = max(${out}, subgroupShuffleXor(${out}, ${k}u));` : `${out} += subgroupShuffleXor(${out}, ${k}u);`))
      .join('\n    ')}`
    : quadReduceWgsl(v, op, out);

/** WGSL: vec4 over the thread's 4 rows, reduced (op 'max' or '+') over the NC threads of its row quad through RED. Barrier before and after the caller's use of RED. */
export const quadReduceWgsl = (v: string, op: 'max' | '+', out: string): string => `RED[tid] = ${v};
    workgroupBarrier();
    var ${out} = RED[tr * NC];
    for (var t = 1u; t < NC; t++) { ${op === 'max' ? `${out} = max(${out}, RED[tr * NC + t]);` : `${out} += RED[tr * NC + t];`} }`;
