/**
 * Native _FusedMatMul for `cpu` and `wasm`: act(op(a) op(b) + bias) in one
 * pass (bias and activation applied to each C tile while it is in cache) for
 * the activations tfjs defines (linear, relu, relu6, prelu, elu, leakyrelu,
 * sigmoid). Its gradient is tfjs's own (fused matMul's customGrad: BatchMatMul
 * and reductions, which run natively too). Bias / prelu weights that broadcast
 * other than as a scalar, a row [N] or the full output go to tfjs's kernel.
 */
import { KernelBackend, KernelFunc, TensorInfo, util, _FusedMatMulAttrs, _FusedMatMulInputs } from '@tensorflow/tfjs-core';
import { hostBackend, runHost } from './host';
import { planMatMul } from './mat_mul_plan';
import { ACT, BCAST, needOps } from './raw';

/** How `t` broadcasts over outShape [..., M, N], or -1 when none of the native modes fits. */
export function broadcastMode(t: TensorInfo | undefined, outShape: number[]): number {
  if (!t) return BCAST.none;
  if (t.dtype !== 'float32') return -1;
  const n = util.sizeFromShape(t.shape), N = outShape[outShape.length - 1];
  if (n === 1) return BCAST.scalar;
  if (t.shape[t.shape.length - 1] === N && n === N) return BCAST.perColumn;
  if (t.shape.length <= outShape.length && util.arraysEqual(t.shape, outShape.slice(outShape.length - t.shape.length)) && n === util.sizeFromShape(outShape)) return BCAST.full;
  return -1;
}

export function fusedMatMulKernel(original: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b, bias, preluActivationWeights: prelu } = args.inputs as unknown as _FusedMatMulInputs;
    const { transposeA, transposeB, activation, leakyreluAlpha } = args.attrs as unknown as _FusedMatMulAttrs;
    const act = (ACT as Record<string, number>)[activation ?? 'linear'];
    const plan = a.dtype === 'float32' && b.dtype === 'float32' && act !== undefined ? planMatMul(a, b, transposeA, transposeB) : null;
    if (!plan || !hostBackend(args.backend as KernelBackend) || util.sizeFromShape(plan.outShape) === 0) return original(args);
    const biasMode = broadcastMode(bias, plan.outShape);
    const preluMode = act === ACT.prelu ? broadcastMode(prelu, plan.outShape) : BCAST.none;
    if (biasMode < 0 || preluMode < 0 || (act === ACT.prelu && preluMode === BCAST.none)) return original(args);
    const ops = needOps('_FusedMatMul');
    return runHost(args.backend as KernelBackend, [a, b, bias ?? null, act === ACT.prelu ? prelu ?? null : null], [[plan.outShape, 'float32']], ([av, bv, biasv, pv], [ov]) => {
      ops.opsGemm(av as Float32Array, bv as Float32Array, ov as Float32Array, plan.batch, plan.M, plan.N, plan.K, transposeA, transposeB,
        plan.aIndex, plan.bIndex, plan.aBatches, plan.bBatches, biasv as Float32Array | null, biasMode, act, leakyreluAlpha ?? 0.2, pv as Float32Array | null, preluMode);
    })[0] as TensorInfo;
  };
}
