/**
 * TesseraFlashAttentionGrad through the shared host path (see
 * TesseraFlashAttention.ts beside it): the active engine's flashBackward.
 */
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { getEngine } from '../../../engine';
import { TesseraFlashAttentionAttrs, TesseraFlashAttentionGrad } from '../../../kernel_names';
import { attrsOf, registerHostKernel, runOnHost } from '../../host_path';
import { gradOutputSpecs } from '../../output_specs';
import { backwardArgs, flashDims } from '../flash_args';
import { SHARED_BACKENDS } from '../shared_backends';

export const flashAttentionGradHostKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { q, k, v } = inputs as { q: TensorInfo; k: TensorInfo; v: TensorInfo };
  const a = attrsOf<TesseraFlashAttentionAttrs>(attrs);
  const dims = flashDims(q.shape, k.shape, v.shape);
  const specs = gradOutputSpecs(q.shape, k.shape, v.shape);
  // runOnHost frees the outputs it allocated if the engine throws.
  return runOnHost(backend as KernelBackend, inputs, specs, (ins, outs) => {
    getEngine().flashBackward(backwardArgs(dims, ins, a, outs[0] as Float32Array, outs[1] as Float32Array, outs[2] as Float32Array));
  });
};

registerHostKernel(TesseraFlashAttentionGrad, flashAttentionGradHostKernel, SHARED_BACKENDS);
