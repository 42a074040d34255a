/**
 * Names, inputs and attributes of every kernel Tessera registers with tfjs.
 * tfjs's kernel registry is global and a second registration of a name
 * silently replaces the first, so every name carries the `Tessera` prefix.
 * Backward passes are kernels of their own (`...Grad`).
 */

// --- flash attention (issue: FlashAttention kernels) ---

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
