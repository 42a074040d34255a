/**
 * WGSL shared by the flash programs: the element mask, the score transform
 * and the analytic key/query ranges of causal and window masks. Semantics:
 * impl/flash_types.ts.
 *
 * Pipelines are compiled per (program, padded head sizes, two option bits):
 * whether any mask is on and whether any score transform is on, so a plain
 * call has no masking code at all. Which masks/transforms are on is a runtime
 * bit set (uniform, so the branches are uniform and cheap). Compiling one
 * pipeline per option combination and exact head size made hundreds of
 * pipelines in the property suite (each a few MB of JIT code on lavapipe,
 * never returned while the device lives).
 */
import { FLASH_UNIFORMS_WGSL } from './uniforms';

/** Which options a call uses; part of the pipeline key. */
export interface FlashFlags {
  causal: boolean;
  window: boolean;
  keyMask: boolean;
  segments: boolean;
  alibi: boolean;
  softcap: boolean;
}

/** Runtime option bits (uniform `fl`). */
export const FLAG_CAUSAL = 1;
export const FLAG_WINDOW = 2;
export const FLAG_KEYMASK = 4;
export const FLAG_SEGMENTS = 8;
export const FLAG_ALIBI = 16;
export const FLAG_SOFTCAP = 32;

/** The runtime bits of a call's flags. */
export function flagBits(f: FlashFlags): number {
  return (
    (f.causal ? FLAG_CAUSAL : 0) |
    (f.window ? FLAG_WINDOW : 0) |
    (f.keyMask ? FLAG_KEYMASK : 0) |
    (f.segments ? FLAG_SEGMENTS : 0) |
    (f.alibi ? FLAG_ALIBI : 0) |
    (f.softcap ? FLAG_SOFTCAP : 0)
  );
}

/** The compile-time part of the flags (part of the pipeline key). */
export const compiledFlags = (f: FlashFlags): { mask: boolean; mod: boolean } => ({
  mask: f.causal || f.window || f.keyMask || f.segments,
  mod: f.alibi || f.softcap,
});

/**
 * Register-array size for a head size: small sizes share a few buckets (the
 * programs loop over the padded size with zero padding, which keeps loop
 * bounds constant and register arrays statically indexed); 16 and up are
 * rounded to a multiple of 16 (64 and 128 exactly).
 */
export const padDim = (d: number): number => (d <= 4 ? 4 : d <= 8 ? 8 : Math.ceil(d / 16) * 16);

/** WGSL expression of the real head size: a literal when no padding, else the uniform. */
export const realDim = (d: number, uniform: 'u.rd' | 'u.rdv'): string => (padDim(d) === d ? `${d}u` : uniform);

/**
 * WGSL expression: 4 floats of a row as a vec4 (rows are not 16-byte aligned in
 * general), zero past the real head size R or where `ok` is false.
 * Element c is buf[base + row * R + 4 * col + c].
 */
export const loadVec4 = (buf: string, base: string, row: string, R: string, col: string, ok: string): string =>
  `vec4<f32>(${[0, 1, 2, 3].map((c) => `select(0.0, ${buf}[${base} + (${row}) * ${R} + 4u * (${col}) + ${c}u], ${ok} && 4u * (${col}) + ${c}u < ${R})`).join(', ')})`;

/** WGSL statements writing the first R floats of vec4 array `arr` (times `mul`) to buf[base + row * R + d]. */
export const storeVec4 = (buf: string, base: string, row: string, R: string, arr: string, mul = ''): string =>
  `for (var d = 0u; d < ${R}; d++) { ${buf}[${base} + (${row}) * ${R} + d] = ${arr}[d / 4u][d % 4u]${mul}; }`;

/** Below this a score is "masked" (the kernels never use -Infinity in arithmetic). */
export const NEG = '-3.0e38';

/** `enable subgroups;` when the device has them (must precede every declaration). */
export const enableSubgroups = (on: boolean): string => (on ? 'enable subgroups;\n' : '');

