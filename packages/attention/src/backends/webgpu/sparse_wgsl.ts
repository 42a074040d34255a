/**
 * WGSL of block-sparse attention (FlexAttention-style BlockMask; Longformer,
 * BigBird) on webgpu: the flash programs' tiles, online softmax and score
 * transform (flash_wgsl.ts), walking a BlockMask's block lists (sparse_mask.ts)
 * instead of key ranges. A workgroup covers rows of ONE query block (forward,
 * dQ) or keys of ONE key block (dK/dV), so its block list is uniform and the
 * K/V (or Q/dO) tiles can be shared. Partial blocks test one bit per element.
 */
import { clampedRow, kvBasesWgsl, queryUnitWgsl } from './wgsl_snippets';

/**
 * The mask's words live in the aux buffer after the alibi slopes (at u.auxKm):
 * a separate binding would make the dK/dV program's ninth storage buffer,
 * over WebGPU's default limit of 8 per stage.
 */
export const SPARSE_MASK_WGSL = `
fn mk(x: u32) -> u32 { return AUX[u.auxKm + x]; }
/** The layout's (b, h) row set of a call's (b, h) (a layout of B or H 1 is shared). */
fn layoutSet(b: u32, h: u32) -> u32 {
  return select(b, 0u, mk(3u) == 1u) * mk(4u) + select(h, 0u, mk(4u) == 1u);
}
fn visible(bo: u32, li: u32, lj: u32) -> bool {
  if (bo == 0xffffffffu) { return true; }
  let bit = li * mk(0u) + lj;
  return (mk(bo + bit / 32u) & (1u << (bit % 32u))) != 0u;
}`;

/** Workgroups of 64 rows per block: x = block * perBlock + part. */
export const ROWS = 64;
export const groupsPerBlock = (bs: number): number => Math.ceil(bs / ROWS);

/** WGSL of the query-side programs (forward, dQ): constants and the K/V tiles of BC keys in workgroup memory. */
export const kvTileDeclsWgsl = (BC: number, D: number, DV: number): string => `const BC = ${BC}u;
const D = ${D}u;
const DV = ${DV}u;
var<workgroup> Ks: array<f32, ${BC * D}>;
var<workgroup> Vs: array<f32, ${BC * DV}>;`;

/**
 * WGSL statements of a query-side workgroup: block size bs, query block qb
 * (x = block * per + part), the (b, h) unit, this thread's row li of the block,
 * i in the sequence (`valid` inside both) and its clamped `row`.
 */
export const queryBlockRowWgsl = `let bs = mk(0u);
  let per = (bs + ${ROWS - 1}u) / ${ROWS}u;
  let qb = wg.x / per;
  ${queryUnitWgsl}
  let li = (wg.x % per) * ${ROWS}u + lid;
  let i = i32(qb * bs + li);
  let valid = li < bs && i < i32(u.Tq);
  let row = ${clampedRow('ul', 'u.Tq', 'i')};`;

/** WGSL statements: entry e of the row's block list: key block kb, its bit offset bo (all-on: ~0), keys [j0, j1). */
const keyBlockWgsl = `let kb = mk(mk(6u) + e);
    let bo = mk(mk(7u) + e);
    let j0 = i32(kb * bs);
    let j1 = min(j0 + i32(bs), i32(u.Tk));`;

/** WGSL statements: the K/V tiles of keys [t0, t0 + BC), zero at or past j1 (between the caller's barriers). */
const kvTileLoadsWgsl = (RD: string, RDV: string): string => `for (var x = lid; x < BC * D; x += ${ROWS}u) {
        let j = t0 + i32(x / D);
        Ks[x] = select(0.0, K[kBase + u32(j) * ${RD} + x % D], j < j1 && x % D < ${RD});
      }
      for (var x = lid; x < BC * DV; x += ${ROWS}u) {
        let j = t0 + i32(x / DV);
        Vs[x] = select(0.0, V[vBase + u32(j) * ${RDV} + x % DV], j < j1 && x % DV < ${RDV});
      }`;

/**
 * WGSL statements walking the query block's key blocks (forward, dQ): K/V
 * tiles through workgroup memory; for each key j the row sees, dot = q . k_j,
 * then `body` (statements continuing at the key loop's depth, 12 spaces).
 */
export const visibleKeysWgsl = (RD: string, RDV: string, body: string): string => `let r = layoutSet(b, h) * mk(1u) + qb;
  ${kvBasesWgsl(RD, RDV)}
  for (var e = mk(mk(5u) + r); e < mk(mk(5u) + r + 1u); e++) {
    ${keyBlockWgsl}
    for (var t0 = j0; t0 < j1; t0 += i32(BC)) {
      workgroupBarrier();
      ${kvTileLoadsWgsl(RD, RDV)}
      workgroupBarrier();
      if (valid) {
        let jn = min(i32(BC), j1 - t0);
        for (var jj = 0; jj < jn; jj++) {
          let j = t0 + jj;
          if (visible(bo, li, u32(j - j0))) {
            var dot = 0.0;
            for (var d = 0u; d < D; d++) { dot += q[d] * Ks[u32(jj) * D + d]; }
            ${body}
          }
        }
      }
    }
  }`;
