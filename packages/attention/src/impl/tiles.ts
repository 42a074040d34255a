/**
 * Tile sizes of the TypeScript engine and why.
 *
 * Br = 64 query rows by Bc = 64 keys. Per chunk the routine computes the
 * tile's Br x Bc scores (two query rows by four keys per pass), then per row
 * the online-softmax update and acc += P V (four keys per pass). The chunk's
 * k and v rows (Bc * D and Bc * Dv float32: 2 x 16 KiB at D = Dv = 64) are
 * reused by all Br rows from L1/L2; the score tile and the Br x Dv float64
 * accumulator (32 KiB each) sit in L2. Bc sets how often the accumulator is
 * rescaled (once per chunk per row), Br the granularity of tile skipping
 * under causal/window/segment masks (at most one partial diagonal tile per
 * tile row). Measured on the 2-core Zen 4 (n = 1024, H = 2, D = 64, CPU time):
 * every Br x Bc in {32, 64, 128} x {64, 128} is within 2% of 64 x 64
 * (forward ~3.5 GFLOP/s), so 64 x 64 is kept for the smallest scratch.
 *
 * Results do not depend on the tile sizes beyond float32 rounding of the
 * final division (the test suite runs several sizes); callers may override
 * them through FlashParams.tiles.
 */
import type { TileSizes } from './flash_types';

export const DEFAULT_TILES: Readonly<TileSizes> = Object.freeze({ br: 64, bc: 64 });
