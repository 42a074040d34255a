/**
 * TesseraLinearAttention on webgpu: chunk states of k [v, 1]^T, their running
 * sums, then one thread per output element (linear_state_wgsl.ts, linear_wgsl.ts).
 * Memory: the state, (nC + 1) * F * (Dv + 1) floats per kv head, never Tq x Tk.
 */
import { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { TesseraLinearAttention, TesseraLinearAttentionAttrs } from '../../../kernel_names';
import { WebGpuBackend, makeOutput } from '../gpu_backend';
import { linearCall, LinearCall, runLinear } from '../linear_launch';
import { keyChunkStateWgsl, scanWgsl } from '../linear_state_wgsl';
import { linearLocalScoresWgsl } from '../linear_local_wgsl';
import { linearReadWgsl } from '../linear_wgsl';

const WHERE = 'linearAttention (webgpu)';

/** P: per kv unit, nC + 1 slots of F x (Dv + 1); slot c = keys of chunks before c, slot nC = all keys. */
export function keyState(where: string, b: WebGpuBackend, c: LinearCall, k: TensorInfo, v: TensorInfo): TensorInfo {
  const w = c.Dv + 1;
  const per = (c.nC + 1) * c.F * w;
  const P = makeOutput(b, [c.B * c.Hkv * per]);
  try {
    runLinear(where, b, 'TesseraLinearKeyState', keyChunkStateWgsl(), c, [
      ['k', k, c.Tk * c.F, false],
      ['v', v, c.Tk * c.Dv, false],
      ['state', P, per, false],
    ], c.nC * c.F * w);
    runLinear(where, b, 'TesseraLinearScanUp', scanWgsl(true), c, [['state', P, per, false]], c.F * w);
  } catch (e) {
    b.disposeData(P.dataId, true);
    throw e;
  }
  return P;
}

export const linearAttentionWebGpu: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WebGpuBackend;
  const { q, k, v } = inputs as { q: TensorInfo; k: TensorInfo; v: TensorInfo };
  const c = linearCall(q, k, v, attrs as unknown as TesseraLinearAttentionAttrs);
  const P = keyState(WHERE, b, c, k, v);
  const out = makeOutput(b, [c.B, c.H, c.Tq, c.Dv]);
  const den = makeOutput(b, [c.B, c.H, c.Tq]);
  // Causal: each row's scores with its own chunk's keys, once (C floats per row).
  const A = c.causal ? makeOutput(b, [c.B * c.H * c.Tq * c.C]) : null;
  try {
    if (A) runLinear(WHERE, b, 'TesseraLinearLocal', linearLocalScoresWgsl(), c, [['q', q, c.Tq * c.F, true], ['k', k, c.Tk * c.F, false], ['scores', A, c.Tq * c.C, true]], c.G * c.Tq * c.C);
    runLinear(WHERE, b, 'TesseraLinearRead', linearReadWgsl(), c, [
      ['q', q, c.Tq * c.F, true],
      ['scores', A, c.Tq * c.C, true],
      ['v', v, c.Tk * c.Dv, false],
      ['state', P, (c.nC + 1) * c.F * (c.Dv + 1), false],
      ['out', out, c.Tq * c.Dv, true],
      ['den', den, c.Tq, true],
    ], c.G * c.Tq * c.Dv);
  } catch (e) {
    b.disposeData(out.dataId, true);
    b.disposeData(den.dataId, true);
    throw e;
  } finally {
    b.disposeData(P.dataId, true);
    if (A) b.disposeData(A.dataId, true);
  }
  return [out, den];
};

export const linearAttentionWebGpuConfig: KernelConfig = { kernelName: TesseraLinearAttention, backendName: 'webgpu', kernelFunc: linearAttentionWebGpu };
