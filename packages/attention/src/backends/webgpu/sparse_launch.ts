/**
 * Host side shared by the block-sparse programs: the mask's cached buffer as
 * part of the aux buffer, after the alibi slopes (attrs, not a tensor).
 */
import { TensorInfo } from '@tensorflow/tfjs-core';
import type { TesseraBlockSparseAttentionAttrs } from '../../kernel_names';
import type { BlockMask } from '../../sparse/block_mask';
import { FlashCall } from './flash_launch';
import { Binding, bufferOf, limitsOf, makeOutput, WebGpuBackend } from './gpu_backend';
import { gpuMask } from './sparse_mask';

export interface SparseCall extends FlashCall {
  mask: BlockMask;
  /** The aux buffer: alibi slopes (H, padded to 4), then the mask's words (at aux.offsets[0]). */
  auxBinding: Binding;
}

/**
 * Dims, flags and the aux buffer [slopes | mask words] (the mask copied on the
 * GPU from its cached upload, sparse_mask.ts); `releaseAux` it after the dispatches.
 */
export function sparseCall(where: string, b: WebGpuBackend, q: TensorInfo, k: TensorInfo, v: TensorInfo, a: TesseraBlockSparseAttentionAttrs, mask: BlockMask): SparseCall {
  const [B, H, Tq, D] = q.shape;
  const [, Hkv, Tk] = k.shape;
  const Dv = v.shape[3];
  const lim = limitsOf(b);
  const gm = gpuMask(b, mask);
  const hp = Math.ceil(H / 4) * 4;
  const bytes = 4 * hp + gm.bytes;
  if (bytes > lim.maxBinding) {
    throw new Error(`${where}: the block lists of ${mask.toString()} take ${gm.bytes} bytes, over this device's maxStorageBufferBindingSize of ${lim.maxBinding} bytes; use a larger blockSize`);
  }
  const aux = makeOutput(b, [bytes / 4], 'int32');
  const buf = bufferOf(b, aux);
  const slopes = new Float32Array(hp);
  slopes.set(a.alibiSlopes.slice(0, H));
  b.queue.writeBuffer(buf, 0, slopes.buffer);
  b.ensureCommandEncoderReady();
  b.endComputePassEncoder();
  b.commandEncoder.copyBufferToBuffer(gm.buffer, 0, buf, 4 * hp, gm.bytes);
  return {
    B, H, Hkv, G: H / Hkv, Tq, Tk, D, Dv,
    flags: { causal: false, window: false, keyMask: false, segments: false, alibi: a.alibiSlopes.length > 0, softcap: a.softcap > 0 },
    aux: { tensor: aux, offsets: [hp, 0, 0, 0] },
    attrs: { scale: a.scale, causal: false, windowLeft: -1, windowRight: -1, softcap: a.softcap },
    mask,
    auxBinding: { tensor: aux, offset: 0, size: bytes },
  };
}
