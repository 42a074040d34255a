/**
 * Causal mask as a BlockMask: query i sees keys j <= i + Tk - Tq (bottom-right
 * aligned, as FlashAttention 2.1+ and KV-cache decoding need). Lower-triangle
 * blocks are full, diagonal blocks partial, the rest are skipped: about half
 * the dense work. Paper: Vaswani et al. 2017 (decoder self-attention).
 */
import { bandLayout, bandPredicate } from './band';
import { BlockMask } from './block_mask';
import { BlockMaskShape, resolveShape } from './shape';

/**
 * @param shape `{Tq, Tk = Tq, blockSize = 64}`.
 * @example
 * const mask = causal({ Tq: 1024 });
 * const out = blockSparseAttention(q, k, v, mask); // equals flashAttention(q, k, v, {causal: true})
 */
export function causal(shape: BlockMaskShape): BlockMask {
  const s = resolveShape(shape, 'causal');
  return BlockMask.create({
    B: 1,
    H: 1,
    shape: s,
    layout: bandLayout(s, Infinity, 0),
    predicate: bandPredicate(s.shift, Infinity, 0),
    description: 'causal()',
  });
}
