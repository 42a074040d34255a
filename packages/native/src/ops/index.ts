/**
 * Native kernels for the rest of a transformer (issue 10): tfjs's BatchMatMul,
 * _FusedMatMul, Softmax and (for wasm) UnsortedSegmentSum on `cpu`/`wasm`, and
 * the fused ops layerNorm and gelu with their own kernels and gradients.
 */
export { layerNorm } from './layer_norm';
export { gelu } from './gelu';
export { nativeOps, setNativeOps, NATIVE_OP_BACKENDS } from './registry';
export { gptDecodeAvailable, gptDecodeStep } from './decode';
export { NativeAdamOptimizer } from './adam';
export type { GptDecodeDims } from './decode';
export type { NativeOpEntry } from './registry';
export * as nativeKernelNames from './kernel_names';
