/**
 * Registers the gradient of every Tessera kernel, once per kernel name (tfjs
 * looks gradients up by kernel name, so every backend shares them).
 * Adding one: one import line and one list entry in your family's section.
 */
import { GradConfig, getGradient, registerGradient } from '@tensorflow/tfjs-core';
// --- flash attention ---
import { flashAttentionGradConfig } from './TesseraFlashAttention_grad';
// --- block-sparse attention ---
import { blockSparseAttentionGradConfig } from './TesseraBlockSparseAttention_grad';
// --- linear attention ---
import { linearAttentionGradConfig } from './TesseraLinearAttention_grad';
import { featureMapGradConfig } from './TesseraFeatureMap_grad';

const GRADIENTS: GradConfig[] = [
  // --- flash attention ---
  flashAttentionGradConfig,
  // --- block-sparse attention ---
  blockSparseAttentionGradConfig,
  // --- linear attention ---
  linearAttentionGradConfig,
  featureMapGradConfig,
];

for (const config of GRADIENTS) {
  // A second copy of this module (two bundles, jest module registries) must not warn about re-registration.
  if (getGradient(config.kernelName) == null) registerGradient(config);
}
