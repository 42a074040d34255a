/**
 * The flash attention arguments the native engine accepts: structurally the
 * same as @tessera/attention's typed-array contract (impl/flash_types.ts), so
 * the attention kernels pass their arguments straight through. Kept here
 * (not imported) because @tessera/native depends on nothing.
 */

/** A [B, Tk] key mask: nonzero = the key exists. */
export type KeyMaskArray = Uint8Array | Int32Array | Float32Array;
/** Segment ids, compared for equality. */
export type SegmentIdArray = Int32Array | Float32Array;

export interface FlashDims {
  B: number;
  H: number;
  Hkv: number;
  Tq: number;
  Tk: number;
  D: number;
  Dv: number;
}

export interface FlashParams {
  dims: FlashDims;
  scale: number;
  causal: boolean;
  /** [left, right] around i + Tk - Tq; -1 = unbounded; null = none. */
  window: readonly [number, number] | null;
  /** 0 or null = off. */
  softcap: number | null;
  /** [H] or null. */
  alibiSlopes: Float32Array | null;
  /** [B, Tk] or null. */
  keyMask: KeyMaskArray | null;
  /** [B, Tq] and [B, Tk], both or neither. */
  segmentIdsQ: SegmentIdArray | null;
  segmentIdsK: SegmentIdArray | null;
  /** Accepted for compatibility; the native engine picks its own tiles (results do not depend on them). */
  tiles?: { br: number; bc: number };
}

/**
 * Parameters of plain attention over `dims`: no causal mask, window, softcap, ALiBi, key mask
 * or segments; `scale` defaults to 1 / sqrt(D). Spread it into the kernels' arguments and
 * override what a call needs.
 * @example
 * import * as native from '@tessera/native';
 * const dims = { B: 1, H: 8, Hkv: 8, Tq: 1024, Tk: 1024, D: 64, Dv: 64 };
 * const [q, k, v, out] = [0, 1, 2, 3].map(() => new Float32Array(8 * 1024 * 64).fill(0.1));
 * native.flashForward({ ...native.plainParams(dims), causal: true, q, k, v, out, lse: new Float32Array(8 * 1024) });
 */
export function plainParams(dims: FlashDims, scale = 1 / Math.sqrt(dims.D)): FlashParams {
  return { dims, scale, causal: false, window: null, softcap: null, alibiSlopes: null, keyMask: null, segmentIdsQ: null, segmentIdsK: null };
}

export interface FlashForwardArgs extends FlashParams {
  q: Float32Array; // [B, H, Tq, D]
  k: Float32Array; // [B, Hkv, Tk, D]
  v: Float32Array; // [B, Hkv, Tk, Dv]
  out: Float32Array; // [B, H, Tq, Dv], overwritten
  lse: Float32Array; // [B, H, Tq], overwritten
}

export interface FlashBackwardArgs extends FlashParams {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  out: Float32Array; // the forward's output
  lse: Float32Array; // the forward's lse
  dOut: Float32Array; // [B, H, Tq, Dv]
  dLse: Float32Array | null; // [B, H, Tq] or null
  dq: Float32Array; // [B, H, Tq, D], overwritten
  dk: Float32Array; // [B, Hkv, Tk, D], overwritten (summed over the G query heads)
  dv: Float32Array; // [B, Hkv, Tk, Dv], overwritten
}
