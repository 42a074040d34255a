/**
 * TesseraLinearAttentionGrad on the shared host path: read dy, the mapped q
 * and k, v and the forward's out and den, run the engine's linearBackward,
 * write dq, dk, dv (gradients with respect to the features; the feature map's
 * own gradient is tfjs autodiff's job).
 */
import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { getEngine } from '../../../engine';
import { TesseraLinearAttentionAttrs, TesseraLinearAttentionGrad } from '../../../kernel_names';
import { attrsOf, registerHostKernel, runOnHost } from '../../host_path';
import { gradOutputSpecs } from '../../output_specs';
import { linearBackwardArgs, linearDims } from '../../shared/linear_args';

export const linearAttentionGradKernel: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as KernelBackend;
  const { dy, q, k, v, out, den } = inputs as Record<'dy' | 'q' | 'k' | 'v' | 'out' | 'den', TensorInfo>;
  const a = attrsOf<TesseraLinearAttentionAttrs>(attrs);
  const dims = linearDims(q.shape, k.shape, v.shape);
  const specs = gradOutputSpecs(q.shape, k.shape, v.shape);
  return runOnHost(backend, { dy, q, k, v, out, den }, specs, (ins, outs) => {
    getEngine().linearBackward(linearBackwardArgs(dims, ins, a, outs[0] as Float32Array, outs[1] as Float32Array, outs[2] as Float32Array));
  }, { overwrites: true }); // the engines' contract: outputs overwritten completely
};

export const linearAttentionGradConfig: Pick<KernelConfig, 'kernelName' | 'kernelFunc'> = {
  kernelName: TesseraLinearAttentionGrad,
  kernelFunc: linearAttentionGradKernel,
};

registerHostKernel(TesseraLinearAttentionGrad, linearAttentionGradKernel);
