/**
 * TesseraBlockSparseAttention on webgpu: the WGSL forward over the BlockMask's
 * cached block lists (sparse_forward_wgsl.ts, sparse_mask.ts), dispatched per
 * chunk of heads so each binding fits the device's limit.
 */
import { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { TesseraBlockSparseAttention, TesseraBlockSparseAttentionAttrs } from '../../../kernel_names';
import type { BlockMask } from '../../../sparse/block_mask';
import { lookupMask } from '../../../sparse/registry';
import { checkGrid, flashUniforms, releaseAux, tileRows } from '../flash_launch';
import { flagKey, padDim } from '../flash_wgsl';
import { dispatch, limitsOf, makeOutput, pipelineFor, WebGpuBackend } from '../gpu_backend';
import { planChunks } from '../plan';
import { sparseForwardWgsl } from '../sparse_forward_wgsl';
import { sparseCall } from '../sparse_launch';
import { groupsPerBlock } from '../sparse_wgsl';
import { packFlashUniforms } from '../uniforms';

const WHERE = 'blockSparseAttention (webgpu)';

export const blockSparseAttentionWebGpu: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WebGpuBackend;
  const { q, k, v } = inputs as { q: TensorInfo; k: TensorInfo; v: TensorInfo };
  const a = attrs as unknown as TesseraBlockSparseAttentionAttrs;
  const mask = lookupMask<BlockMask>(a.maskId, TesseraBlockSparseAttention);
  const lim = limitsOf(b);
  const [B, H, Tq, D] = q.shape;
  const Dv = v.shape[3];
  const BC = tileRows(WHERE, lim.sharedBytes, padDim(D) + padDim(Dv), 32);
  const gx = mask.numQueryBlocks * groupsPerBlock(mask.blockSize);
  checkGrid(WHERE, gx, lim.maxGroups, 'query blocks');
  const c = sparseCall(WHERE, b, q, k, v, a, mask);
  const out = makeOutput(b, [B, H, Tq, Dv]);
  const lse = makeOutput(b, [B, H, Tq]);
  try {
    const pipe = pipelineFor(b, `TesseraBlockSparse_${flagKey(c.flags)}`, sparseForwardWgsl(c.flags, D, Dv, BC));
    const div = { kind: 'div', by: c.G } as const;
    const same = { kind: 'same' } as const;
    const chunks = planChunks(WHERE, B * H, [
      { name: 'q', tensor: q, perUnit: Tq * D, map: same },
      { name: 'k', tensor: k, perUnit: c.Tk * D, map: div },
      { name: 'v', tensor: v, perUnit: c.Tk * Dv, map: div },
      { name: 'out', tensor: out, perUnit: Tq * Dv, map: same },
      { name: 'lse', tensor: lse, perUnit: Tq, map: same },
    ], lim.maxBinding, lim.align, lim.maxGroups);
    for (const ch of chunks) {
      const uni = packFlashUniforms(flashUniforms(c, ch.start, ch.offsets));
      dispatch(b, pipe, [...ch.bindings, c.auxBinding], uni, [gx, ch.end - ch.start, 1]);
    }
  } catch (e) {
    b.disposeData(out.dataId, true);
    b.disposeData(lse.dataId, true);
    throw e;
  } finally {
    releaseAux(b, c);
  }
  return [out, lse];
};

export const blockSparseAttentionWebGpuConfig: KernelConfig = { kernelName: TesseraBlockSparseAttention, backendName: 'webgpu', kernelFunc: blockSparseAttentionWebGpu };
