/**
 * Gradient of TesseraBlockSparseAttention, shared by every backend: one call
 * of TesseraBlockSparseAttentionGrad (which recomputes the probabilities from
 * the saved lse, block by block) yields dq, dk and dv together. It runs
 * eagerly here, not inside the per-input closures, because tfjs evaluates each
 * closure in its own tidy: a lazily shared result would be disposed by the
 * first one. dLse (the gradient reaching the lse output, zeros when unused)
 * makes `returnLse` outputs differentiable too.
 */
import { engine, GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';
import { TesseraBlockSparseAttention, TesseraBlockSparseAttentionGrad } from '../kernel_names';

export const blockSparseAttentionGradConfig: GradConfig = {
  kernelName: TesseraBlockSparseAttention,
  inputsToSave: ['q', 'k', 'v'],
  outputsToSave: [true, true],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs?: NamedAttrMap) => {
    const [q, k, v, out, lse] = saved;
    const [dOut, dLse] = dy as Tensor[];
    const [dq, dk, dv] = engine().runKernel(TesseraBlockSparseAttentionGrad, { dy: dOut, dLse, q, k, v, out, lse }, attrs) as Tensor[];
    return { q: () => dq, k: () => dk, v: () => dv };
  },
};
