/**
 * Kernel inputs (as typed arrays) + attrs -> the engine's FlashForwardArgs /
 * FlashBackwardArgs. Shared by the cpu kernels and the host-path kernels so
 * the mapping (absent inputs are empty arrays, window -1/-1 = none, softcap 0
 * = off) is written once.
 */
import type { FlashBackwardArgs, FlashDims, FlashForwardArgs, FlashParams, KeyMaskArray, SegmentIdArray } from '../../impl/flash_types';
import type { TesseraFlashAttentionAttrs } from '../../kernel_names';
import type { HostArray } from '../host_path';

/** Typed arrays of the kernels' inputs; optional ones may be null or empty. */
export type FlashInputArrays = Record<string, HostArray | null | undefined>;

/** Shapes of q, k, v -> dims. */
export function flashDims(qShape: number[], kShape: number[], vShape: number[]): FlashDims {
  const [B, H, Tq, D] = qShape;
  const [, Hkv, Tk] = kShape;
  return { B, H, Hkv, Tq, Tk, D, Dv: vShape[3] };
}

const present = <T extends HostArray>(a: HostArray | null | undefined): T | null => (a && a.length > 0 ? (a as T) : null);

function flashParams(dims: FlashDims, ins: FlashInputArrays, a: TesseraFlashAttentionAttrs): FlashParams {
  const noWindow = a.windowLeft < 0 && a.windowRight < 0;
  const slopes = present<Float32Array>(ins.alibiSlopes);
  return {
    dims,
    scale: a.scale,
    causal: a.causal,
    window: noWindow ? null : [a.windowLeft, a.windowRight],
    softcap: a.softcap > 0 ? a.softcap : null,
    alibiSlopes: slopes,
    keyMask: present<KeyMaskArray>(ins.keyMask),
    segmentIdsQ: present<SegmentIdArray>(ins.segmentIdsQ as SegmentIdArray | null),
    segmentIdsK: present<SegmentIdArray>(ins.segmentIdsK as SegmentIdArray | null),
  };
}

/** q, k, v as the engines take them (flash and block-sparse forward). */
export const qkvArrays = (ins: FlashInputArrays): { q: Float32Array; k: Float32Array; v: Float32Array } => ({
  q: ins.q as Float32Array,
  k: ins.k as Float32Array,
  v: ins.v as Float32Array,
});

/** What every attention backward reads besides the options: q, k, v, the forward's out and lse, dOut, dLse (null when absent). */
export const gradientArrays = (
  ins: FlashInputArrays,
): { q: Float32Array; k: Float32Array; v: Float32Array; out: Float32Array; lse: Float32Array; dOut: Float32Array; dLse: Float32Array | null } => ({
  ...qkvArrays(ins),
  out: ins.out as Float32Array,
  lse: ins.lse as Float32Array,
  dOut: ins.dy as Float32Array,
  dLse: present<Float32Array>(ins.dLse),
});

export function forwardArgs(dims: FlashDims, ins: FlashInputArrays, a: TesseraFlashAttentionAttrs, out: Float32Array, lse: Float32Array): FlashForwardArgs {
  return { ...flashParams(dims, ins, a), ...qkvArrays(ins), out, lse };
}

export function backwardArgs(dims: FlashDims, ins: FlashInputArrays, a: TesseraFlashAttentionAttrs, dq: Float32Array, dk: Float32Array, dv: Float32Array): FlashBackwardArgs {
  return { ...flashParams(dims, ins, a), ...gradientArrays(ins), dq, dk, dv };
}
