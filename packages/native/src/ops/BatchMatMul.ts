/**
 * Native BatchMatMul for `cpu` and `wasm`: float32 products of any rank with
 * every transpose flag and broadcast batch dims on the packed sgemm
 * (src/cc/gemm_impl.h), multi-threaded. Anything else (int32, shapes that do
 * not multiply, empty outputs, other backends) goes to tfjs's own kernel.
 */
import { BatchMatMulAttrs, KernelBackend, KernelFunc, TensorInfo, util } from '@tensorflow/tfjs-core';
import { hostBackend, runHost } from './host';
import { planMatMul } from './mat_mul_plan';
import { BCAST, needOps } from './raw';

export function batchMatMulKernel(original: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as unknown as Record<'a' | 'b', TensorInfo>;
    const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
    const plan = a.dtype === 'float32' && b.dtype === 'float32' ? planMatMul(a, b, transposeA, transposeB) : null;
    if (!plan || !hostBackend(args.backend as KernelBackend) || util.sizeFromShape(plan.outShape) === 0) return original(args);
    const ops = needOps('BatchMatMul');
    return runHost(args.backend as KernelBackend, [a, b], [[plan.outShape, 'float32']], ([av, bv], [ov]) => {
      ops.opsGemm(av as Float32Array, bv as Float32Array, ov as Float32Array, plan.batch, plan.M, plan.N, plan.K, transposeA, transposeB,
        plan.aIndex, plan.bIndex, plan.aBatches, plan.bBatches, null, BCAST.none, 0, 0, null, BCAST.none);
    })[0] as TensorInfo;
  };
}
