/**
 * Every Tessera kernel with a direct `cpu` implementation. Each kernel file
 * registers itself when imported, so adding a kernel is ONE import line in
 * your family's section. (A family whose kernel file registers itself on all
 * host-path backends, cpu included, imports it here once.)
 */
// --- flash attention ---
import './kernels/TesseraFlashAttention';
import './kernels/TesseraFlashAttentionGrad';
// --- block-sparse attention ---
import './kernels/TesseraBlockSparseAttention';
import './kernels/TesseraBlockSparseAttentionGrad';
// --- linear attention ---
import './kernels/TesseraLinearAttention'; // registers on every host-path backend (cpu, wasm, ...)
import './kernels/TesseraLinearAttentionGrad';
import './kernels/TesseraFeatureMap'; // registers on cpu and wasm
import './kernels/TesseraFeatureMapGrad';
