/**
 * TesseraBlockSparseAttentionGrad on the shared host path: FlashAttention-2
 * recomputation over the same BlockMask blocks as the forward (engine's
 * blockSparseBackward). Outputs dq, dk, dv.
 */
import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { getEngine } from '../../../engine';
import { TesseraBlockSparseAttentionAttrs, TesseraBlockSparseAttentionGrad } from '../../../kernel_names';
import { BlockMask } from '../../../sparse/block_mask';
import { lookupMask } from '../../../sparse/registry';
import { attrsOf, registerHostKernel, runOnHost } from '../../host_path';
import { gradOutputSpecs } from '../../output_specs';
import { blockSparseBackwardArgs } from '../../shared/block_sparse_args';
import { flashDims } from '../../shared/flash_args';

export const blockSparseAttentionGradKernel: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as KernelBackend;
  const { q, k, v } = inputs as { q: TensorInfo; k: TensorInfo; v: TensorInfo };
  const a = attrsOf<TesseraBlockSparseAttentionAttrs>(attrs);
  const mask = lookupMask<BlockMask>(a.maskId, TesseraBlockSparseAttentionGrad);
  const dims = flashDims(q.shape, k.shape, v.shape);
  const specs = gradOutputSpecs(q.shape, k.shape, v.shape);
  return runOnHost(backend, inputs, specs, (ins, outs) => {
    getEngine().blockSparseBackward(blockSparseBackwardArgs(dims, ins, a, mask, outs[0] as Float32Array, outs[1] as Float32Array, outs[2] as Float32Array));
  });
};

export const blockSparseAttentionGradConfig: Pick<KernelConfig, 'kernelName' | 'kernelFunc'> = {
  kernelName: TesseraBlockSparseAttentionGrad,
  kernelFunc: blockSparseAttentionGradKernel,
};

registerHostKernel(TesseraBlockSparseAttentionGrad, blockSparseAttentionGradKernel);
