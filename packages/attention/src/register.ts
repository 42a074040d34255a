/**
 * Registers Tessera's kernels and gradients with tfjs. Imported by the
 * package entry point, so `import '@tessera/attention'` is enough:
 *   - backends/shared: host-path kernels for wasm, tensorflow, webgpu, webgl
 *   - backends/cpu: direct cpu kernels
 *   - gradients: one GradConfig per forward kernel name
 * Backends registered later (e.g. a webgpu build with WGSL programs) replace
 * the host path by registering their own kernel under the same name.
 */
import './backends/shared/register_all_kernels';
import './backends/cpu/register_all_kernels';
// --- webgpu (issue 8): WGSL programs, after the shared host path so they replace it on 'webgpu' ---
import './backends/webgpu/register_all_kernels';
import './gradients/register_all_gradients';
