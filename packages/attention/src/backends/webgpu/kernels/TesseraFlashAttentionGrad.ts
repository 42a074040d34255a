/**
 * TesseraFlashAttentionGrad on webgpu: three WGSL passes per chunk of heads,
 * (1) stats = (lse, dO.O - dLse) per row, (2) dQ over key tiles,
 * (3) dK/dV over query tiles of the G query heads of each kv head
 * (runBackward in flash_launch.ts). No atomics: each output element has
 * exactly one writer.
 */
import { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { TesseraFlashAttentionAttrs, TesseraFlashAttentionGrad } from '../../../kernel_names';
import { DKV_BK, flashDkdvWgsl } from '../flash_dkdv_wgsl';
import { dkdvTiledNC, DKV_TILED_BK, flashDkdvTiledWgsl } from '../flash_dkdv_tiled_wgsl';
import { tiledVec4Io } from '../flash_forward_tiled_wgsl';
import { DQ_BR, flashDqWgsl } from '../flash_dq_wgsl';
import { dqTiledNC, flashDqTiledWgsl } from '../flash_dq_tiled_wgsl';
import { checkGrid, flashCall, runBackward, tileRows } from '../flash_launch';
import { flagKey, padDim } from '../flash_wgsl';
import { limitsOf, WebGpuBackend } from '../gpu_backend';
import { TILED_BR, tiledBackwardOn } from '../flash_tiled_wgsl';

const WHERE = 'flashAttention gradient (webgpu)';

export const flashAttentionGradWebGpu: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WebGpuBackend;
  const ins = inputs as Record<string, TensorInfo | undefined>;
  const lim = limitsOf(b);
  const [, , Tq, D] = ins.q!.shape;
  const Tk = ins.k!.shape[2];
  const Dv = ins.v!.shape[3];
  const BC = tileRows(WHERE, lim.sharedBytes, padDim(D) + padDim(Dv), 32);
  const BQ = tileRows(WHERE, lim.sharedBytes, padDim(D) + padDim(Dv) + 2, 32);
  checkGrid(WHERE, Math.ceil(Tq / DQ_BR), lim.maxGroups, 'query tiles');
  checkGrid(WHERE, Math.ceil(Tk / DKV_BK), lim.maxGroups, 'key tiles');
  // The register-blocked dQ and dK/dV programs for head sizes up to 64 when their tiles fit
  // (flash_dq_tiled_wgsl.ts, flash_dkdv_tiled_wgsl.ts), except on CPU rasterizers or with a forced 'row' shape (tiledBackwardOn).
  const tiled = tiledBackwardOn(lim.software);
  const NC = tiled ? dkdvTiledNC(D, Dv, lim.sharedBytes) : 0;
  const NQ = tiled ? dqTiledNC(D, Dv, lim.sharedBytes) : 0;
  const vec4Io = tiledVec4Io(D, Dv);
  const c = flashCall(b, ins, attrs as unknown as TesseraFlashAttentionAttrs);
  const key = flagKey(c.flags);
  const auxBinding = { tensor: c.aux.tensor, offset: 0, size: c.aux.tensor ? 4 * c.aux.tensor.shape[0] : 0 };
  return runBackward(
    WHERE,
    b,
    c,
    ins,
    NQ
      ? { label: `TesseraFlashDqTiled_${key}`, code: flashDqTiledWgsl(c.flags, D, Dv, NQ, vec4Io), groupsX: Math.ceil(Tq / TILED_BR) }
      : { label: `TesseraFlashDq_${key}`, code: flashDqWgsl(c.flags, D, Dv, BC), groupsX: Math.ceil(Tq / DQ_BR) },
    NC
      ? { label: `TesseraFlashDkDvTiled_${key}`, code: flashDkdvTiledWgsl(c.flags, D, Dv, NC, vec4Io), groupsX: Math.ceil(Tk / DKV_TILED_BK) }
      : { label: `TesseraFlashDkDv_${key}`, code: flashDkdvWgsl(c.flags, D, Dv, BQ), groupsX: Math.ceil(Tk / DKV_BK) },
    auxBinding,
  );
};

export const flashAttentionGradWebGpuConfig: KernelConfig = { kernelName: TesseraFlashAttentionGrad, backendName: 'webgpu', kernelFunc: flashAttentionGradWebGpu };
