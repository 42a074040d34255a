/**
 * TesseraFlashAttention on webgpu: the register-blocked WGSL forward
 * (flash_forward_tiled_wgsl.ts) for head sizes up to 64 when the device's
 * workgroup memory holds its tiles, else the row-per-thread one
 * (flash_forward_wgsl.ts); dispatched per chunk of heads so each binding fits
 * the device's limit.
 */
import { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { TesseraFlashAttention, TesseraFlashAttentionAttrs } from '../../../kernel_names';
import { checkGrid, flashCall, runForward, tileRows } from '../flash_launch';
import { FWD_BR, flashForwardWgsl, KEYS } from '../flash_forward_wgsl';
import { flagKey, padDim } from '../flash_wgsl';
import { limitsOf, pipelineFor, WebGpuBackend } from '../gpu_backend';
import { flashForwardTiledWgsl, tiledVec4Io } from '../flash_forward_tiled_wgsl';
import { pickTiledShape, TILED_BR, usesSubgroups } from '../flash_tiled_wgsl';

const WHERE = 'flashAttention (webgpu)';

export const flashAttentionWebGpu: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WebGpuBackend;
  const ins = inputs as Record<string, TensorInfo | undefined>;
  const lim = limitsOf(b);
  const { B, H, Tq, D, Dv } = { B: ins.q!.shape[0], H: ins.q!.shape[1], Tq: ins.q!.shape[2], D: ins.q!.shape[3], Dv: ins.v!.shape[3] };
  const tiled = pickTiledShape(D, Dv, lim.sharedBytes, lim.subgroupMin);
  // Keys per tile of the row-per-thread program: a multiple of the KEYS-key softmax step.
  const BC = tiled ? 0 : Math.floor(tileRows(WHERE, lim.sharedBytes, KEYS * (padDim(D) + padDim(Dv)), 32 / KEYS)) * KEYS;
  const BR = tiled ? TILED_BR : FWD_BR;
  checkGrid(WHERE, Math.ceil(Tq / BR), lim.maxGroups, 'query tiles');
  for (const [name, n] of [['out', B * H * Tq * Dv]] as const) {
    if (4 * n > lim.maxBuffer) throw new Error(`${WHERE}: '${name}' needs ${4 * n} bytes, over this device's maxBufferSize of ${lim.maxBuffer}`);
  }
  const c = flashCall(b, ins, attrs as unknown as TesseraFlashAttentionAttrs);
  const auxBinding = { tensor: c.aux.tensor, offset: 0, size: c.aux.tensor ? 4 * c.aux.tensor.shape[0] : 0 };
  const pipeline = () =>
    tiled
      ? pipelineFor(
          b,
          `TesseraFlashAttentionTiled_${flagKey(c.flags)}`,
          // Subgroup shuffles reduce the row maxima when a subgroup spans a row quad's NC threads.
          flashForwardTiledWgsl(c.flags, D, Dv, tiled, { subgroups: usesSubgroups(tiled, lim.subgroupMin), vec4Io: tiledVec4Io(D, Dv) }),
        )
      : pipelineFor(b, `TesseraFlashAttention_${flagKey(c.flags)}`, flashForwardWgsl(c.flags, D, Dv, BC));
  return runForward(WHERE, b, c, { q: ins.q!, k: ins.k!, v: ins.v! }, pipeline, Math.ceil(Tq / BR), auxBinding);
};

export const flashAttentionWebGpuConfig: KernelConfig = { kernelName: TesseraFlashAttention, backendName: 'webgpu', kernelFunc: flashAttentionWebGpu };
