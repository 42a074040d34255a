/**
 * @tessera/attention: attention for TensorFlow.js, computed tile by tile.
 * @packageDocumentation
 */
export * from './options';
export { validateAttention } from './validate';
export type { AttentionDims, ResolvedAttention } from './validate';
export { alibiSlopes, alibiBias, slopesToArray } from './alibi';
export { attentionReference } from './reference/attention_reference';
export { denseAttentionMask } from './reference/dense_mask';

// --- flash attention ---

// --- block-sparse attention ---
export * from './sparse/index';
export { blockSparseAttention } from './ops/block_sparse_attention';
export type { BlockSparseAttentionOptions } from './ops/block_sparse_attention';
export type { BlockSparseLayout } from './impl/block_sparse_plan_impl';

// --- linear attention ---
