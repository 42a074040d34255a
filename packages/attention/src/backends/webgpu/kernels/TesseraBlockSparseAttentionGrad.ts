/**
 * TesseraBlockSparseAttentionGrad on webgpu: the flash stats pass, then dQ over
 * each query block's key blocks and dK/dV over each key block's query blocks
 * (the mask's cached transpose), through runBackward (flash_launch.ts). No
 * atomics: each output element has one writer.
 */
import { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { TesseraBlockSparseAttentionAttrs, TesseraBlockSparseAttentionGrad } from '../../../kernel_names';
import type { BlockMask } from '../../../sparse/block_mask';
import { lookupMask } from '../../../sparse/registry';
import { checkGrid, runBackward, tileRows } from '../flash_launch';
import { flagKey, padDim } from '../flash_wgsl';
import { limitsOf, WebGpuBackend } from '../gpu_backend';
import { sparseDkdvWgsl } from '../sparse_dkdv_wgsl';
import { sparseDqWgsl } from '../sparse_dq_wgsl';
import { sparseCall } from '../sparse_launch';
import { groupsPerBlock } from '../sparse_wgsl';

const WHERE = 'blockSparseAttention gradient (webgpu)';

export const blockSparseAttentionGradWebGpu: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WebGpuBackend;
  const ins = inputs as Record<string, TensorInfo>;
  const a = attrs as unknown as TesseraBlockSparseAttentionAttrs;
  const mask = lookupMask<BlockMask>(a.maskId, TesseraBlockSparseAttentionGrad);
  const lim = limitsOf(b);
  const D = ins.q.shape[3];
  const Dv = ins.v.shape[3];
  const BC = tileRows(WHERE, lim.sharedBytes, padDim(D) + padDim(Dv), 32);
  const BQ = tileRows(WHERE, lim.sharedBytes, padDim(D) + padDim(Dv) + 2, 32);
  const per = groupsPerBlock(mask.blockSize);
  checkGrid(WHERE, mask.numQueryBlocks * per, lim.maxGroups, 'query blocks');
  checkGrid(WHERE, mask.numKeyBlocks * per, lim.maxGroups, 'key blocks');
  const c = sparseCall(WHERE, b, ins.q, ins.k, ins.v, a, mask);
  const key = flagKey(c.flags);
  return runBackward(
    WHERE,
    b,
    c,
    ins,
    { label: `TesseraBlockSparseDq_${key}`, code: sparseDqWgsl(c.flags, D, Dv, BC), groupsX: mask.numQueryBlocks * per },
    { label: `TesseraBlockSparseDkDv_${key}`, code: sparseDkdvWgsl(c.flags, D, Dv, BQ), groupsX: mask.numKeyBlocks * per },
    c.auxBinding,
  );
};

export const blockSparseAttentionGradWebGpuConfig: KernelConfig = { kernelName: TesseraBlockSparseAttentionGrad, backendName: 'webgpu', kernelFunc: blockSparseAttentionGradWebGpu };
