/**
 * TesseraLinearAttentionGrad on the shared host path: read dy, the mapped q
 * and k, v and the forward's out and den, run the engine's linearBackward,
 * write dq, dk, dv (gradients with respect to the features; the feature map's
 * own gradient is tfjs autodiff's job).
 */
import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { getEngine } from '../../../engine';
import { TesseraLinearAttentionAttrs, TesseraLinearAttentionGrad } from '../../../kernel_names';
import { attrsOf, registerHostKernel, runOnHost } from '../../host_path';
import { gradOutputSpecs } from '../../output_specs';

export const linearAttentionGradKernel: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as KernelBackend;
  const { dy, q, k, v, out, den } = inputs as Record<'dy' | 'q' | 'k' | 'v' | 'out' | 'den', TensorInfo>;
  const a = attrsOf<TesseraLinearAttentionAttrs>(attrs);
  const [B, H, Tq, F] = q.shape;
  const [, Hkv, Tk] = k.shape;
  const Dv = v.shape[3];
  const specs = gradOutputSpecs(q.shape, k.shape, v.shape);
  return runOnHost(backend, { dy, q, k, v, out, den }, specs, (ins, outs) => {
    getEngine().linearBackward({
      dims: { B, H, Hkv, Tq, Tk, F, Dv },
      causal: a.causal,
      eps: a.eps,
      chunkSize: a.chunkSize,
      q: ins.q as Float32Array,
      k: ins.k as Float32Array,
      v: ins.v as Float32Array,
      out: ins.out as Float32Array,
      den: ins.den as Float32Array,
      dOut: ins.dy as Float32Array,
      dq: outs[0] as Float32Array,
      dk: outs[1] as Float32Array,
      dv: outs[2] as Float32Array,
    });
  });
};

export const linearAttentionGradConfig: Pick<KernelConfig, 'kernelName' | 'kernelFunc'> = {
  kernelName: TesseraLinearAttentionGrad,
  kernelFunc: linearAttentionGradKernel,
};

registerHostKernel(TesseraLinearAttentionGrad, linearAttentionGradKernel);
