/**
 * TesseraBlockSparseAttention on the shared host path (cpu and wasm zero-copy,
 * any other backend by copy): read q, k, v, find the BlockMask named by
 * attrs.maskId, run the engine's blockSparseForward, write out and lse.
 */
import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { getEngine } from '../../../engine';
import { TesseraBlockSparseAttention, TesseraBlockSparseAttentionAttrs } from '../../../kernel_names';
import { BlockMask } from '../../../sparse/block_mask';
import { lookupMask } from '../../../sparse/registry';
import { attrsOf, registerHostKernel, runOnHost } from '../../host_path';

export const blockSparseAttentionKernel: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as KernelBackend;
  const { q, k, v } = inputs as { q: TensorInfo; k: TensorInfo; v: TensorInfo };
  const a = attrsOf<TesseraBlockSparseAttentionAttrs>(attrs);
  const mask = lookupMask<BlockMask>(a.maskId, TesseraBlockSparseAttention);
  const [B, H, Tq, D] = q.shape;
  const [, Hkv, Tk] = k.shape;
  const Dv = v.shape[3];
  const specs = [
    { shape: [B, H, Tq, Dv], dtype: 'float32' as const },
    { shape: [B, H, Tq], dtype: 'float32' as const },
  ];
  return runOnHost(backend as KernelBackend, { q, k, v }, specs, (ins, outs) => {
    getEngine().blockSparseForward({
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
      out: outs[0] as Float32Array,
      lse: outs[1] as Float32Array,
      layout: mask,
    });
  });
};

export const blockSparseAttentionConfig: Pick<KernelConfig, 'kernelName' | 'kernelFunc'> = {
  kernelName: TesseraBlockSparseAttention,
  kernelFunc: blockSparseAttentionKernel,
};

registerHostKernel(TesseraBlockSparseAttention, blockSparseAttentionKernel);
