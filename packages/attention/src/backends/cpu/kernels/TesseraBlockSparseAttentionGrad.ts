/**
 * TesseraBlockSparseAttentionGrad on the shared host path: FlashAttention-2
 * recomputation over the same BlockMask blocks as the forward (engine's
 * blockSparseBackward). Outputs dq, dk, dv.
 */
import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { getEngine } from '../../../engine';
import { TesseraBlockSparseAttentionAttrs, TesseraBlockSparseAttentionGrad } from '../../../kernel_names';
import { BlockMask } from '../../../sparse/block_mask';
import { lookupMask } from '../../../sparse/registry';
import { attrsOf, registerHostKernel, runOnHost } from '../../host_path';

export const blockSparseAttentionGradKernel: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as KernelBackend;
  const { q, k, v } = inputs as { q: TensorInfo; k: TensorInfo; v: TensorInfo };
  const a = attrsOf<TesseraBlockSparseAttentionAttrs>(attrs);
  const mask = lookupMask<BlockMask>(a.maskId, TesseraBlockSparseAttentionGrad);
  const [B, H, Tq, D] = q.shape;
  const [, Hkv, Tk] = k.shape;
  const Dv = v.shape[3];
  const specs = [
    { shape: [B, H, Tq, D], dtype: 'float32' as const },
    { shape: [B, Hkv, Tk, D], dtype: 'float32' as const },
    { shape: [B, Hkv, Tk, Dv], dtype: 'float32' as const },
  ];
  return runOnHost(backend as KernelBackend, inputs, specs, (ins, outs) => {
    getEngine().blockSparseBackward({
      dims: { B, H, Hkv, Tq, Tk, D, Dv },
      scale: a.scale,
      softcap: a.softcap > 0 ? a.softcap : null,
      alibiSlopes: a.alibiSlopes.length > 0 ? Float32Array.from(a.alibiSlopes) : null,
      causal: false,
      window: null,
      keyMask: null,
      segmentIdsQ: null,
      segmentIdsK: null,
      q: ins.q as Float32Array,
      k: ins.k as Float32Array,
      v: ins.v as Float32Array,
      out: ins.out as Float32Array,
      lse: ins.lse as Float32Array,
      dOut: ins.dy as Float32Array,
      dLse: (ins.dLse as Float32Array | null) ?? null,
      dq: outs[0] as Float32Array,
      dk: outs[1] as Float32Array,
      dv: outs[2] as Float32Array,
      layout: mask,
    });
  });
};

export const blockSparseAttentionGradConfig: Pick<KernelConfig, 'kernelName' | 'kernelFunc'> = {
  kernelName: TesseraBlockSparseAttentionGrad,
  kernelFunc: blockSparseAttentionGradKernel,
};

registerHostKernel(TesseraBlockSparseAttentionGrad, blockSparseAttentionGradKernel);