/**
 * Uniforms, the aux buffer (keyMask | segQ | segK | slopes as u32, see aux.ts) and:
 *   allowed(b, i, j)   the element mask (causal, window, keyMask, segments)
 *   score(raw, h, i, j) -> vec2(s, ds/draw)   softcap then alibi on raw = scale * q.k
 *   keyRange(i0, i1)   keys [x, y) any row of [i0, i1) may see (causal/window only)
 *   queryRange(j0, j1) rows [x, y) that may see any key of [j0, j1)
 */
export function flashCommonWgsl(f: FlashFlags, auxBinding: number): string {
  const c = compiledFlags(f);
  return `${FLASH_UNIFORMS_WGSL}
@group(0) @binding(${auxBinding}) var<storage, read> AUX: array<u32>;

fn on(bit: u32) -> bool { return (u.fl & bit) != 0u; }
/** NaN test on the bits (compilers may fold x != x to false under finite-math assumptions). */
fn isNan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }

fn allowed(b: u32, i: i32, j: i32) -> bool {
  var ok = true;
  ${c.mask ? `let c = i + i32(u.Tk) - i32(u.Tq);
  if (on(${FLAG_CAUSAL}u)) { ok = ok && j <= c; }
  if (on(${FLAG_WINDOW}u)) { if (u.wl >= 0) { ok = ok && j >= c - u.wl; } if (u.wr >= 0) { ok = ok && j <= c + u.wr; } }
  if (on(${FLAG_KEYMASK}u)) { ok = ok && AUX[u.auxKm + b * u.Tk + u32(j)] != 0u; }
  if (on(${FLAG_SEGMENTS}u)) { ok = ok && AUX[u.auxSq + b * u.Tq + u32(i)] == AUX[u.auxSk + b * u.Tk + u32(j)]; }` : ''}
  return ok;
}

fn score(raw: f32, h: u32, i: i32, j: i32) -> vec2<f32> {
  var s = raw;
  var d = 1.0;
  ${c.mod ? `if (on(${FLAG_SOFTCAP}u)) { let t = tanh(clamp(raw / u.softcap, -20.0, 20.0)); s = u.softcap * t; d = 1.0 - t * t; }
  if (on(${FLAG_ALIBI}u)) { s = s - bitcast<f32>(AUX[u.auxSl + h]) * abs(f32(j - (i + i32(u.Tk) - i32(u.Tq)))); }` : ''}
  return vec2<f32>(s, d);
}

fn keyRange(i0: i32, i1: i32) -> vec2<i32> {
  let off = i32(u.Tk) - i32(u.Tq);
  var lo = 0;
  var hi = i32(u.Tk);
  if (on(${FLAG_CAUSAL}u)) { hi = min(hi, i1 + off); }
  if (on(${FLAG_WINDOW}u)) { if (u.wl >= 0) { lo = max(lo, i0 + off - u.wl); } if (u.wr >= 0) { hi = min(hi, i1 + off + u.wr); } }
  return vec2<i32>(lo, max(lo, hi));
}

fn queryRange(j0: i32, j1: i32) -> vec2<i32> {
  let off = i32(u.Tk) - i32(u.Tq);
  var lo = 0;
  var hi = i32(u.Tq);
  if (on(${FLAG_CAUSAL}u)) { lo = max(lo, j0 - off); }
  if (on(${FLAG_WINDOW}u)) { if (u.wr >= 0) { lo = max(lo, j0 - off - u.wr); } if (u.wl >= 0) { hi = min(hi, j1 + u.wl - off); } }
  return vec2<i32>(lo, max(lo, hi));
}
`;
}

/** A short key for the compiled flags, for pipeline labels. */
export const flagKey = (f: FlashFlags): string => {
  const c = compiledFlags(f);
  return [c.mask ? 'mask' : '', c.mod ? 'mod' : ''].filter(Boolean).join('+') || 'plain';
};
