/**
 * Native Sum for `cpu` and `wasm` (float32): the bias gradients of every dense
 * layer (dy [B*T, N] summed over rows) and the Tile gradient's reduction were
 * a quarter of the GPT training step in tfjs's single-threaded kernels.
 * Size-1 dims are dropped and neighbouring dims of the same kind merged, so
 * any reduction over one contiguous block of axes becomes x [A, R, P] ->
 * out [A, P] (each sum in r order, threads split A and P). Other patterns,
 * other dtypes and empty tensors go to tfjs's own kernel.
 */
import { backend_util, KernelBackend, KernelFunc, SumAttrs, TensorInfo, util } from '@tensorflow/tfjs-core';
import { hostBackend, runHost } from './host';
import { needOps } from './raw';

/** [A, R, P] of the reduction of `shape` over `axes`, or null when the reduced axes are not one block. */
export function sumPlan(shape: number[], axes: number[]): [number, number, number] | null {
  const red = new Set(axes);
  let A = 1, R = 1, P = 1, phase = 0;  // 0: before the reduced block, 1: inside it, 2: after it
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    if (red.has(i)) {
      if (phase === 2) return null;
      phase = 1;
      R *= shape[i];
    } else if (phase === 0) {
      A *= shape[i];
    } else {
      phase = 2;
      P *= shape[i];
    }
  }
  return [A, R, P];
}

export function sumKernel(original: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as unknown as Record<'x', TensorInfo>;
    const { axis, keepDims } = args.attrs as unknown as SumAttrs;
    if (x.dtype !== 'float32' || !hostBackend(args.backend as KernelBackend) || util.sizeFromShape(x.shape) === 0) return original(args);
    const axes = util.parseAxisParam(axis, x.shape);
    const plan = sumPlan(x.shape, axes);
    if (!plan) return original(args);
    const [outShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
    const shape = keepDims ? backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
    const [A, R, P] = plan;
    return runHost(args.backend as KernelBackend, [x], [[shape, 'float32']], ([xv], [ov]) => {
      needOps('Sum').opsReduceSum(xv as Float32Array, ov as Float32Array, A, R, P);
    })[0] as TensorInfo;
  };
}
