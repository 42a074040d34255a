/**
 * Dilated sliding window (Longformer, Beltagy et al. 2020, section 3.1):
 * query i sees the keys at distances 0, d, 2d, ..., size*d from its aligned
 * position c = i + Tk - Tq (on both sides, or only before it with `causal`),
 * so a window of `size` keys per side covers a receptive field of size * d.
 * Longformer gives a few heads dilation d > 1 to reach further at equal cost.
 *
 * Blocks: the band [c - size*d, c + size*d] is visited and, with d > 1, every
 * visited block is partial (the predicate picks every d-th key). The work per
 * query is therefore that of the whole band, (2*size*d + bs) keys, not 2*size+1:
 * block sparsity cannot skip the holes inside a block.
 */
import { assertInteger, assertKnownOptions, fail, formatValue } from '@tessera/tensor';
import { bandLayout } from './band';
import { BlockMask } from './block_mask';
import { BlockMaskShape, resolveShape } from './shape';

/** Configuration of {@link dilatedWindow}. */
export interface DilatedWindowConfig {
  /** Keys per side (an integer >= 0); the query's own position is always included. */
  size: number;
  /** Spacing between visible keys (an integer >= 1); 1 is a plain sliding window. */
  dilation: number;
  /** Only keys before (and at) the query position. Default false. */
  causal?: boolean;
}

/**
 * Mask of keys j = c - t*d (and, unless causal, c + t*d) for t in 0..size.
 * @param config `{size, dilation, causal = false}`.
 * @param shape `{Tq, Tk = Tq, blockSize = 64}`.
 * @example
 * const mask = dilatedWindow({ size: 64, dilation: 2 }, { Tq: 4096 }); // 129 keys spanning 257 positions
 */
export function dilatedWindow(config: DilatedWindowConfig, shape: BlockMaskShape): BlockMask {
  const where = 'dilatedWindow';
  if (typeof config !== 'object' || config === null) fail(where, `config must be {size, dilation, causal?}, received ${formatValue(config)}`);
  assertKnownOptions(config, ['size', 'dilation', 'causal'], 'config', where);
  assertInteger(config.size, 'config.size', where, 0);
  assertInteger(config.dilation, 'config.dilation', where, 1);
  if (config.causal !== undefined && typeof config.causal !== 'boolean') fail(where, `config.causal must be a boolean, received ${formatValue(config.causal)}`);
  const s = resolveShape(shape, where);
  const { size, dilation: d } = config;
  const causalOnly = config.causal === true;
  const reach = size * d;
  const right = causalOnly ? 0 : reach;
  const shift = s.shift;
  return BlockMask.create({
    B: 1,
    H: 1,
    shape: s,
    layout: bandLayout(s, reach, right, d > 1),
    predicate: (_b, _h, i, j) => {
      const delta = i + shift - j; // > 0: key before the query
      return delta <= reach && delta >= -right && delta % d === 0;
    },
    description: `dilatedWindow(size=${size}, dilation=${d}${causalOnly ? ', causal' : ''})`,
  });
}
