/**
 * Adam (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization") with
 * one native kernel per variable and step: tfjs's AdamOptimizer runs ~12
 * elementwise kernels per variable (single-threaded on wasm, ~1,600 per GPT
 * step). Same state, formula and operation order as tfjs's optimizer (it is
 * a subclass: getWeights/setWeights, model.compile/fit and minimize work
 * unchanged); where the native kernels do not serve the backend, or a
 * variable is not float32, tfjs's own update runs.
 */
import { AdamOptimizer, engine, KernelBackend, KernelFunc, mul, serialization, Tensor, TensorInfo, tidy, Variable, zerosLike } from '@tensorflow/tfjs-core';
import { runHost } from './host';
import { TesseraAdam } from './kernel_names';
import { needOps } from './raw';
import { fusedKernelsActive } from './registry';

interface AdamAttrs {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  c1: number;
  c2: number;
}

export const adamKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, g, m, v } = inputs as unknown as Record<'x' | 'g' | 'm' | 'v', TensorInfo>;
  const a = attrs as unknown as AdamAttrs;
  return runHost(backend as KernelBackend, [x, g, m, v], [[x.shape, 'float32'], [x.shape, 'float32'], [x.shape, 'float32']], ([xv, gv, mv, vv], [xo, mo, vo]) => {
    needOps('adam').opsAdam(xv as Float32Array, gv as Float32Array, mv as Float32Array, vv as Float32Array, xo as Float32Array, mo as Float32Array, vo as Float32Array,
      a.learningRate, a.beta1, a.beta2, a.epsilon, a.c1, a.c2);
  });
};

/** tfjs's AdamOptimizer state (private there). */
interface AdamState {
  accBeta1: Variable;
  accBeta2: Variable;
  accumulatedFirstMoment: { originalName: string; variable: Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: Variable }[];
}

/**
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import { NativeAdamOptimizer } from '@tessera/native';
 * const w = tf.variable(tf.ones([4]));
 * const opt = new NativeAdamOptimizer(0.01);   // learningRate, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7 (tfjs's defaults)
 * opt.minimize(() => tf.sum(tf.square(w)));
 */
export class NativeAdamOptimizer extends AdamOptimizer {
  /** Its own name in tfjs's serialization registry (fromConfig builds this class). */
  static override get className(): string {
    return 'TesseraAdam';
  }

  constructor(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon: number | null = null) {
    super(learningRate, beta1, beta2, epsilon as number);
  }

  override applyGradients(variableGradients: Parameters<AdamOptimizer['applyGradients']>[0]): void {
    const list: { name: string; tensor: Tensor | null }[] = Array.isArray(variableGradients) ? variableGradients : Object.keys(variableGradients).map((name) => ({ name, tensor: variableGradients[name] }));
    const vars = engine().registeredVariables;
    if (!fusedKernelsActive() || list.some(({ name, tensor }) => vars[name]?.dtype !== 'float32' || (tensor && tensor.dtype !== 'float32'))) {
      super.applyGradients(variableGradients);
      return;
    }
    const s = this as unknown as AdamState;
    // tfjs computes 1 - beta^t in float32 on the backend: the same value here.
    const c1 = Math.fround(1 - s.accBeta1.dataSync()[0]), c2 = Math.fround(1 - s.accBeta2.dataSync()[0]);
    tidy(() => {
      list.forEach(({ name, tensor: g }, i) => {
        const value = vars[name];
        // Moments indexed by position, as tfjs's optimizer does.
        if (s.accumulatedFirstMoment[i] == null) s.accumulatedFirstMoment[i] = { originalName: `${name}/m`, variable: tidy(() => zerosLike(value).variable(false)) };
        if (s.accumulatedSecondMoment[i] == null) s.accumulatedSecondMoment[i] = { originalName: `${name}/v`, variable: tidy(() => zerosLike(value).variable(false)) };
        if (g == null) return;
        const m = s.accumulatedFirstMoment[i].variable, v = s.accumulatedSecondMoment[i].variable;
        const attrs: AdamAttrs = { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, c1, c2 };
        const [x2, m2, v2] = engine().runKernel(TesseraAdam, { x: value, g, m, v }, attrs as unknown as Record<string, number>) as Tensor[];
        m.assign(m2);
        v.assign(v2);
        value.assign(x2);
      });
      s.accBeta1.assign(mul(s.accBeta1, this.beta1));
      s.accBeta2.assign(mul(s.accBeta2, this.beta2));
    });
    this.incrementIterations();
  }
}
serialization.registerClass(NativeAdamOptimizer);
