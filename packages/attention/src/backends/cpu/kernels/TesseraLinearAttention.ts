/**
 * TesseraLinearAttention on the shared host path (cpu and wasm zero-copy, any
 * other backend by copy): read the mapped q, k and v, run the engine's
 * linearForward (TypeScript by default, C++ once @tessera/native installs it),
 * write out and den.
 */
import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { getEngine } from '../../../engine';
import { TesseraLinearAttention, TesseraLinearAttentionAttrs } from '../../../kernel_names';
import { attrsOf, registerHostKernel, runOnHost } from '../../host_path';
import { forwardOutputSpecs } from '../../output_specs';

export const linearAttentionKernel: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as KernelBackend;
  const { q, k, v } = inputs as { q: TensorInfo; k: TensorInfo; v: TensorInfo };
  const a = attrsOf<TesseraLinearAttentionAttrs>(attrs);
  const [B, H, Tq, F] = q.shape;
  const [, Hkv, Tk] = k.shape;
  const Dv = v.shape[3];
  const specs = forwardOutputSpecs(B, H, Tq, Dv);
  return runOnHost(backend, { q, k, v }, specs, (ins, outs) => {
    getEngine().linearForward({
      dims: { B, H, Hkv, Tq, Tk, F, Dv },
      causal: a.causal,
      eps: a.eps,
      chunkSize: a.chunkSize,
      q: ins.q as Float32Array,
      k: ins.k as Float32Array,
      v: ins.v as Float32Array,
      out: outs[0] as Float32Array,
      den: outs[1] as Float32Array,
    });
  });
};

export const linearAttentionConfig: Pick<KernelConfig, 'kernelName' | 'kernelFunc'> = {
  kernelName: TesseraLinearAttention,
  kernelFunc: linearAttentionKernel,
};

registerHostKernel(TesseraLinearAttention, linearAttentionKernel);
