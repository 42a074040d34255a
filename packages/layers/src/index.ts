/**
 * @tessera/layers: Keras-compatible attention layers for TensorFlow.js on
 * Tessera's kernels.
 * @packageDocumentation
 */
export { MultiHeadAttention, multiHeadAttention } from './attention/multi_head_attention';
export type { MultiHeadAttentionCallArgs } from './attention/multi_head_attention';
export type { MultiHeadAttentionArgs } from './attention/mha_args';
export type { AttentionRun } from './attention/dispatch';
export type { AttentionConfig, AttentionPath, Positional, SparseConfig } from './attention/attention_config';
export { ATTENTION_PATHS, POSITIONAL } from './attention/attention_config';
export { applyRotary, rotaryTables } from './attention/rope';
export { KVCache } from './cache/kv_cache';
export type { KVCacheArgs } from './cache/kv_cache';
export { embeddingLookup } from './core/embedding_lookup';
export { fileSystem, registerFileSystemRouter } from './io/file_io';
