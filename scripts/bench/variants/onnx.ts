/**
 * onnxruntime-node variants for `npm run bench -- attention --backend webgpu`
 * (issue 8): `ort-webgpu-mha` is onnxruntime-node's WebGPU execution provider
 * running the fused com.microsoft.MultiHeadAttention (onnx/ort_webgpu.ts),
 * measured beside Tessera's WGSL flash kernel in the same run, on the same
 * q, k, v. Inputs and output live on the host: each timed run is one
 * session.run (upload q, k, v, attention, read the output back), as the
 * issue's reference figures count it. Forward only (ORT has no training here).
 *
 * Skipped, with the reason printed in the row, when onnxruntime-node, its
 * WebGPU EP or a WebGPU adapter is missing. Each row also prints ORT's
 * self-check against its CPU EP (onnx/ort_webgpu.ts), so a fast wrong kernel
 * is visible as such.
 */
import type { BenchInputs, BenchVariant } from '../types';
import { mhaFeeds, runMhaDiscard, toMhaLayout, webGpuMha, type WebGpuMha } from '../onnx/ort_webgpu';
import type { OrtTensor } from '../onnx/ort_attention';

function ortWebGpuMha(): BenchVariant {
  let state: { mha: WebGpuMha; feeds: Record<string, OrtTensor> } | null = null;
  return {
    name: 'ort-webgpu-mha',
    family: 'onnx',
    external: 'onnxruntime-node webgpu EP (host I/O)',
    flops: (x: BenchInputs) => 4 * x.n * x.n * x.D * x.B * x.H,
    // Its GPU path is measured beside Tessera's webgpu kernels; on cpu/wasm runs see variants/native.ts (ORT CPU EP).
    supports: (backend: string) => backend === 'webgpu',
    async prepare(x: BenchInputs): Promise<{ skip?: string; note?: string }> {
      if (x.k.shape[1] !== x.H || x.v.shape[3] !== x.D) return { skip: 'the MHA graph needs Hkv = H and Dv = D' };
      const mha = await webGpuMha(x.H, x.D);
      if (typeof mha === 'string') return { skip: mha };
      // Host copies in the graph's layout, made outside the timing: [B, H, n, D] -> [B, n, H*D].
      const host = (t: BenchInputs['q']) => toMhaLayout(t.dataSync() as Float32Array, x.B, x.H, x.n, x.D);
      state = { mha, feeds: mhaFeeds(mha.ort, host(x.q), host(x.k), host(x.v), x.B, x.n, x.H, x.D) };
      return { note: mha.selfCheck };
    },
    async forward(): Promise<[]> {
      if (!state) throw new Error('ort-webgpu-mha: forward before prepare');
      await runMhaDiscard(state.mha.session, state.feeds);
      return []; // the output was read back to the host by session.run; no tfjs tensor to read or dispose
    },
    async release(): Promise<void> {
      state = null; // the session stays open for the next n (one per process); the host inputs go
    },
  };
}

export const variants: BenchVariant[] = [ortWebGpuMha()];
