/**
 * TesseraFlashAttention through the shared host path, for every backend
 * without a program of its own (wasm zero-copy on its heap; tensorflow,
 * webgpu, webgl by copy): read the inputs, run the active engine's
 * flashForward, write out and lse. `cpu` has its direct kernel
 * (backends/cpu/kernels/TesseraFlashAttention.ts).
 */
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { getEngine } from '../../../engine';
import { TesseraFlashAttention, TesseraFlashAttentionAttrs } from '../../../kernel_names';
import { attrsOf, registerHostKernel, runOnHost } from '../../host_path';
import { forwardOutputSpecs } from '../../output_specs';
import { flashDims, forwardArgs } from '../flash_args';
import { SHARED_BACKENDS } from '../shared_backends';

export const flashAttentionHostKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { q, k, v } = inputs as { q: TensorInfo; k: TensorInfo; v: TensorInfo };
  const a = attrsOf<TesseraFlashAttentionAttrs>(attrs);
  const dims = flashDims(q.shape, k.shape, v.shape);
  const specs = forwardOutputSpecs(dims.B, dims.H, dims.Tq, dims.Dv);
  // runOnHost frees the outputs it allocated if the engine throws.
  return runOnHost(backend as KernelBackend, inputs, specs, (ins, outs) => {
    getEngine().flashForward(forwardArgs(dims, ins, a, outs[0] as Float32Array, outs[1] as Float32Array));
  });
};

registerHostKernel(TesseraFlashAttention, flashAttentionHostKernel, SHARED_BACKENDS);
