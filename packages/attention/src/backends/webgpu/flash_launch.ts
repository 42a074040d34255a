/**
 * What the flash programs share on the host side: flags from attrs and
 * inputs, tile sizes from the device's shared-memory budget, the aux buffer,
 * and the uniform block for one chunk.
 */
import { TensorInfo, util } from '@tensorflow/tfjs-core';
import type { TesseraFlashAttentionAttrs } from '../../kernel_names';
import { Aux, packAux } from './aux';
import { flagBits, FlashFlags } from './flash_wgsl';
import { WebGpuBackend } from './gpu_backend';
import { FlashUniforms } from './uniforms';

export interface FlashCall {
  B: number;
  H: number;
  Hkv: number;
  G: number;
  Tq: number;
  Tk: number;
  D: number;
  Dv: number;
  flags: FlashFlags;
  aux: Aux;
  attrs: TesseraFlashAttentionAttrs;
}

const present = (t: TensorInfo | undefined): boolean => !!t && util.sizeFromShape(t.shape) > 0;

/** Reads dims and flags and packs the aux inputs (dispose `aux.tensor` after the dispatches). */
export function flashCall(b: WebGpuBackend, inputs: Record<string, TensorInfo | undefined>, attrs: TesseraFlashAttentionAttrs): FlashCall {
  const [B, H, Tq, D] = inputs.q!.shape;
  const [, Hkv, Tk] = inputs.k!.shape;
  const Dv = inputs.v!.shape[3];
  const flags: FlashFlags = {
    causal: !!attrs.causal,
    window: !(attrs.windowLeft < 0 && attrs.windowRight < 0),
    keyMask: present(inputs.keyMask),
    segments: present(inputs.segmentIdsQ),
    alibi: present(inputs.alibiSlopes),
    softcap: attrs.softcap > 0,
  };
  const aux = packAux(b, inputs.keyMask, inputs.segmentIdsQ, inputs.segmentIdsK, inputs.alibiSlopes);
  return { B, H, Hkv, G: H / Hkv, Tq, Tk, D, Dv, flags, aux, attrs };
}

/** Keys (or queries) per shared-memory tile: rows of `floatsPerRow` floats within the budget, at most `max`. */
export function tileRows(where: string, sharedBytes: number, floatsPerRow: number, max: number): number {
  const n = Math.min(max, Math.floor(sharedBytes / (4 * floatsPerRow)));
  if (n < 1) throw new Error(`${where}: head sizes need ${4 * floatsPerRow} bytes of workgroup memory per row, over this device's maxComputeWorkgroupStorageSize of ${sharedBytes}`);
  return n;
}

/** The uniform block of one chunk. */
export function flashUniforms(c: FlashCall, unit0: number, offsets: number[]): FlashUniforms {
  return {
    B: c.B,
    H: c.H,
    Hkv: c.Hkv,
    G: c.G,
    Tq: c.Tq,
    Tk: c.Tk,
    unit0,
    offsets,
    scale: c.attrs.scale,
    softcap: c.attrs.softcap > 0 ? c.attrs.softcap : 1,
    wl: c.attrs.windowLeft,
    wr: c.attrs.windowRight,
    aux: c.aux.offsets,
    D: c.D,
    Dv: c.Dv,
    flags: flagBits(c.flags),
  };
}

/** Frees the aux buffer (tfjs defers the release until the queued work is submitted). */
export function releaseAux(b: WebGpuBackend, c: FlashCall): void {
  if (c.aux.tensor) b.disposeData(c.aux.tensor.dataId, true);
}

/** Throws unless `n` workgroups fit in one grid dimension. */
export function checkGrid(where: string, n: number, max: number, what: string): void {
  if (n > max) throw new Error(`${where}: ${n} workgroups along ${what} exceed this device's maxComputeWorkgroupsPerDimension of ${max}`);
}
