/**
 * The typed-array contract of the flash attention engine (FlashAttention-2,
 * Dao 2023). Every implementation of it - the TypeScript engine in this folder
 * (the default), the C++ engine of @tessera/native (installed with
 * `setEngine`), and the block-sparse kernels that reuse the tile routine -
 * speaks these types. Nothing here touches tfjs: the kernels read tensors into
 * typed arrays (backends/host_path.ts) and call the engine.
 *
 * Layout: every array is dense, row-major, float32 unless said otherwise.
 *   q    [B, H,   Tq, D]      k [B, Hkv, Tk, D]      v [B, Hkv, Tk, Dv]
 *   out  [B, H,   Tq, Dv]     lse [B, H, Tq]  (natural log; -Infinity for a row that sees no key)
 *   keyMask [B, Tk]  (nonzero = the key exists)     segmentIdsQ [B, Tq], segmentIdsK [B, Tk]
 *   alibiSlopes [H]
 * Query head h reads key/value head floor(h / G), G = H / Hkv (GQA/MQA).
 *
 * Semantics (identical to attentionReference; docs/notation.md):
 *   s_ij = scale * q_i . k_j
 *   if softcap:  s_ij = softcap * tanh(s_ij / softcap)
 *   if alibi:    s_ij -= slope_h * |j - c_i|,    c_i = i + Tk - Tq (bottom-right alignment)
 *   allowed_ij = (!causal || j <= c_i) && window(l, r) && keyMask[b, j] != 0 && segQ[b, i] == segK[b, j]
 *     window: (l < 0 || j >= c_i - l) && (r < 0 || j <= c_i + r)
 *   out_i = sum_j softmax_j(s_i.)[allowed] v_j;  lse_i = log sum_{allowed j} exp(s_ij)
 *   A row with no allowed key: out_i = 0, lse_i = -Infinity.
 *
 * Engine entry points (packages/attention/src/engine.ts, `AttentionEngine`):
 *   flashForward(args: FlashForwardArgs): void    writes args.out and args.lse
 *   flashBackward(args: FlashBackwardArgs): void  writes args.dq, args.dk, args.dv
 * The TypeScript implementations are `flashForwardImpl` (impl/flash_forward_impl.ts)
 * and `flashBackwardImpl` (impl/flash_backward_impl.ts). Output arrays are
 * preallocated by the caller; the engine overwrites them completely (it does
 * not rely on them being zero).
 *
 * The reusable tile routine (impl/tile_engine.ts) works on one (b, h) and one
 * query tile [i0, i1) at a time and streams an explicit list of `KeyRange`s;
 * see that file.
 */
import type { MaskPredicate } from '@tessera/tensor';

/** A [B, Tk] key mask as the kernels receive it: bool/int32 (0/1) or float32 (0/nonzero). */
export type KeyMaskArray = Uint8Array | Int32Array | Float32Array;
/** [B, Tq] or [B, Tk] segment ids (compared for equality). */
export type SegmentIdArray = Int32Array | Float32Array;

/** Sizes of one call (docs/notation.md). H % Hkv == 0. */
export interface FlashDims {
  B: number;
  H: number;
  Hkv: number;
  Tq: number;
  Tk: number;
  D: number;
  Dv: number;
}

/** Everything but the tensors' data: sizes, scale and the masking/score options. */
export interface FlashParams {
  dims: FlashDims;
  /** Multiplier of q.k (the op defaults it to 1/sqrt(D)). */
  scale: number;
  /** Bottom-right aligned causal mask. */
  causal: boolean;
  /** [left, right] around c_i = i + Tk - Tq, -1 = unbounded on that side; null = no window. */
  window: readonly [number, number] | null;
  /** Tanh soft-cap of the scaled scores; 0 or null = off. */
  softcap: number | null;
  /** [H] ALiBi slopes; null = off. */
  alibiSlopes: Float32Array | null;
  /** [B, Tk]; null = every key exists. */
  keyMask: KeyMaskArray | null;
  /** [B, Tq] and [B, Tk]; both null or both set. */
  segmentIdsQ: SegmentIdArray | null;
  segmentIdsK: SegmentIdArray | null;
  /**
   * Tile sizes (rows of queries Br, keys per streamed chunk Bc). Optional:
   * the engine picks them (impl/tiles.ts, DEFAULT_TILES). Results do not
   * depend on them beyond float32 rounding; tests vary them to prove it.
   */
  tiles?: TileSizes;
}

/** Query-tile rows (Br) and key-chunk columns (Bc). */
export interface TileSizes {
  br: number;
  bc: number;
}

/** Inputs and outputs of the forward pass. */
export interface FlashForwardArgs extends FlashParams {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  /** Output [B, H, Tq, Dv], overwritten. */
  out: Float32Array;
  /** Output [B, H, Tq], overwritten: the row log-sum-exp the backward pass needs. */
  lse: Float32Array;
}

/** Inputs and outputs of the backward pass (FlashAttention-2 recomputation). */
export interface FlashBackwardArgs extends FlashParams {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  /** The forward's output [B, H, Tq, Dv] and lse [B, H, Tq]. */
  out: Float32Array;
  lse: Float32Array;
  /** Gradient of the loss with respect to out, [B, H, Tq, Dv]. */
  dOut: Float32Array;
  /**
   * Gradient with respect to lse, [B, H, Tq], or null (= zero). d lse_i / d s_ij = p_ij,
   * so it adds p_ij * dLse_i to dS; the kernels pass it so the lse output is exactly differentiable.
   */
  dLse: Float32Array | null;
  /** Outputs, overwritten: dq [B, H, Tq, D], dk [B, Hkv, Tk, D], dv [B, Hkv, Tk, Dv] (dk/dv summed over the G query heads of each kv head). */
  dq: Float32Array;
  dk: Float32Array;
  dv: Float32Array;
}

/**
 * One contiguous range of keys [start, end) streamed by the tile routine for
 * a query tile. `partial: false` promises every (i, j) in the query tile x
 * range is allowed, so the routine skips all masking there (the fast path);
 * `partial: true` makes it ask the element predicate for each (i, j).
 * Ranges may be longer than a tile (the routine chunks them by Bc), must not
 * overlap, and should be in increasing order (any order is correct; increasing
 * order is cache-friendly).
 */
export interface KeyRange {
  start: number;
  end: number;
  partial: boolean;
}

/**
 * The element predicate of partial ranges: may query i see key j in (b, h)?
 * Same signature as @tessera/tensor's MaskPredicate so block-sparse masks and
 * the predicates of @tessera/tensor plug in directly.
 */
export type ElementPredicate = MaskPredicate;
