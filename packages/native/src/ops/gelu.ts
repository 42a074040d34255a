/**
 * GELU (Hendrycks & Gimpel 2016, "Gaussian Error Linear Units"): exact
 * x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)), or the tanh approximation GPT-2
 * uses, 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
 *
 * On `cpu` and `wasm` with the native ops registered, forward and backward are
 * one vectorised pass each (erf by Abramowitz & Stegun 7.1.26, as tfjs's cpu
 * Erf); elsewhere the same formula in tfjs ops with tfjs's gradients.
 */
import { add, customGrad, engine, erf, GradSaveFunc, mul, pow, tanh, Tensor, tidy } from '@tensorflow/tfjs-core';
import { assertFloat, assertTensor, opError } from './check';
import { TesseraGelu, TesseraGeluGrad } from './kernel_names';
import { fusedKernelsActive } from './registry';

const OP = 'gelu';

function composed(x: Tensor, approximate: boolean): Tensor {
  return tidy(() => {
    if (!approximate) return mul(mul(x, 0.5), add(1, erf(mul(x, Math.SQRT1_2))));
    const inner = mul(Math.sqrt(2 / Math.PI), add(x, mul(0.044715, pow(x, 3))));
    return mul(mul(x, 0.5), add(1, tanh(inner)));
  });
}

const fused = (approximate: boolean) =>
  customGrad(((x: Tensor, save: GradSaveFunc) => {
    const y = engine().runKernel(TesseraGelu, { x }, { approximate }) as Tensor;
    save([x]);
    return {
      value: y,
      gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => engine().runKernel(TesseraGeluGrad, { x: saved[0], dy: dy as Tensor }, { approximate }) as Tensor,
    };
  }) as unknown as Parameters<typeof customGrad>[0]);

/**
 * GELU of `x` (float32, any shape).
 * @param approximate the tanh form (default false: exact, erf).
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import { gelu } from '@tessera/native';
 * gelu(tf.tensor1d([-1, 0, 1]), true).print(); // [-0.1588, 0, 0.8412]
 */
export function gelu(x: Tensor, approximate = false): Tensor {
  assertTensor(x, 'x', OP);
  if (typeof approximate !== 'boolean') throw opError(OP, `approximate must be a boolean, received ${String(approximate)}`);
  assertFloat(x, 'x', OP);
  if (!fusedKernelsActive() || x.size === 0) return composed(x, approximate);
  return fused(approximate)(x);
}
