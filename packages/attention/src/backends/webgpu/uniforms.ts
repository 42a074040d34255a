/**
 * The uniform block every Tessera flash program shares (wgsl FLASH_UNIFORMS):
 * sizes, the chunk's first unit, per-binding element offsets, score options.
 */
export interface FlashUniforms {
  B: number;
  H: number;
  Hkv: number;
  G: number;
  Tq: number;
  Tk: number;
  /** First unit (b*H+h, or b*Hkv+kvh for key-side programs) of this chunk. */
  unit0: number;
  /** Element offsets of bindings 0..7 inside their bound windows. */
  offsets: number[];
  scale: number;
  softcap: number;
  wl: number;
  wr: number;
  /** Element offsets of keyMask, segQ, segK, slopes inside the aux buffer. */
  aux: [number, number, number, number];
  /** Real head sizes (the programs' register arrays are padded, see flash_wgsl.ts padDim). */
  D: number;
  Dv: number;
  /** Runtime option bits (FLAG_* in flash_wgsl.ts). */
  flags: number;
}

/** Packs FlashUniforms in the order of the WGSL struct below (all 4-byte fields, 16-byte padded). */
export function packFlashUniforms(u: FlashUniforms): ArrayBuffer {
  const buf = new ArrayBuffer(112);
  const i32 = new Int32Array(buf);
  const u32 = new Uint32Array(buf);
  const f32 = new Float32Array(buf);
  [u.B, u.H, u.Hkv, u.G, u.Tq, u.Tk, u.unit0, u.D].forEach((x, i) => (u32[i] = x));
  for (let i = 0; i < 8; i++) u32[8 + i] = u.offsets[i] ?? 0;
  f32[16] = u.scale;
  f32[17] = u.softcap;
  i32[18] = u.wl;
  i32[19] = u.wr;
  f32[20] = -Infinity;
  f32[21] = NaN;
  u.aux.forEach((x, i) => (u32[22 + i] = x));
  u32[26] = u.Dv;
  u32[27] = u.flags;
  return buf;
}

export const FLASH_UNIFORMS_WGSL = /* wgsl */ `
struct U {
  B: u32, H: u32, Hkv: u32, G: u32, Tq: u32, Tk: u32, unit0: u32, rd: u32,
  o0: u32, o1: u32, o2: u32, o3: u32, o4: u32, o5: u32, o6: u32, o7: u32,
  scale: f32, softcap: f32, wl: i32, wr: i32, negInf: f32, nan: f32,
  auxKm: u32, auxSq: u32, auxSk: u32, auxSl: u32, rdv: u32, fl: u32,
};`;
