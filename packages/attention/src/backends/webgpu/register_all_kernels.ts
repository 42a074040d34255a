/**
 * Tessera's WGSL kernels for tfjs's 'webgpu' backend. Imported after the
 * shared host-path registration (register.ts), so these replace it there.
 */
import { KernelConfig, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import { blockSparseAttentionWebGpuConfig } from './kernels/TesseraBlockSparseAttention';
import { blockSparseAttentionGradWebGpuConfig } from './kernels/TesseraBlockSparseAttentionGrad';
import { flashAttentionWebGpuConfig } from './kernels/TesseraFlashAttention';
import { flashAttentionGradWebGpuConfig } from './kernels/TesseraFlashAttentionGrad';
import { linearAttentionWebGpuConfig } from './kernels/TesseraLinearAttention';
import { linearAttentionGradWebGpuConfig } from './kernels/TesseraLinearAttentionGrad';

/** Replaces the host-path registration (a plain second registration would warn). */
function replace(config: KernelConfig): void {
  try {
    unregisterKernel(config.kernelName, config.backendName);
  } catch {
    // not registered yet
  }
  registerKernel(config);
}

// --- flash attention ---
replace(flashAttentionWebGpuConfig);
replace(flashAttentionGradWebGpuConfig);

// --- linear attention ---
replace(linearAttentionWebGpuConfig);
replace(linearAttentionGradWebGpuConfig);

// --- block-sparse attention ---
replace(blockSparseAttentionWebGpuConfig);
replace(blockSparseAttentionGradWebGpuConfig);
