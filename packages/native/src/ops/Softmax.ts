/**
 * Native Softmax over the last axis (the only one tfjs supports) for `cpu` and
 * `wasm`: one pass per row (max, exp, sum, scale) instead of six kernels.
 * Its gradient is tfjs's registered Softmax gradient.
 */
import { KernelBackend, KernelFunc, SoftmaxAttrs, TensorInfo, util } from '@tensorflow/tfjs-core';
import { hostBackend, runHost } from './host';
import { needOps } from './raw';

export function softmaxKernel(original: KernelFunc): KernelFunc {
  return (args) => {
    const { logits } = args.inputs as unknown as Record<'logits', TensorInfo>;
    const { dim } = args.attrs as unknown as SoftmaxAttrs;
    const rank = logits.shape.length;
    const cols = logits.shape[rank - 1];
    if (logits.dtype !== 'float32' || rank === 0 || (dim !== -1 && dim !== rank - 1) || !hostBackend(args.backend as KernelBackend) || !(cols > 0)) return original(args);
    const rows = util.sizeFromShape(logits.shape) / cols;
    return runHost(args.backend as KernelBackend, [logits], [[logits.shape, 'float32']], ([x], [y]) => {
      needOps('Softmax').opsSoftmax(x as Float32Array, y as Float32Array, rows, cols);
    })[0] as TensorInfo;
  };
}
