/**
 * WGSL written once for the flash programs (flash_*_wgsl.ts) and their
 * block-sparse twins (sparse_*_wgsl.ts): the bindings preamble, the query- and
 * key-side unit decode, the forward's epilogue and the backward's dS step. Each returns
 * the exact text the programs used to inline, so the compiled pipelines (cached
 * by their code, gpu_backend.ts) and the math are unchanged; only how the tiles
 * are walked (key ranges vs block lists, vec4 vs scalar) differs per program.
 */
import { flashCommonWgsl, FlashFlags, loadVec4 } from './flash_wgsl';

/**
 * Storage bindings 0.. (the `reads`, then the `writes`, array<f32> except the
 * `vec4Reads`, array<vec4<f32>>), the aux
 * buffer right after them, the uniforms after that, then flashCommonWgsl.
 */
export function bindingsWgsl(f: FlashFlags, reads: string[], writes: string[], vec4Reads: string[] = []): string {
  const bufs = [...reads.map((n) => `read> ${n}`), ...writes.map((n) => `read_write> ${n}`)];
  const type = (i: number): string => (i < reads.length && vec4Reads.includes(reads[i]) ? 'vec4<f32>' : 'f32');
  const lines = bufs.map((b, i) => `@group(0) @binding(${i}) var<storage, ${b}: array<${type(i)}>;`);
  return `${lines.join('\n')}
@group(0) @binding(${bufs.length + 1}) var<uniform> u: U;
${flashCommonWgsl(f, bufs.length)}`;
}

/**
 * WGSL statements of a query-side workgroup's unit: ul the (b, h) unit within
 * this chunk (wg.y), b, h, and kvl the kv unit within the chunk's k/v windows (GQA).
 */
export const queryUnitWgsl = `let ul = wg.y;
  let bh = u.unit0 + ul;
  let b = bh / u.H;
  let h = bh % u.H;
  let kvl = bh / u.G - u.unit0 / u.G;`;

/** WGSL statements of a key-side workgroup's unit: kl the (b, kv head) unit within this chunk (wg.y), b, kvh. */
export const keyUnitWgsl = `let kl = wg.y;
  let kv = u.unit0 + kl;
  let b = kv / u.Hkv;
  let kvh = kv % u.Hkv;`;

/** WGSL expression: the row's clamped index in the chunk (a thread past the end reads a real row). */
export const clampedRow = (unit: string, T: string, i: string): string => `${unit} * ${T} + u32(max(min(${i}, i32(${T}) - 1), 0))`;

/** WGSL statements: the kv unit's K and V bases (`kBase`, `vBase`) in the chunk. */
export const kvBasesWgsl = (RD: string, RDV: string): string => `let kBase = u.o1 + kvl * u.Tk * ${RD};
  let vBase = u.o2 + kvl * u.Tk * ${RDV};`;

/**
 * WGSL statements ending the forward: out = acc / l (0 for a row that saw no
 * key), lse = m + log(l) (-Infinity then), NaN in both where a score was NaN.
 * `accAt` is the WGSL of the accumulator's element d.
 */
export const forwardEpilogueWgsl = (RDV: string, accAt: string): string => `if (valid) {
    let inv = select(0.0, 1.0 / l, l > 0.0);
    for (var d = 0u; d < ${RDV}; d++) { OUT[u.o3 + row * ${RDV} + d] = select(${accAt} * inv, u.nan, bad); }
    LSE[u.o4 + row] = select(select(u.negInf, m + log(l), l > 0.0), u.nan, bad);
  }`;

/**
 * WGSL statements of the backward's recomputed probability (FlashAttention-2,
 * Algorithm 2): sd = (s, ds/draw) of raw = scale * `dot`, p = exp(s - `lse`).
 * `indent` continues the statements at the caller's depth.
 */
export const recomputePWgsl = (dot: string, lse: string, indent: string): string => `let sd = score(u.scale * ${dot}, h, i, j);
${indent}let p = exp(sd.x - ${lse});`;

/** WGSL statement: dS = P * (dP - delta) * ds/draw, dP = `dp` (dO . v), delta = `delta` (dO . O - dLse). */
export const dsWgsl = (dp: string, delta: string): string => `let ds = p * (${dp} - ${delta}) * sd.y;`;

/**
 * WGSL of the flash query-side programs (forward, dQ) over vec4 tiles: the
 * workgroup's constants and its K/V tiles of BC keys in workgroup memory.
 */
export const vec4KvTileDeclsWgsl = (BR: number, BC: number, D4: number, DV4: number): string => `const BR = ${BR}u;
const BC = ${BC}u;
const D4 = ${D4}u;
const DV4 = ${DV4}u;
var<workgroup> Ks: array<vec4<f32>, ${BC * D4}>;
var<workgroup> Vs: array<vec4<f32>, ${BC * DV4}>;`;

/** WGSL statements: the workgroup's query tile [i0, i1), this thread's row i (`valid` inside Tq) and its clamped `row`. */
export const queryTileRowWgsl = `let i0 = i32(wg.x * BR);
  let i1 = min(i0 + i32(BR), i32(u.Tq));
  let i = i0 + i32(lid);
  let valid = i < i32(u.Tq);
  let row = ${clampedRow('ul', 'u.Tq', 'i')};`;

/** WGSL statements: the vec4 K/V tiles of keys [t0, t0 + BC), zero at or past `kr.y` (between the caller's barriers). */
export const vec4KvTileLoadsWgsl = (RD: string, RDV: string): string => `for (var x = lid; x < BC * D4; x += BR) {
      let j = t0 + i32(x / D4);
      Ks[x] = ${loadVec4('K', 'kBase', 'u32(j)', RD, 'x % D4', 'j < kr.y')};
    }
    for (var x = lid; x < BC * DV4; x += BR) {
      let j = t0 + i32(x / DV4);
      Vs[x] = ${loadVec4('V', 'vBase', 'u32(j)', RDV, 'x % DV4', 'j < kr.y')};
    }`;
