/**
 * Layer normalization over the last axis (Ba, Kiros & Hinton 2016, "Layer
 * Normalization"): y = (x - mean) / sqrt(var + epsilon) * gamma + beta, with
 * the biased variance, as Keras and PyTorch compute it.
 *
 * On `cpu` and `wasm` with the native ops registered, one kernel computes y and
 * saves the row mean and 1/std; the backward kernel computes dx, dgamma, dbeta
 * in one pass (instead of ~15 tfjs kernels each way). Elsewhere (browser, other
 * backends, addon not built, TESSERA_NATIVE_OPS=0) it is the same formula in
 * tfjs ops (moments, sub, mul, rsqrt, add), with tfjs's gradients.
 */
import { add, customGrad, engine, GradSaveFunc, moments, mul, rsqrt, sub, Tensor, tidy } from '@tensorflow/tfjs-core';
import { assertFloat, assertTensor, opError } from './check';
import { TesseraLayerNorm, TesseraLayerNormGrad } from './kernel_names';
import { fusedKernelsActive } from './registry';

const OP = 'layerNorm';

function composed(x: Tensor, gamma: Tensor, beta: Tensor, epsilon: number): Tensor {
  return tidy(() => {
    const { mean, variance } = moments(x, -1, true);
    return add(mul(mul(sub(x, mean), rsqrt(add(variance, epsilon))), gamma), beta);
  });
}

const fused = (epsilon: number) =>
  customGrad(((x: Tensor, gamma: Tensor, beta: Tensor, save: GradSaveFunc) => {
    const [y, mean, rstd] = engine().runKernel(TesseraLayerNorm, { x, gamma, beta }, { epsilon }) as Tensor[];
    save([x, gamma, mean, rstd]);
    return {
      value: y,
      gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
        const [sx, sg, sm, sr] = saved;
        return engine().runKernel(TesseraLayerNormGrad, { x: sx, gamma: sg, mean: sm, rstd: sr, dy: dy as Tensor }, {}) as Tensor[];
      },
    };
  }) as unknown as Parameters<typeof customGrad>[0]);

/**
 * Layer norm of `x` [..., C] with scale `gamma` [C] and offset `beta` [C].
 * @param epsilon added to the variance (default 1e-5, PyTorch's; Keras uses 1e-3).
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import { layerNorm } from '@tessera/native';
 * const y = layerNorm(tf.randomNormal([2, 5, 8]), tf.ones([8]), tf.zeros([8]));
 */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, epsilon = 1e-5): Tensor {
  assertTensor(x, 'x', OP);
  assertTensor(gamma, 'gamma', OP);
  assertTensor(beta, 'beta', OP);
  if (x.rank < 1) throw opError(OP, `x must have rank >= 1, received a scalar`);
  const C = x.shape[x.rank - 1];
  for (const [name, t] of [['gamma', gamma], ['beta', beta]] as const) {
    if (t.rank !== 1 || t.shape[0] !== C) throw opError(OP, `${name} must have shape [${C}] (x's last dim), received [${t.shape}]`);
  }
  if (typeof epsilon !== 'number' || !(epsilon > 0) || !Number.isFinite(epsilon)) throw opError(OP, `epsilon must be a finite number > 0, received ${String(epsilon)}`);
  assertFloat(x, 'x', OP);
  assertFloat(gamma, 'gamma', OP);
  assertFloat(beta, 'beta', OP);
  if (!fusedKernelsActive() || x.size === 0) return composed(x, gamma, beta, epsilon);
  return fused(epsilon)(x, gamma, beta);
}
