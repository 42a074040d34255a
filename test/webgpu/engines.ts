/**
 * Engines only matter where a kernel runs through the engine (cpu's direct
 * kernels, the shared host path). On webgpu the block-sparse kernels are WGSL
 * programs that ignore the engine, so their suites run once there.
 */
import * as tf from '@tensorflow/tfjs-core';
import { TesseraBlockSparseAttention } from '../../packages/attention/src/kernel_names';
import { blockSparseAttentionWebGpu } from '../../packages/attention/src/backends/webgpu/kernels/TesseraBlockSparseAttention';
import { describeEachEngine } from '../attention/sparse_helpers';

/** describeEachEngine, or one pass ("webgpu program") where the block-sparse kernel is the WGSL one. */
export function describeSparseEngines(backend: string, fn: (engine: string) => void): void {
  if (tf.getKernel(TesseraBlockSparseAttention, backend)?.kernelFunc === blockSparseAttentionWebGpu) {
    describe('webgpu program', () => fn('webgpu program'));
  } else {
    describeEachEngine(fn);
  }
}
