/**
 * Names, inputs and attributes of every kernel Tessera registers with tfjs.
 * tfjs's kernel registry is global and a second registration of a name
 * silently replaces the first, so every name carries the `Tessera` prefix.
 * Backward passes are kernels of their own (`...Grad`).
 */

// --- flash attention (issue: FlashAttention kernels) ---

// --- block-sparse attention (issue: block-sparse attention) ---

// --- linear attention (issue: linear attention) ---
