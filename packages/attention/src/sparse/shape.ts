/**
 * The shape a BlockMask is built for, and its validation. Every builder takes
 * one of these (`{Tq, Tk, blockSize}`), so a mask records exactly which
 * attention call it fits and `blockSparseAttention` can reject any other.
 */
import { assertInteger, fail, formatValue } from '@tessera/tensor';

/**
 * Default block size: 64, the tile FlashAttention-2 and FlexAttention use on
 * CPUs-sized caches; small enough that a window of 256 wastes at most two
 * partial blocks per row, large enough that per-block bookkeeping is
 * negligible next to the 64 x 64 x D multiply-adds of a block.
 * When the sequence is shorter, the largest power of two <= max(Tq, Tk) is used.
 */
export const DEFAULT_BLOCK_SIZE = 64;

/** Sizes a builder needs. */
export interface BlockMaskShape {
  /** Query length. */
  Tq: number;
  /** Key length; default Tq. */
  Tk?: number;
  /** Tile edge in queries and keys: a positive power of two <= max(Tq, Tk). Default {@link DEFAULT_BLOCK_SIZE} (clamped for short sequences). */
  blockSize?: number;
}

/** A validated shape with every field present. */
export interface ResolvedShape {
  Tq: number;
  Tk: number;
  blockSize: number;
  /** ceil(Tq / blockSize) */
  nQ: number;
  /** ceil(Tk / blockSize) */
  nK: number;
  /** Tk - Tq: query i sits at key position i + shift (bottom-right alignment). */
  shift: number;
}

function isPowerOfTwo(x: number): boolean {
  return Number.isInteger(x) && x > 0 && (x & (x - 1)) === 0;
}

/** Validates `shape` for builder `where`, applying defaults. */
export function resolveShape(shape: unknown, where: string): ResolvedShape {
  if (typeof shape !== 'object' || shape === null || Array.isArray(shape)) fail(where, `shape must be {Tq, Tk?, blockSize?}, received ${formatValue(shape)}`);
  const s = shape as BlockMaskShape;
  for (const key of Object.keys(s)) {
    if (!['Tq', 'Tk', 'blockSize'].includes(key)) fail(where, `shape has an unknown field ${JSON.stringify(key)}; valid fields are Tq, Tk, blockSize`);
  }
  assertInteger(s.Tq, 'shape.Tq', where);
  const Tk = s.Tk ?? s.Tq;
  assertInteger(Tk, 'shape.Tk', where);
  const longest = Math.max(s.Tq, Tk);
  let blockSize: number;
  if (s.blockSize === undefined) {
    blockSize = Math.min(DEFAULT_BLOCK_SIZE, 2 ** Math.floor(Math.log2(longest)));
  } else {
    blockSize = s.blockSize;
    if (typeof blockSize !== 'number' || !isPowerOfTwo(blockSize)) fail(where, `shape.blockSize must be a positive power of two, received ${formatValue(blockSize)}`);
    if (blockSize > longest) fail(where, `shape.blockSize must be <= the sequence length max(Tq, Tk) = ${longest}, received ${blockSize}`);
  }
  return { Tq: s.Tq, Tk, blockSize, nQ: Math.ceil(s.Tq / blockSize), nK: Math.ceil(Tk / blockSize), shift: Tk - s.Tq };
}

/** Asserts `x` is an integer >= 0 or +Infinity (an unbounded window side). */
export function assertExtent(x: unknown, name: string, where: string): asserts x is number {
  const ok = typeof x === 'number' && (x === Infinity || (Number.isInteger(x) && x >= 0));
  if (!ok) fail(where, `${name} must be an integer >= 0 (or Infinity for unbounded), received ${formatValue(x)}`);
}
