/**
 * Sliding-window (local) attention: query i sees the keys within `left`
 * before and `right` after its aligned position c = i + Tk - Tq.
 *
 * Papers: Longformer's local attention (Beltagy, Peters, Cohan 2020,
 * "Longformer: The Long-Document Transformer": symmetric window) and Mistral 7B
 * (Jiang et al. 2023: causal window of 4096, i.e. left = 4095, right = 0).
 * Cost O(Tq * (left + right + 2 * blockSize)), memory O(Tq / blockSize * w / blockSize).
 */
import { assertKnownOptions, fail, formatValue } from '@tessera/tensor';
import { bandLayout, bandPredicate } from './band';
import { BlockMask } from './block_mask';
import { assertExtent, BlockMaskShape, resolveShape } from './shape';

/** Window of a {@link slidingWindow} mask. */
export interface SlidingWindowConfig {
  /** Keys visible before the aligned query position: an integer >= 0, or Infinity (unbounded). */
  left: number;
  /** Keys visible after it: an integer >= 0, or Infinity. Use 0 for a causal window. */
  right: number;
}

/**
 * Mask of keys j with c - left <= j <= c + right, c = i + Tk - Tq (bottom-right aligned).
 * Blocks are classified analytically (full inside the band, partial on its edges).
 *
 * @param config `{left, right}`; `{left: w, right: 0}` is Mistral's causal window of w + 1 keys,
 *   `{left: w/2, right: w/2}` Longformer's local window of w + 1 keys.
 * @param shape `{Tq, Tk = Tq, blockSize = 64}`.
 * @example
 * const mask = slidingWindow({ left: 255, right: 0 }, { Tq: 16384 }); // Mistral-style, w = 256
 * const out = blockSparseAttention(q, k, v, mask);
 */
export function slidingWindow(config: SlidingWindowConfig, shape: BlockMaskShape): BlockMask {
  const where = 'slidingWindow';
  if (typeof config !== 'object' || config === null) fail(where, `config must be {left, right}, received ${formatValue(config)}`);
  assertKnownOptions(config, ['left', 'right'], 'config', where);
  assertExtent(config.left, 'config.left', where);
  assertExtent(config.right, 'config.right', where);
  const s = resolveShape(shape, where);
  const { left, right } = config;
  return BlockMask.create({
    B: 1,
    H: 1,
    shape: s,
    layout: bandLayout(s, left, right),
    predicate: bandPredicate(s.shift, left, right),
    description: `slidingWindow(left=${left}, right=${right})`,
  });
}
