/**
 * TesseraBlockSparseAttention on webgpu: the WGSL forward over the BlockMask's
 * cached block lists (sparse_forward_wgsl.ts, sparse_mask.ts), dispatched per
 * chunk of heads so each binding fits the device's limit.
 */
import { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { TesseraBlockSparseAttention, TesseraBlockSparseAttentionAttrs } from '../../../kernel_names';
import type { BlockMask } from '../../../sparse/block_mask';
import { lookupMask } from '../../../sparse/registry';
import { checkGrid, runForward, tileRows } from '../flash_launch';
import { flagKey, padDim } from '../flash_wgsl';
import { limitsOf, pipelineFor, WebGpuBackend } from '../gpu_backend';
import { sparseForwardWgsl } from '../sparse_forward_wgsl';
import { sparseCall } from '../sparse_launch';
import { groupsPerBlock } from '../sparse_wgsl';

const WHERE = 'blockSparseAttention (webgpu)';

export const blockSparseAttentionWebGpu: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WebGpuBackend;
  const { q, k, v } = inputs as { q: TensorInfo; k: TensorInfo; v: TensorInfo };
  const a = attrs as unknown as TesseraBlockSparseAttentionAttrs;
  const mask = lookupMask<BlockMask>(a.maskId, TesseraBlockSparseAttention);
  const lim = limitsOf(b);
  const D = q.shape[3];
  const Dv = v.shape[3];
  const BC = tileRows(WHERE, lim.sharedBytes, padDim(D) + padDim(Dv), 32);
  const gx = mask.numQueryBlocks * groupsPerBlock(mask.blockSize);
  checkGrid(WHERE, gx, lim.maxGroups, 'query blocks');
  const c = sparseCall(WHERE, b, q, k, v, a, mask);
  const pipeline = () => pipelineFor(b, `TesseraBlockSparse_${flagKey(c.flags)}`, sparseForwardWgsl(c.flags, D, Dv, BC));
  return runForward(WHERE, b, c, { q, k, v }, pipeline, gx, c.auxBinding);
};

export const blockSparseAttentionWebGpuConfig: KernelConfig = { kernelName: TesseraBlockSparseAttention, backendName: 'webgpu', kernelFunc: blockSparseAttentionWebGpu };
