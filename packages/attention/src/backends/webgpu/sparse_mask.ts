/**
 * A BlockMask's block lists on the GPU: uploaded once per (mask, device),
 * cached, and destroyed on `mask.dispose()`. One u32 buffer:
 *
 *   header [16]     bs, nQ, nK, LB, LH, then the word offsets of the parts below
 *   rowPtr, colIdx  the mask's CSR over (layout b, layout h, query block)
 *   bitOff [nnz]    word offset of a partial block's bitmask, FULL when the whole block is visible
 *   cscPtr, cscQb, cscEnt   the transpose over (layout b, layout h, key block): query
 *                   block and CSR entry of each visited block (the dK/dV pass walks these)
 *   bits            per partial block bs x bs bits, row-major (bit li * bs + lj)
 *
 * The predicate is a JavaScript closure, so partial blocks are evaluated here
 * once (bs^2 calls per partial block) rather than on every call.
 */
import type { BlockMask } from '../../sparse/block_mask';
import type { WebGpuBackend } from './gpu_backend';

/* eslint-disable @typescript-eslint/no-explicit-any */
export const FULL_BLOCK = 0xffffffff;

export interface GpuMask {
  buffer: any;
  bytes: number;
}

const cache = new WeakMap<BlockMask, Map<any, GpuMask & { backend: WebGpuBackend }>>();

/** The words of the buffer (exported for tests of the layout). */
export function maskWords(m: BlockMask): Uint32Array {
  const { blockSize: bs, numQueryBlocks: nQ, numKeyBlocks: nK, B: LB, H: LH, Tq, Tk } = m;
  const nnz = m.colIdx.length;
  const nRows = LB * LH * nQ;
  const nCols = LB * LH * nK;
  const perBlock = Math.ceil((bs * bs) / 32);
  let partials = 0;
  for (let e = 0; e < nnz; e++) partials += m.partial[e];
  const off = { rowPtr: 16, colIdx: 16 + nRows + 1, bitOff: 0, cscPtr: 0, cscQb: 0, cscEnt: 0, bits: 0 };
  off.bitOff = off.colIdx + nnz;
  off.cscPtr = off.bitOff + nnz;
  off.cscQb = off.cscPtr + nCols + 1;
  off.cscEnt = off.cscQb + nnz;
  off.bits = off.cscEnt + nnz;
  const w = new Uint32Array(off.bits + partials * perBlock);
  w.set([bs, nQ, nK, LB, LH, off.rowPtr, off.colIdx, off.bitOff, off.cscPtr, off.cscQb, off.cscEnt, off.bits]);
  w.set(m.rowPtr, off.rowPtr);
  w.set(m.colIdx, off.colIdx);
  // Transpose: count per (layout row set, key block), then place.
  const count = new Uint32Array(nCols + 1);
  for (let r = 0; r < nRows; r++) {
    const set = Math.floor(r / nQ);
    for (let e = m.rowPtr[r]; e < m.rowPtr[r + 1]; e++) count[set * nK + m.colIdx[e] + 1]++;
  }
  for (let c = 0; c < nCols; c++) count[c + 1] += count[c];
  w.set(count, off.cscPtr);
  const fill = count.slice(0, nCols);
  let next = off.bits;
  for (let r = 0; r < nRows; r++) {
    const set = Math.floor(r / nQ);
    const qb = r % nQ;
    const lb = Math.floor(set / LH);
    const lh = set % LH;
    for (let e = m.rowPtr[r]; e < m.rowPtr[r + 1]; e++) {
      const kb = m.colIdx[e];
      const slot = fill[set * nK + kb]++;
      w[off.cscQb + slot] = qb;
      w[off.cscEnt + slot] = e;
      if (m.partial[e] !== 1) {
        w[off.bitOff + e] = FULL_BLOCK;
        continue;
      }
      w[off.bitOff + e] = next;
      for (let li = 0; li < bs; li++) {
        const i = qb * bs + li;
        if (i >= Tq) break;
        for (let lj = 0; lj < bs; lj++) {
          const j = kb * bs + lj;
          if (j >= Tk) break;
          if (m.predicate(lb, lh, i, j)) {
            const bit = li * bs + lj;
            w[next + (bit >>> 5)] |= 1 << (bit & 31);
          }
        }
      }
      next += perBlock;
    }
  }
  return w;
}

/** The mask's buffer on this backend's device (uploaded on first use; destroyed by mask.dispose()). */
export function gpuMask(b: WebGpuBackend, m: BlockMask): GpuMask {
  let perDevice = cache.get(m);
  const have = perDevice?.get(b.device);
  if (have) return have;
  const words = maskWords(m);
  const bytes = Math.max(16, words.byteLength);
  const buffer = b.device.createBuffer({ size: bytes, usage: 0x04 | 0x08 /* COPY_SRC | COPY_DST: copied into each call's aux buffer */ });
  b.queue.writeBuffer(buffer, 0, words.buffer as ArrayBuffer);
  const g = { buffer, bytes, backend: b };
  if (!perDevice) {
    perDevice = new Map();
    cache.set(m, perDevice);
    // Release with the mask (its registry entry goes in the original dispose).
    const dispose = m.dispose.bind(m);
    const all = perDevice;
    m.dispose = () => {
      for (const x of all.values()) {
        // Submit work still being recorded that may use the buffer; WebGPU defers the free past submitted work.
        try {
          x.backend.endComputePassEncoder();
          x.backend.submitQueue();
        } catch {
          // the device is gone: nothing pending
        }
        x.buffer.destroy();
      }
      all.clear();
      dispose();
    };
  }
  perDevice.set(b.device, g);
  return g;
}

/** Masks with a GPU copy on this device (tests: released on dispose). */
export const gpuMaskCount = (b: WebGpuBackend, masks: BlockMask[]): number => masks.filter((m) => cache.get(m)?.has(b.device)).length;
