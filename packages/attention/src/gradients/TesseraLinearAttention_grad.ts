/**
 * Gradient of TesseraLinearAttention, shared by every backend: one call of
 * TesseraLinearAttentionGrad yields the gradients with respect to the mapped
 * q and k and to v, exactly (no approximation: den is saved by the forward).
 * It runs eagerly here, not inside the per-input closures, because tfjs
 * evaluates each closure in its own tidy. The den output is internal (the op
 * never returns it), so its incoming gradient (zeros) is ignored.
 */
import { engine, GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';
import { TesseraLinearAttention, TesseraLinearAttentionGrad } from '../kernel_names';

export const linearAttentionGradConfig: GradConfig = {
  kernelName: TesseraLinearAttention,
  inputsToSave: ['q', 'k', 'v'],
  outputsToSave: [true, true],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs?: NamedAttrMap) => {
    const [q, k, v, out, den] = saved;
    const dOut = Array.isArray(dy) ? dy[0] : dy;
    const [dq, dk, dv] = engine().runKernel(TesseraLinearAttentionGrad, { dy: dOut, q, k, v, out, den }, attrs) as Tensor[];
    return { q: () => dq, k: () => dk, v: () => dv };
  },
};
