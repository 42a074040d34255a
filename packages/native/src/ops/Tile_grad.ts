/**
 * A Tile gradient in one reduction: dy [r0*d0, r1*d1, ...] viewed as
 * [r0, d0, r1, d1, ...] and summed over the r axes. tfjs's own gradient adds one
 * slice of dy per tile (B*T slices for tfjs-layers' LayerNormalization, which
 * tiles gamma/beta to [B, T, C]: 4,096 slice+add pairs per step in the GPT
 * benchmark, most of its time), and has none for rank 5. Installed with the
 * native ops, tfjs's gradient restored when they are switched off.
 */
import { GradConfig, NamedAttrMap, reshape, sum, Tensor } from '@tensorflow/tfjs-core';

export const tileGradConfig: GradConfig = {
  kernelName: 'Tile',
  inputsToSave: ['x'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [x] = saved;
    const reps = (attrs as unknown as { reps: number[] }).reps;
    // [r0*d0, r1*d1, ...] -> [r0, d0, r1, d1, ...]: output index r*d + j of each axis is rep r, element j.
    const split = x.shape.flatMap((d, i) => [reps[i], d]);
    const axes = x.shape.map((_, i) => 2 * i);
    return { x: () => reshape(sum(reshape(dy as Tensor, split), axes), x.shape) };
  },
};
