/**
 * TesseraLinearAttention on the shared host path (cpu and wasm zero-copy, any
 * other backend by copy): read the mapped q, k and v, run the engine's
 * linearForward (TypeScript by default, C++ once @tessera/native installs it),
 * write out and den.
 */
import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { getEngine } from '../../../engine';
import { TesseraLinearAttention, TesseraLinearAttentionAttrs } from '../../../kernel_names';
import { attrsOf, registerHostKernel, runOnHost } from '../../host_path';
import { forwardOutputSpecs } from '../../output_specs';
import { linearDims, linearForwardArgs } from '../../shared/linear_args';

export const linearAttentionKernel: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as KernelBackend;
  const { q, k, v } = inputs as { q: TensorInfo; k: TensorInfo; v: TensorInfo };
  const a = attrsOf<TesseraLinearAttentionAttrs>(attrs);
  const dims = linearDims(q.shape, k.shape, v.shape);
  const specs = forwardOutputSpecs(dims.B, dims.H, dims.Tq, dims.Dv);
  return runOnHost(backend, { q, k, v }, specs, (ins, outs) => {
    getEngine().linearForward(linearForwardArgs(dims, ins, a, outs[0] as Float32Array, outs[1] as Float32Array));
  }, { overwrites: true }); // the engines' contract: outputs overwritten completely
};

export const linearAttentionConfig: Pick<KernelConfig, 'kernelName' | 'kernelFunc'> = {
  kernelName: TesseraLinearAttention,
  kernelFunc: linearAttentionKernel,
};

registerHostKernel(TesseraLinearAttention, linearAttentionKernel);
