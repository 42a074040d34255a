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
// Registers every Tessera kernel and gradient with tfjs (side effect of importing the package).
import './register';
export { flashAttention } from './ops/flash_attention';
export { getEngine, setEngine, resetEngine, TYPESCRIPT_ENGINE } from './engine';
export type { AttentionEngine } from './engine';
export { info } from './info';
export type { TesseraInfo } from './info';
export { flashForwardImpl } from './impl/flash_forward_impl';
export { flashBackwardImpl } from './impl/flash_backward_impl';
export { runTiledForward, runTiledBackward, RangeList } from './impl/tile_engine';
export type { TilePlan } from './impl/tile_engine';
export { DEFAULT_TILES } from './impl/tiles';
export type { FlashDims, FlashParams, FlashForwardArgs, FlashBackwardArgs, KeyRange, ElementPredicate, TileSizes, KeyMaskArray, SegmentIdArray } from './impl/flash_types';
export { TesseraFlashAttention, TesseraFlashAttentionGrad } from './kernel_names';
export type { TesseraFlashAttentionAttrs } from './kernel_names';

// --- block-sparse attention ---
export * from './sparse/index';
export { blockSparseAttention } from './ops/block_sparse_attention';
export type { BlockSparseAttentionOptions } from './ops/block_sparse_attention';
export type { BlockSparseLayout } from './impl/block_sparse_plan_impl';

// --- linear attention ---
export { linearAttention } from './ops/linear_attention';
export { linearAttentionState } from './ops/linear_attention_state';
export type { LinearAttentionStateSpec } from './ops/linear_attention_state';
export { linearAttentionStep } from './ops/linear_attention_step';
export type { LinearAttentionStepOptions, LinearAttentionStepResult } from './ops/linear_attention_step';
export { linearAttentionPrefill } from './ops/linear_attention_prefill';
export type { LinearAttentionState } from './linear/linear_state';
export { LINEAR_DEFAULTS, LINEAR_FEATURE_MAPS } from './linear/linear_options';
export type { FeatureMapContext, FeatureMapFn, LinearAttentionOptions, LinearFeatureMapName } from './linear/linear_options';
export { FavorFeatures } from './linear/favor_features';
export type { FavorFeaturesArgs } from './linear/favor_features';
export { favorFeatureMap } from './linear/favor_map';
export { favorProjectionData } from './linear/favor_projection';
export { linearForwardImpl } from './linear/linear_forward_impl';
export { linearBackwardImpl } from './linear/linear_backward_impl';
export type { LinearBackwardArgs, LinearDims, LinearForwardArgs, LinearImplAttrs } from './linear/linear_dims';
