/**
 * Names, inputs and attributes of every kernel Tessera registers with tfjs.
 * tfjs's kernel registry is global and a second registration of a name
 * silently replaces the first, so every name carries the `Tessera` prefix.
 * Backward passes are kernels of their own (`...Grad`).
 */

// --- flash attention (issue: FlashAttention kernels) ---
/**
 * FlashAttention-2 forward (impl/flash_forward_impl.ts).
 * Inputs: q [B, H, Tq, D], k [B, Hkv, Tk, D], v [B, Hkv, Tk, Dv] (float32), and the
 * optional keyMask [B, Tk] (bool/int32/float32), segmentIdsQ [B, Tq], segmentIdsK [B, Tk]
 * (int32/float32), alibiSlopes [H] (float32). An absent optional input is passed as an
 * empty tensor of shape [0]: tfjs saves a kernel's inputs for its gradient by name and
 * cannot save a missing one.
 * Outputs: [out [B, H, Tq, Dv], lse [B, H, Tq]] (lse always: the gradient needs it).
 */
export const TesseraFlashAttention = 'TesseraFlashAttention';
export interface TesseraFlashAttentionInputs {
  q: unknown;
  k: unknown;
  v: unknown;
  keyMask: unknown;
  segmentIdsQ: unknown;
  segmentIdsK: unknown;
  alibiSlopes: unknown;
}
export interface TesseraFlashAttentionAttrs {
  /** Multiplier of q.k. */
  scale: number;
  /** Bottom-right aligned causal mask. */
  causal: boolean;
  /** Window around i + Tk - Tq; -1 = unbounded on that side (both -1 = no window). */
  windowLeft: number;
  windowRight: number;
  /** Tanh soft-cap; 0 = off. */
  softcap: number;
}
/**
 * Backward of TesseraFlashAttention (impl/flash_backward_impl.ts). Inputs: those of the
 * forward plus out, lse (the forward's outputs), dy [B, H, Tq, Dv] and dLse [B, H, Tq]
 * (empty [0] = zero). Outputs: [dq [B, H, Tq, D], dk [B, Hkv, Tk, D], dv [B, Hkv, Tk, Dv]].
 * Attrs: TesseraFlashAttentionAttrs.
 */
export const TesseraFlashAttentionGrad = 'TesseraFlashAttentionGrad';
export interface TesseraFlashAttentionGradInputs extends TesseraFlashAttentionInputs {
  out: unknown;
  lse: unknown;
  dy: unknown;
  dLse: unknown;
}

// --- block-sparse attention (issue: block-sparse attention) ---
/**
 * Block-sparse attention (FlexAttention-style BlockMask; Longformer, BigBird):
 * the flash tile engine visiting only the key blocks a BlockMask lists.
 * Inputs: q [B, H, Tq, D], k [B, Hkv, Tk, D], v [B, Hkv, Tk, Dv].
 * Outputs: [out [B, H, Tq, Dv], lse [B, H, Tq]] (lse is saved for the gradient).
 * The mask is host data, not a tensor: attrs.maskId names it in the BlockMask
 * registry (sparse/registry.ts) until mask.dispose().
 */
export const TesseraBlockSparseAttention = 'TesseraBlockSparseAttention';
export interface TesseraBlockSparseAttentionInputs {
  q: unknown;
  k: unknown;
  v: unknown;
}
export interface TesseraBlockSparseAttentionAttrs {
  /** Registry id of the BlockMask (BlockMask.id). */
  maskId: number;
  /** Multiplier of q.k. */
  scale: number;
  /** Tanh soft-cap; 0 = off. */
  softcap: number;
  /** ALiBi slopes, one per query head; empty = off. */
  alibiSlopes: number[];
}
/**
 * Backward of TesseraBlockSparseAttention (FlashAttention-2 recomputation over
 * the same blocks). Inputs: dy [B, H, Tq, Dv], dLse [B, H, Tq], q, k, v, and the
 * forward's out and lse. Outputs: [dq [B, H, Tq, D], dk [B, Hkv, Tk, D], dv [B, Hkv, Tk, Dv]].
 * Attrs: TesseraBlockSparseAttentionAttrs.
 */
export const TesseraBlockSparseAttentionGrad = 'TesseraBlockSparseAttentionGrad';
export interface TesseraBlockSparseAttentionGradInputs {
  dy: unknown;
  dLse: unknown;
  q: unknown;
  k: unknown;
  v: unknown;
  out: unknown;
  lse: unknown;
}

// --- linear attention (issue: linear attention) ---
/**
 * Linear attention on already-mapped features (Katharopoulos et al. 2020):
 * out_i = q_i^T S / (q_i^T z + eps), S = sum_j k_j v_j^T, z = sum_j k_j, over all keys
 * or, when `causal`, over j <= i + Tk - Tq (bottom-right aligned).
 * Inputs: q [B, H, Tq, F], k [B, Hkv, Tk, F] (feature-mapped), v [B, Hkv, Tk, Dv].
 * Outputs: [out [B, H, Tq, Dv], den [B, H, Tq]] (den = q_i^T z + eps, saved for the gradient).
 */
export const TesseraLinearAttention = 'TesseraLinearAttention';
export interface TesseraLinearAttentionInputs {
  q: unknown;
  k: unknown;
  v: unknown;
}
export interface TesseraLinearAttentionAttrs {
  /** Prefix sums over j <= i + Tk - Tq instead of all keys. */
  causal: boolean;
  /** Added to every denominator; > 0. */
  eps: number;
  /** Causal mode: keys per chunk (quadratic inside a chunk, running state across chunks). */
  chunkSize: number;
}
/**
 * Backward of TesseraLinearAttention. Inputs: dy [B, H, Tq, Dv], q, k, v as the forward,
 * out and den (the forward's outputs). Outputs: [dq [B, H, Tq, F], dk [B, Hkv, Tk, F], dv [B, Hkv, Tk, Dv]].
 * Attrs: TesseraLinearAttentionAttrs.
 */
export const TesseraLinearAttentionGrad = 'TesseraLinearAttentionGrad';
export interface TesseraLinearAttentionGradInputs {
  dy: unknown;
  q: unknown;
  k: unknown;
  v: unknown;
  out: unknown;
  den: unknown;
}
/**
 * A built-in elementwise feature map of linear attention (linear/feature_map_impl.ts),
 * one pass instead of tfjs's elu + add: registered on `cpu` and `wasm` only (zero-copy
 * host arrays); linear/feature_maps.ts uses it where it is registered and tfjs ops elsewhere.
 * Inputs: x (float32, any shape). Output: phi(x), same shape.
 */
export const TesseraFeatureMap = 'TesseraFeatureMap';
export interface TesseraFeatureMapInputs {
  x: unknown;
}
export interface TesseraFeatureMapAttrs {
  map: 'elu+1' | 'relu';
}
/** Backward of TesseraFeatureMap. Inputs: x, dy (shaped like x). Output: dx = dy * phi'(x). Attrs: TesseraFeatureMapAttrs. */
export const TesseraFeatureMapGrad = 'TesseraFeatureMapGrad';
export interface TesseraFeatureMapGradInputs {
  x: unknown;
  dy: unknown;
}
