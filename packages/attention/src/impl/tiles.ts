/**
 * Tile sizes of the TypeScript engine and why.
 *
 * Br = 64 query rows by Bc = 64 keys. The routine walks a tile row by row,
 * and for each row reads the Bc keys' k rows (Bc * D floats) and v rows
 * (Bc * Dv floats): with D = Dv = 64 that is 2 x 16 KiB of float32, which
 * stays in a 32 KiB L1 data cache... nearly, and comfortably in L2, across the
 * Br rows that reuse it; the running state (m, l and the Br x Dv float64
 * accumulator, 32 KiB) sits in L2 too. Larger Bc means fewer rescalings of the
 * accumulator (one per chunk per row) but worse reuse; measured on a 2-core
 * Zen 4 the choice between 32 and 128 moves the forward by a few percent
 * (docs/flash-attention.md), 64 being the best or tied. Br also sets the
 * granularity of tile skipping under causal/window/segment masks: 64 wastes at
 * most one diagonal tile per row of tiles.
 *
 * Results do not depend on the tile sizes beyond float32 rounding of the
 * final division (the test suite runs several sizes); callers may override
 * them through FlashParams.tiles.
 */
import type { TileSizes } from './flash_types';

export const DEFAULT_TILES: Readonly<TileSizes> = Object.freeze({ br: 64, bc: 64 });
