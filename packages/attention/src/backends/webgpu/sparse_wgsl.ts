/**
 * WGSL of block-sparse attention (FlexAttention-style BlockMask; Longformer,
 * BigBird) on webgpu: the flash programs' tiles, online softmax and score
 * transform (flash_wgsl.ts), walking a BlockMask's block lists (sparse_mask.ts)
 * instead of key ranges. A workgroup covers rows of ONE query block (forward,
 * dQ) or keys of ONE key block (dK/dV), so its block list is uniform and the
 * K/V (or Q/dO) tiles can be shared. Partial blocks test one bit per element.
 */
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
