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
export { RotaryEmbedding, rotaryEmbedding } from './layers/rotary_embedding';
export type { RotaryEmbeddingArgs } from './layers/rotary_embedding';
export { SinusoidalPositionEncoding, sinusoidalPositionEncoding, sinusoidalTable } from './layers/sinusoidal_position_encoding';
export type { SinusoidalPositionEncodingArgs } from './layers/sinusoidal_position_encoding';
export { PositionEmbedding, positionEmbedding } from './layers/position_embedding';
export type { PositionEmbeddingArgs } from './layers/position_embedding';
export { TokenAndPositionEmbedding, tokenAndPositionEmbedding } from './layers/token_and_position_embedding';
export type { TokenAndPositionEmbeddingArgs } from './layers/token_and_position_embedding';
export { TransformerEncoder, transformerEncoder } from './layers/transformer_encoder';
export type { TransformerEncoderCallArgs } from './layers/transformer_encoder';
export { TransformerDecoder, transformerDecoder } from './layers/transformer_decoder';
export type { TransformerDecoderCallArgs } from './layers/transformer_decoder';
export type { TransformerArgs } from './layers/transformer_args';
export { LinearStateCache } from './cache/linear_state_cache';
export type { AttentionCache, MhaCallOptions } from './attention/mha_core';
export { Gpt } from './models/gpt';
export type { GptArgs, GenerateOptions } from './models/gpt';
export { pickToken } from './models/sampling';
export type { SamplingOptions } from './models/sampling';
