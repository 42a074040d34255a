/**
 * TesseraFlashAttention on webgpu: the WGSL forward (flash_forward_wgsl.ts),
 * dispatched per chunk of heads so each binding fits the device's limit.
 */
import { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { TesseraFlashAttention, TesseraFlashAttentionAttrs } from '../../../kernel_names';
import { checkGrid, flashCall, flashUniforms, releaseAux, tileRows } from '../flash_launch';
import { FWD_BR, flashForwardWgsl, KEYS } from '../flash_forward_wgsl';
import { flagKey, padDim } from '../flash_wgsl';
import { dispatch, limitsOf, makeOutput, pipelineFor, WebGpuBackend } from '../gpu_backend';
import { planChunks } from '../plan';
import { packFlashUniforms } from '../uniforms';

const WHERE = 'flashAttention (webgpu)';

export const flashAttentionWebGpu: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WebGpuBackend;
  const ins = inputs as Record<string, TensorInfo | undefined>;
  const lim = limitsOf(b);
  const { B, H, Tq, D, Dv } = { B: ins.q!.shape[0], H: ins.q!.shape[1], Tq: ins.q!.shape[2], D: ins.q!.shape[3], Dv: ins.v!.shape[3] };
  // Keys per tile: a multiple of the KEYS-key softmax step.
  const BC = Math.floor(tileRows(WHERE, lim.sharedBytes, KEYS * (padDim(D) + padDim(Dv)), 32 / KEYS)) * KEYS;
  checkGrid(WHERE, Math.ceil(Tq / FWD_BR), lim.maxGroups, 'query tiles');
  for (const [name, n] of [['out', B * H * Tq * Dv]] as const) {
    if (4 * n > lim.maxBuffer) throw new Error(`${WHERE}: '${name}' needs ${4 * n} bytes, over this device's maxBufferSize of ${lim.maxBuffer}`);
  }
  const c = flashCall(b, ins, attrs as unknown as TesseraFlashAttentionAttrs);
  const out = makeOutput(b, [B, H, Tq, Dv]);
  const lse = makeOutput(b, [B, H, Tq]);
  try {
    const pipe = pipelineFor(b, `TesseraFlashAttention_${flagKey(c.flags)}`, flashForwardWgsl(c.flags, D, Dv, BC));
    const div = { kind: 'div', by: c.G } as const;
    const same = { kind: 'same' } as const;
    const chunks = planChunks(WHERE, B * H, [
      { name: 'q', tensor: ins.q!, perUnit: Tq * D, map: same },
      { name: 'k', tensor: ins.k!, perUnit: c.Tk * D, map: div },
      { name: 'v', tensor: ins.v!, perUnit: c.Tk * Dv, map: div },
      { name: 'out', tensor: out, perUnit: Tq * Dv, map: same },
      { name: 'lse', tensor: lse, perUnit: Tq, map: same },
    ], lim.maxBinding, lim.align, lim.maxGroups);
    const auxBinding = { tensor: c.aux.tensor, offset: 0, size: c.aux.tensor ? 4 * c.aux.tensor.shape[0] : 0 };
    for (const ch of chunks) {
      const uni = packFlashUniforms(flashUniforms(c, ch.start, ch.offsets));
      dispatch(b, pipe, [...ch.bindings, auxBinding], uni, [Math.ceil(Tq / FWD_BR), ch.end - ch.start, 1]);
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

export const flashAttentionWebGpuConfig: KernelConfig = { kernelName: TesseraFlashAttention, backendName: 'webgpu', kernelFunc: flashAttentionWebGpu };
