/**
 * TesseraBlockSparseAttentionGrad on webgpu: the flash stats pass, then dQ over
 * each query block's key blocks and dK/dV over each key block's query blocks
 * (the mask's cached transpose). No atomics: each output element has one writer.
 */
import { KernelConfig, KernelFunc, TensorInfo, util } from '@tensorflow/tfjs-core';
import { TesseraBlockSparseAttentionAttrs, TesseraBlockSparseAttentionGrad } from '../../../kernel_names';
import type { BlockMask } from '../../../sparse/block_mask';
import { lookupMask } from '../../../sparse/registry';
import { checkGrid, flashUniforms, releaseAux, tileRows } from '../flash_launch';
import { flashStatsWgsl, STATS_ROWS } from '../flash_stats_wgsl';
import { flagKey, padDim } from '../flash_wgsl';
import { Binding, dispatch, limitsOf, makeOutput, pipelineFor, WebGpuBackend } from '../gpu_backend';
import { planChunks, UnitTensor } from '../plan';
import { sparseDkdvWgsl } from '../sparse_dkdv_wgsl';
import { sparseDqWgsl } from '../sparse_dq_wgsl';
import { sparseCall } from '../sparse_launch';
import { groupsPerBlock } from '../sparse_wgsl';
import { packFlashUniforms } from '../uniforms';

const WHERE = 'blockSparseAttention gradient (webgpu)';

export const blockSparseAttentionGradWebGpu: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WebGpuBackend;
  const ins = inputs as Record<string, TensorInfo>;
  const a = attrs as unknown as TesseraBlockSparseAttentionAttrs;
  const mask = lookupMask<BlockMask>(a.maskId, TesseraBlockSparseAttentionGrad);
  const lim = limitsOf(b);
  const [B, H, Tq, D] = ins.q.shape;
  const [, Hkv, Tk] = ins.k.shape;
  const Dv = ins.v.shape[3];
  const BC = tileRows(WHERE, lim.sharedBytes, padDim(D) + padDim(Dv), 32);
  const BQ = tileRows(WHERE, lim.sharedBytes, padDim(D) + padDim(Dv) + 2, 32);
  const per = groupsPerBlock(mask.blockSize);
  checkGrid(WHERE, mask.numQueryBlocks * per, lim.maxGroups, 'query blocks');
  checkGrid(WHERE, mask.numKeyBlocks * per, lim.maxGroups, 'key blocks');
  const hasDLse = !!ins.dLse && util.sizeFromShape(ins.dLse.shape) > 0;
  const c = sparseCall(WHERE, b, ins.q, ins.k, ins.v, a, mask);
  const dq = makeOutput(b, [B, H, Tq, D]);
  const dk = makeOutput(b, [B, Hkv, Tk, D]);
  const dv = makeOutput(b, [B, Hkv, Tk, Dv]);
  const stats = makeOutput(b, [B * H * Tq * 2]);
  const same = { kind: 'same' } as const;
  const run = (label: string, code: string, units: number, tensors: UnitTensor[], groupsX: number, extra: Binding[]): void => {
    const pipe = pipelineFor(b, label, code);
    for (const ch of planChunks(WHERE, units, tensors, lim.maxBinding, lim.align, lim.maxGroups)) {
      dispatch(b, pipe, [...ch.bindings, ...extra], packFlashUniforms(flashUniforms(c, ch.start, ch.offsets)), [groupsX, ch.end - ch.start, 1]);
    }
  };
  try {
    const none = { causal: false, window: false, keyMask: false, segments: false, alibi: false, softcap: false };
    run('TesseraFlashStats', flashStatsWgsl(none, Dv, hasDLse, lim.subgroups), B * H, [
      { name: 'out', tensor: ins.out, perUnit: Tq * Dv, map: same },
      { name: 'dy', tensor: ins.dy, perUnit: Tq * Dv, map: same },
      { name: 'lse', tensor: ins.lse, perUnit: Tq, map: same },
      { name: 'dLse', tensor: hasDLse ? ins.dLse : null, perUnit: Tq, map: same },
      { name: 'stats', tensor: stats, perUnit: 2 * Tq, map: same },
    ], Math.ceil(Tq / STATS_ROWS), [c.auxBinding]);
    const key = flagKey(c.flags);
    const div = { kind: 'div', by: c.G } as const;
    run(`TesseraBlockSparseDq_${key}`, sparseDqWgsl(c.flags, D, Dv, BC), B * H, [
      { name: 'q', tensor: ins.q, perUnit: Tq * D, map: same },
      { name: 'k', tensor: ins.k, perUnit: Tk * D, map: div },
      { name: 'v', tensor: ins.v, perUnit: Tk * Dv, map: div },
      { name: 'dy', tensor: ins.dy, perUnit: Tq * Dv, map: same },
      { name: 'stats', tensor: stats, perUnit: 2 * Tq, map: same },
      { name: 'dq', tensor: dq, perUnit: Tq * D, map: same },
    ], mask.numQueryBlocks * per, [c.auxBinding]);
    const mul = { kind: 'mul', by: c.G } as const;
    run(`TesseraBlockSparseDkDv_${key}`, sparseDkdvWgsl(c.flags, D, Dv, BQ), B * Hkv, [
      { name: 'q', tensor: ins.q, perUnit: Tq * D, map: mul },
      { name: 'k', tensor: ins.k, perUnit: Tk * D, map: same },
      { name: 'v', tensor: ins.v, perUnit: Tk * Dv, map: same },
      { name: 'dy', tensor: ins.dy, perUnit: Tq * Dv, map: mul },
      { name: 'stats', tensor: stats, perUnit: 2 * Tq, map: mul },
      { name: 'dk', tensor: dk, perUnit: Tk * D, map: same },
      { name: 'dv', tensor: dv, perUnit: Tk * Dv, map: same },
    ], mask.numKeyBlocks * per, [c.auxBinding]);
  } catch (e) {
    for (const t of [dq, dk, dv]) b.disposeData(t.dataId, true);
    throw e;
  } finally {
    b.disposeData(stats.dataId, true);
    releaseAux(b, c);
  }
  return [dq, dk, dv];
};

export const blockSparseAttentionGradWebGpuConfig: KernelConfig = { kernelName: TesseraBlockSparseAttentionGrad, backendName: 'webgpu', kernelFunc: blockSparseAttentionGradWebGpu };
