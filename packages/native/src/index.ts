/**
 * @tessera/native: Tessera's C++ engine for the attention kernels in Node.
 * FlashAttention-2 forward (with log-sum-exp) and backward (Dao 2023,
 * "FlashAttention-2: Faster Attention with Better Parallelism and Work
 * Partitioning") on float32 typed arrays passed without copying, with SIMD
 * micro-kernels (AVX-512, AVX2+FMA or portable, picked at run time) and a
 * persistent thread pool (TESSERA_NUM_THREADS, default: the CPUs available).
 *
 * @tessera/attention installs this engine automatically when it loads
 * (TESSERA_ENGINE=ts keeps the TypeScript engine); use this package directly
 * only for its diagnostics or to call the kernels on raw arrays.
 *
 * @example
 * import * as native from '@tessera/native';
 * if (native.available()) {
 *   console.log(native.info());            // { isa: 'avx512', vectorWidth: 16, threads: 2 }
 *   console.log(native.gemmCeiling());     // GFLOP/s of a 1024^3 float32 GEMM
 * }
 * @packageDocumentation
 */
import { binding, loadError as err } from './binding';
import { fail } from './checks';
import { need } from './flash';

export { flashForward, flashBackward } from './flash';
export { blockSparseForward, blockSparseBackward } from './block_sparse';
export { linearForward, linearBackward } from './linear';
export type { LinearDims, LinearForwardArgs, LinearBackwardArgs } from './linear';
export { featureMap, featureMapGrad } from './feature_map';
export type { FeatureMapName, FeatureMapArgs, FeatureMapGradArgs } from './feature_map';
export type { BlockSparseLayout, BlockSparseForwardArgs, BlockSparseBackwardArgs } from './block_sparse';
export type { FlashBackwardArgs, FlashDims, FlashForwardArgs, FlashParams, KeyMaskArray, SegmentIdArray } from './flash_args';
export { plainParams } from './flash_args';

/** Whether the compiled addon loaded. */
export function available(): boolean {
  return binding !== null;
}

/** Why the addon did not load (null when it did). */
export function loadError(): string | null {
  return err;
}

/** Instruction set in use, SIMD lanes, and pool threads. */
export function info(): { isa: string; vectorWidth: number; threads: number } {
  return need('info').info();
}

/**
 * Replaces the thread pool by one of `n` threads (the calling thread counts as one).
 * Results do not depend on it (each output element has a fixed reduction order).
 */
export function setNumThreads(n: number): void {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 1024) fail('setNumThreads', `n must be an integer in [1, 1024], received ${String(n)}`);
  need('setNumThreads').setNumThreads(n);
}

/** The instruction-set variants of the kernels, best first. */
export const ISAS = ['avx512', 'avx2', 'generic'] as const;

/**
 * Switches the kernels to another instruction-set variant (for tests and
 * benchmarks; the best one the CPU supports is picked at load, and
 * TESSERA_ISA overrides it). Returns false when this CPU lacks `isa`.
 */
export function setIsa(isa: (typeof ISAS)[number]): boolean {
  if (!(ISAS as readonly string[]).includes(isa)) fail('setIsa', `isa must be one of ${ISAS.join(', ')}, received ${String(isa)}`);
  return need('setIsa').setIsa(isa);
}

/**
 * GFLOP/s of an n x n x n float32 GEMM with the engine's own micro-kernel on
 * all pool threads (best of `reps`): the ceiling the benchmark reports ratios to.
 */
export function gemmCeiling(n = 1024, reps = 5): number {
  if (!Number.isInteger(n) || n < 16 || n > 8192) fail('gemmCeiling', `n must be an integer in [16, 8192], received ${String(n)}`);
  if (!Number.isInteger(reps) || reps < 1 || reps > 1000) fail('gemmCeiling', `reps must be an integer in [1, 1000], received ${String(reps)}`);
  return need('gemmCeiling').gemmCeiling(n, reps);
}


// --- transformer ops (issue 10): native tfjs kernels for cpu/wasm and fused ops (src/ops) ---
export { layerNorm, gelu, nativeOps, setNativeOps, NATIVE_OP_BACKENDS, nativeKernelNames, gptDecodeAvailable, gptDecodeStep, NativeAdamOptimizer } from './ops';
export type { NativeOpEntry, GptDecodeDims } from './ops';
import { installAtLoad } from './ops/registry';
installAtLoad();
// --- end transformer ops ---
