/**
 * Every host-path kernel for the backends without programs of their own
 * (wasm, tensorflow, webgpu, webgl). Each kernel file registers itself when
 * imported, so adding a kernel is ONE import line in your family's section.
 */
// --- flash attention ---
import './kernels/TesseraFlashAttention';
import './kernels/TesseraFlashAttentionGrad';
// --- block-sparse attention ---
// --- linear attention ---
