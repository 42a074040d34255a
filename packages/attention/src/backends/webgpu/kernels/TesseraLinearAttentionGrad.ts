/**
 * TesseraLinearAttentionGrad on webgpu (math: linear_wgsl.ts): ghat per query
 * row, the key state (as the forward) for dq, the query state summed from the
 * end for dk and dv. Each output element has one writer: no atomics.
 */
import { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { TesseraLinearAttentionAttrs, TesseraLinearAttentionGrad } from '../../../kernel_names';
import { WebGpuBackend, makeOutput } from '../gpu_backend';
import { linearCall, runLinear } from '../linear_launch';
import { queryChunkStateWgsl, scanWgsl } from '../linear_state_wgsl';
import { linearDkdvWgsl, linearDqWgsl, linearGhatWgsl } from '../linear_wgsl';
import { keyState } from './TesseraLinearAttention';

const WHERE = 'linearAttention gradient (webgpu)';

export const linearAttentionGradWebGpu: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WebGpuBackend;
  const { dy, q, k, v, out, den } = inputs as Record<string, TensorInfo>;
  const c = linearCall(q, k, v, attrs as unknown as TesseraLinearAttentionAttrs);
  const { B, H, Hkv, G, Tq, Tk, F, Dv } = c;
  const w = Dv + 1;
  const dq = makeOutput(b, [B, H, Tq, F]);
  const dk = makeOutput(b, [B, Hkv, Tk, F]);
  const dv = makeOutput(b, [B, Hkv, Tk, Dv]);
  const gh = makeOutput(b, [B * H * Tq * w]);
  const perR = (c.nCq + 1) * F * w;
  const R = makeOutput(b, [B * Hkv * perR]);
  let P: TensorInfo | null = null;
  try {
    runLinear(WHERE, b, 'TesseraLinearGhat', linearGhatWgsl(), c, [
      ['dy', dy, Tq * Dv, true],
      ['out', out, Tq * Dv, true],
      ['den', den, Tq, true],
      ['ghat', gh, Tq * w, true],
    ], G * Tq);
    P = keyState(WHERE, b, c, k, v);
    runLinear(WHERE, b, 'TesseraLinearDq', linearDqWgsl(), c, [
      ['k', k, Tk * F, false],
      ['v', v, Tk * Dv, false],
      ['state', P, (c.nC + 1) * F * w, false],
      ['ghat', gh, Tq * w, true],
      ['dq', dq, Tq * F, true],
    ], G * Tq * F);
    runLinear(WHERE, b, 'TesseraLinearQueryState', queryChunkStateWgsl(), c, [
      ['q', q, Tq * F, true],
      ['ghat', gh, Tq * w, true],
      ['qstate', R, perR, false],
    ], c.nCq * F * w);
    runLinear(WHERE, b, 'TesseraLinearScanDown', scanWgsl(false), c, [['qstate', R, perR, false]], F * w);
    runLinear(WHERE, b, 'TesseraLinearDkDv', linearDkdvWgsl(), c, [
      ['q', q, Tq * F, true],
      ['k', k, Tk * F, false],
      ['v', v, Tk * Dv, false],
      ['ghat', gh, Tq * w, true],
      ['qstate', R, perR, false],
      ['dk', dk, Tk * F, false],
      ['dv', dv, Tk * Dv, false],
    ], Tk * (F + Dv));
  } catch (e) {
    for (const t of [dq, dk, dv]) b.disposeData(t.dataId, true);
    throw e;
  } finally {
    for (const t of [gh, R, P]) if (t) b.disposeData(t.dataId, true);
  }
  return [dq, dk, dv];
};

export const linearAttentionGradWebGpuConfig: KernelConfig = { kernelName: TesseraLinearAttentionGrad, backendName: 'webgpu', kernelFunc: linearAttentionGradWebGpu };
