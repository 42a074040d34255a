/**
 * TesseraBlockSparseAttention on the shared host path (cpu and wasm zero-copy,
 * any other backend by copy): read q, k, v, find the BlockMask named by
 * attrs.maskId, run the engine's blockSparseForward, write out and lse.
 */
import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { getEngine } from '../../../engine';
import { TesseraBlockSparseAttention, TesseraBlockSparseAttentionAttrs } from '../../../kernel_names';
import { BlockMask } from '../../../sparse/block_mask';
import { lookupMask } from '../../../sparse/registry';
import { attrsOf, registerHostKernel, runOnHost } from '../../host_path';
import { forwardOutputSpecs } from '../../output_specs';
import { blockSparseForwardArgs } from '../../shared/block_sparse_args';
import { flashDims } from '../../shared/flash_args';

export const blockSparseAttentionKernel: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as KernelBackend;
  const { q, k, v } = inputs as { q: TensorInfo; k: TensorInfo; v: TensorInfo };
  const a = attrsOf<TesseraBlockSparseAttentionAttrs>(attrs);
  const mask = lookupMask<BlockMask>(a.maskId, TesseraBlockSparseAttention);
  const dims = flashDims(q.shape, k.shape, v.shape);
  const specs = forwardOutputSpecs(dims.B, dims.H, dims.Tq, dims.Dv);
  return runOnHost(backend, { q, k, v }, specs, (ins, outs) => {
    getEngine().blockSparseForward(blockSparseForwardArgs(dims, ins, a, mask, outs[0] as Float32Array, outs[1] as Float32Array));
  });
};

export const blockSparseAttentionConfig: Pick<KernelConfig, 'kernelName' | 'kernelFunc'> = {
  kernelName: TesseraBlockSparseAttention,
  kernelFunc: blockSparseAttentionKernel,
};

registerHostKernel(TesseraBlockSparseAttention, blockSparseAttentionKernel);
