/**
 * onnxruntime-node, the peer a JavaScript user would pick (it runs
 * transformers.js), measured by `npm run bench -- attention` beside Tessera on
 * the same q, k, v (forward only: ORT has no training here):
 *  - ort-mha / ort-matmul-softmax (issue 6), on runs with backend `cpu`: its
 *    CPU execution provider with the fused com.microsoft.MultiHeadAttention
 *    and the plain MatMul/Softmax/MatMul graph (onnx/graphs.ts), as many
 *    intra-op threads as the native engine has. The tfjs backend does not
 *    matter to ORT, so these rows appear once, with the cpu rows.
 *  - ort-webgpu-mha (issue 8): onnxruntime-node's WebGPU execution provider
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
import { cpuSession, graphFeeds, loadOrt, ortLoadError, type OrtSession, type OrtTensor } from '../onnx/ort_attention';
import { engineThreads } from '../native_addon';

/**
 * onnxruntime-node's CPU EP on one graph. `maxN`: the MatMul/Softmax/MatMul
 * graph materialises the [B, H, n, n] scores (8.6 GB at n = 16,384), so it
 * stops at 4,096.
 */
function ortCpu(name: string, graph: 'mha' | 'matmul-softmax', maxN: number): BenchVariant {
  let state: { session: OrtSession; feeds: Record<string, OrtTensor> } | null = null;
  return {
    name,
    family: 'onnx',
    external: `onnxruntime-node cpu EP (${graph === 'mha' ? 'fused MultiHeadAttention' : 'MatMul/Softmax/MatMul'})`,
    flops: (x: BenchInputs) => 4 * x.n * x.n * x.D * x.B * x.H,
    supports: (backend: string, n: number) => backend === 'cpu' && n <= maxN,
    async prepare(x: BenchInputs): Promise<{ skip?: string; note?: string }> {
      if (x.k.shape[1] !== x.H || x.v.shape[3] !== x.D) return { skip: 'the ORT graphs need Hkv = H and Dv = D' };
      const ort = loadOrt();
      if (!ort) return { skip: `onnxruntime-node unavailable: ${ortLoadError()}` };
      const threads = engineThreads();
      const session = await cpuSession(ort, graph, x.H, x.D, threads);
      try {
        // Host copies in each graph's layout, made outside the timing.
        const mha = graph === 'mha';
        const [q, k, v] = [x.q, x.k, x.v].map((t) => (mha ? toMhaLayout(t.dataSync() as Float32Array, x.B, x.H, x.n, x.D) : (t.dataSync() as Float32Array).slice()));
        state = { session, feeds: graphFeeds(ort, graph, q, k, v, mha ? [x.B, x.n, x.H * x.D] : [x.B, x.H, x.n, x.D]) };
      } catch (e) {
        await session.release(); // release() would not see a session that never reached `state`
        throw e;
      }
      return { note: `${threads} intra-op threads` };
    },
    async forward(): Promise<[]> {
      if (!state) throw new Error(`${name}: forward before prepare`);
      const r = await state.session.run(state.feeds);
      for (const t of Object.values(r)) t.dispose?.();
      return []; // the output stays in ORT's host tensor (disposed); no tfjs tensor to read back
    },
    async release(): Promise<void> {
      await state?.session.release();
      state = null;
    },
  };
}

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

export const variants: BenchVariant[] = [ortCpu('ort-mha', 'mha', Infinity), ortCpu('ort-matmul-softmax', 'matmul-softmax', 4096), ortWebGpuMha()];
