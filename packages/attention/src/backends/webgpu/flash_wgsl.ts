/**
 * WGSL shared by the flash programs: the element mask, the score transform
 * and the analytic key/query ranges of causal and window masks. Options are
 * compile-time flags (one pipeline per combination), so a plain call has no
 * masking code at all. Semantics: impl/flash_types.ts.
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
  return `${FLASH_UNIFORMS_WGSL}
@group(0) @binding(${auxBinding}) var<storage, read> AUX: array<u32>;

fn allowed(b: u32, i: i32, j: i32) -> bool {
  var ok = true;
  let c = i + i32(u.Tk) - i32(u.Tq);
  ${f.causal ? 'ok = ok && j <= c;' : ''}
  ${f.window ? 'if (u.wl >= 0) { ok = ok && j >= c - u.wl; } if (u.wr >= 0) { ok = ok && j <= c + u.wr; }' : ''}
  ${f.keyMask ? 'ok = ok && AUX[u.auxKm + b * u.Tk + u32(j)] != 0u;' : ''}
  ${f.segments ? 'ok = ok && AUX[u.auxSq + b * u.Tq + u32(i)] == AUX[u.auxSk + b * u.Tk + u32(j)];' : ''}
  return ok;
}

fn score(raw: f32, h: u32, i: i32, j: i32) -> vec2<f32> {
  var s = raw;
  var d = 1.0;
  ${f.softcap ? 'let t = tanh(clamp(raw / u.softcap, -20.0, 20.0)); s = u.softcap * t; d = 1.0 - t * t;' : ''}
  ${f.alibi ? 's = s - bitcast<f32>(AUX[u.auxSl + h]) * abs(f32(j - (i + i32(u.Tk) - i32(u.Tq))));' : ''}
  return vec2<f32>(s, d);
}

fn keyRange(i0: i32, i1: i32) -> vec2<i32> {
  let off = i32(u.Tk) - i32(u.Tq);
  var lo = 0;
  var hi = i32(u.Tk);
  ${f.causal ? 'hi = min(hi, i1 + off);' : ''}
  ${f.window ? 'if (u.wl >= 0) { lo = max(lo, i0 + off - u.wl); } if (u.wr >= 0) { hi = min(hi, i1 + off + u.wr); }' : ''}
  return vec2<i32>(lo, max(lo, hi));
}

fn queryRange(j0: i32, j1: i32) -> vec2<i32> {
  let off = i32(u.Tk) - i32(u.Tq);
  var lo = 0;
  var hi = i32(u.Tq);
  ${f.causal ? 'lo = max(lo, j0 - off);' : ''}
  ${f.window ? 'if (u.wr >= 0) { lo = max(lo, j0 - off - u.wr); } if (u.wl >= 0) { hi = min(hi, j1 + u.wl - off); }' : ''}
  return vec2<i32>(lo, max(lo, hi));
}
`;
}

/** A short key for the flags, for labels. */
export const flagKey = (f: FlashFlags): string =>
  (Object.keys(f) as Array<keyof FlashFlags>)
    .filter((k) => f[k])
    .join('+') || 'plain';
