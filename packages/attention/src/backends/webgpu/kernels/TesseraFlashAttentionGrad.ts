/**
 * TesseraFlashAttentionGrad on webgpu: three WGSL passes per chunk of heads,
 * (1) stats = (lse, dO.O - dLse) per row, (2) dQ over key tiles,
 * (3) dK/dV over query tiles of the G query heads of each kv head.
 * No atomics: each output element has exactly one writer.
 */
import { KernelConfig, KernelFunc, TensorInfo, util } from '@tensorflow/tfjs-core';
import { TesseraFlashAttentionAttrs, TesseraFlashAttentionGrad } from '../../../kernel_names';
import { DKV_BK, flashDkdvWgsl } from '../flash_dkdv_wgsl';
import { DQ_BR, flashDqWgsl } from '../flash_dq_wgsl';
import { checkGrid, flashCall, flashUniforms, releaseAux, tileRows } from '../flash_launch';
import { flashStatsWgsl, STATS_ROWS } from '../flash_stats_wgsl';
import { flagKey, padDim } from '../flash_wgsl';
import { dispatch, limitsOf, makeOutput, pipelineFor, WebGpuBackend } from '../gpu_backend';
import { planChunks, UnitTensor } from '../plan';
import { packFlashUniforms } from '../uniforms';

const WHERE = 'flashAttention gradient (webgpu)';

export const flashAttentionGradWebGpu: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WebGpuBackend;
  const ins = inputs as Record<string, TensorInfo | undefined>;
  const lim = limitsOf(b);
  const [B, H, Tq, D] = ins.q!.shape;
  const [, Hkv, Tk] = ins.k!.shape;
  const Dv = ins.v!.shape[3];
  const BC = tileRows(WHERE, lim.sharedBytes, padDim(D) + padDim(Dv), 32);
  const BQ = tileRows(WHERE, lim.sharedBytes, padDim(D) + padDim(Dv) + 2, 32);
  checkGrid(WHERE, Math.ceil(Tq / DQ_BR), lim.maxGroups, 'query tiles');
  checkGrid(WHERE, Math.ceil(Tk / DKV_BK), lim.maxGroups, 'key tiles');
  const hasDLse = !!ins.dLse && util.sizeFromShape(ins.dLse.shape) > 0;
  const c = flashCall(b, ins, attrs as unknown as TesseraFlashAttentionAttrs);
  const G = c.G;
  const dq = makeOutput(b, [B, H, Tq, D]);
  const dk = makeOutput(b, [B, Hkv, Tk, D]);
  const dv = makeOutput(b, [B, Hkv, Tk, Dv]);
  const stats = makeOutput(b, [B * H * Tq * 2]);
  const key = flagKey(c.flags);
  const same = { kind: 'same' } as const;
  const auxBinding = { tensor: c.aux.tensor, offset: 0, size: c.aux.tensor ? 4 * c.aux.tensor.shape[0] : 0 };
  const run = (label: string, code: string, units: number, tensors: UnitTensor[], groupsX: number): void => {
    const pipe = pipelineFor(b, label, code);
    for (const ch of planChunks(WHERE, units, tensors, lim.maxBinding, lim.align, lim.maxGroups)) {
      const uni = packFlashUniforms(flashUniforms(c, ch.start, ch.offsets));
      dispatch(b, pipe, [...ch.bindings, auxBinding], uni, [groupsX, ch.end - ch.start, 1]);
    }
  };
  try {
    // (1) per-row stats over (b, h) units.
    // The stats pass applies no mask: compiled without the mask/score code (fewer pipelines).
    const none = { causal: false, window: false, keyMask: false, segments: false, alibi: false, softcap: false };
    run(`TesseraFlashStats`, flashStatsWgsl(none, Dv, hasDLse, lim.subgroups), B * H, [
      { name: 'out', tensor: ins.out!, perUnit: Tq * Dv, map: same },
      { name: 'dy', tensor: ins.dy!, perUnit: Tq * Dv, map: same },
      { name: 'lse', tensor: ins.lse!, perUnit: Tq, map: same },
      { name: 'dLse', tensor: hasDLse ? ins.dLse! : null, perUnit: Tq, map: same },
      { name: 'stats', tensor: stats, perUnit: 2 * Tq, map: same },
    ], Math.ceil(Tq / STATS_ROWS));
    // (2) dq over (b, h) units; k and v windows follow the kv head.
    const div = { kind: 'div', by: G } as const;
    run(`TesseraFlashDq_${key}`, flashDqWgsl(c.flags, D, Dv, BC), B * H, [
      { name: 'q', tensor: ins.q!, perUnit: Tq * D, map: same },
      { name: 'k', tensor: ins.k!, perUnit: Tk * D, map: div },
      { name: 'v', tensor: ins.v!, perUnit: Tk * Dv, map: div },
      { name: 'dy', tensor: ins.dy!, perUnit: Tq * Dv, map: same },
      { name: 'stats', tensor: stats, perUnit: 2 * Tq, map: same },
      { name: 'dq', tensor: dq, perUnit: Tq * D, map: same },
    ], Math.ceil(Tq / DQ_BR));
    // (3) dk, dv over (b, kv head) units; q-side windows cover its G query heads.
    const mul = { kind: 'mul', by: G } as const;
    run(`TesseraFlashDkDv_${key}`, flashDkdvWgsl(c.flags, D, Dv, BQ), B * Hkv, [
      { name: 'q', tensor: ins.q!, perUnit: Tq * D, map: mul },
      { name: 'k', tensor: ins.k!, perUnit: Tk * D, map: same },
      { name: 'v', tensor: ins.v!, perUnit: Tk * Dv, map: same },
      { name: 'dy', tensor: ins.dy!, perUnit: Tq * Dv, map: mul },
      { name: 'stats', tensor: stats, perUnit: 2 * Tq, map: mul },
      { name: 'dk', tensor: dk, perUnit: Tk * D, map: same },
      { name: 'dv', tensor: dv, perUnit: Tk * Dv, map: same },
    ], Math.ceil(Tk / DKV_BK));
  } catch (e) {
    for (const t of [dq, dk, dv]) b.disposeData(t.dataId, true);
    throw e;
  } finally {
    b.disposeData(stats.dataId, true);
    releaseAux(b, c);
  }
  return [dq, dk, dv];
};

export const flashAttentionGradWebGpuConfig: KernelConfig = { kernelName: TesseraFlashAttentionGrad, backendName: 'webgpu', kernelFunc: flashAttentionGradWebGpu };
