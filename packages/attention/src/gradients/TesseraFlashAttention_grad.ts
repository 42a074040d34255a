/**
 * Gradient of TesseraFlashAttention, shared by every backend: one call of
 * TesseraFlashAttentionGrad (FlashAttention-2 backward: scores recomputed tile
 * by tile from the saved lse) gives dq, dk and dv together. It runs eagerly
 * here, not inside the per-input closures, because tfjs evaluates each closure
 * in its own tidy: a lazily shared result would be disposed by the first one
 * (eager tensors live in the backward pass's scope, which frees the unused).
 * The gradient reaching the lse output is passed on (dLse), so `returnLse`
 * outputs are exactly differentiable too. keyMask, segment ids and ALiBi
 * slopes are constants: their gradient is zero.
 */
import { engine, GradConfig, NamedAttrMap, Tensor, tensor, zeros, zerosLike } from '@tensorflow/tfjs-core';
import { TesseraFlashAttention, TesseraFlashAttentionGrad } from '../kernel_names';

export const flashAttentionGradConfig: GradConfig = {
  kernelName: TesseraFlashAttention,
  inputsToSave: ['q', 'k', 'v', 'keyMask', 'segmentIdsQ', 'segmentIdsK', 'alibiSlopes'],
  outputsToSave: [true, true],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs?: NamedAttrMap) => {
    const [q, k, v, keyMask, segmentIdsQ, segmentIdsK, alibiSlopes, out, lse] = saved;
    const [dOut, dLse] = dy as Array<Tensor | null>;
    // An output outside the differentiated graph arrives as null: zero for dy, empty (= zero) for dLse.
    const dyT = dOut ?? zerosLike(out);
    const dLseT = dLse ?? tensor([], [0], 'float32');
    const inputs = { q, k, v, keyMask, segmentIdsQ, segmentIdsK, alibiSlopes, out, lse, dy: dyT, dLse: dLseT };
    const [dq, dk, dv] = engine().runKernel(TesseraFlashAttentionGrad, inputs, attrs) as Tensor[];
    const none = (x: Tensor) => () => zeros(x.shape, 'float32');
    return {
      q: () => dq,
      k: () => dk,
      v: () => dv,
      keyMask: none(keyMask),
      segmentIdsQ: none(segmentIdsQ),
      segmentIdsK: none(segmentIdsK),
      alibiSlopes: none(alibiSlopes),
    };
  },
};
