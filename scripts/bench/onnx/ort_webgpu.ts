/**
 * onnxruntime-node's WebGPU execution provider (Dawn, linked into its
 * libonnxruntime.so; experimental in 1.30, bundled for linux-x64, win32 and
 * macOS, not linux-arm64) running the fused com.microsoft.MultiHeadAttention
 * graph (graphs.ts) the way a JavaScript user runs it: inputs and output on
 * the host, so every session.run uploads query/key/value, runs the kernel and
 * reads the output back (the reference figures count these transfers).
 *
 * The session is created with `session.disable_cpu_ep_fallback`: if the EP did
 * not take the MultiHeadAttention node, creation fails instead of silently
 * timing ORT's CPU kernel. A one-time self-check compares its output with the
 * CPU EP's on the same graph and inputs at n = 256 (past n = 32, where the EP
 * switches to its FlashAttention program), and every benchmark row shows it:
 * on lavapipe (Mesa 25.0, 256-bit llvmpipe) n <= 31 matches the CPU EP and
 * Tessera's flash to 1e-7, while the FlashAttention program is off by up to
 * 8e-3 at n = 32 and 1.3e-3 at n = 256 (outputs ~0.05), so a fast wrong result
 * is reported, not hidden.
 *
 * Standalone (checks the graph on WebGPU against Tessera's flash on tfjs-webgpu
 * and against ORT's CPU EP, max abs diff):
 *   npx ts-node --transpile-only scripts/bench/onnx/ort_webgpu.ts [n,...]
 */
import { fusedMha } from './graphs';
import { graphFeeds, loadOrt, ortLoadError, type Ort, type OrtSession, type OrtTensor } from './ort_attention';

/** Largest |webgpu - cpu| the self-check accepts (both float32; outputs are ~0.05 at n = 256; a correct kernel is ~1e-7 off). */
export const SELF_CHECK_TOLERANCE = 1e-4;
/** Sequence length of the self-check. */
export const SELF_CHECK_N = 256;

/** [B, H, n, D] (Tessera's layout) -> [B, n, H*D] (the MHA graph's: a position's heads side by side). */
export function toMhaLayout(x: Float32Array, B: number, H: number, n: number, D: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < n; i++) {
        const src = ((b * H + h) * n + i) * D; // x[b, h, i, :]
        out.set(x.subarray(src, src + D), (b * n + i) * H * D + h * D); // out[b, i, h*D : (h+1)*D]
      }
  return out;
}

/** [B, n, H*D] -> [B, H, n, D], the inverse of toMhaLayout. */
export function fromMhaLayout(x: Float32Array, B: number, H: number, n: number, D: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < n; i++)
      for (let h = 0; h < H; h++) {
        const src = (b * n + i) * H * D + h * D; // x[b, i, h*D : (h+1)*D]
        out.set(x.subarray(src, src + D), ((b * H + h) * n + i) * D); // out[b, h, i, :]
      }
  return out;
}

/** Host feeds of the MHA graph: query/key/value [B, n, H*D]. */
export function mhaFeeds(ort: Ort, q: Float32Array, k: Float32Array, v: Float32Array, B: number, n: number, H: number, D: number): Record<string, OrtTensor> {
  return graphFeeds(ort, 'mha', q, k, v, [B, n, H * D]);
}

/** One forward pass; returns the output [B, n, H*D] on the host (a copy: ORT's tensor is disposed). */
export async function runMha(session: OrtSession, feeds: Record<string, OrtTensor>): Promise<Float32Array> {
  const r = await session.run(feeds);
  const out = r.output;
  const data = Float32Array.from(out.data as Float32Array);
  out.dispose?.();
  return data;
}

/** Like runMha, without copying the output out of ORT's tensor (what the benchmark times). */
export async function runMhaDiscard(session: OrtSession, feeds: Record<string, OrtTensor>): Promise<void> {
  const r = await session.run(feeds);
  r.output.dispose?.();
}

function createSession(ort: Ort, H: number, D: number, ep: 'webgpu' | 'cpu'): Promise<OrtSession> {
  return ort.InferenceSession.create(fusedMha(H, D), {
    executionProviders: [ep],
    graphOptimizationLevel: 'all',
    // Fail instead of running any node on the CPU EP behind the WebGPU EP's back.
    extra: ep === 'webgpu' ? { session: { disable_cpu_ep_fallback: '1' } } : {},
  });
}

/** ORT's errors carry a source path and a lambda signature first; keep the sentence after them. */
function shortError(e: unknown): string {
  const m = (e as Error).message ?? String(e);
  const tail = m.split(/ was false\. |\] /).pop() ?? m;
  return tail.split('\n')[0].trim().slice(0, 160);
}

export function randomHost(len: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(len);
  for (let i = 0; i < len; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; // xorshift32
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

/** max |a - b| over two equally long arrays. */
export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: lengths differ (${a.length} vs ${b.length})`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** max |WebGPU EP - CPU EP| of the MHA graph at [1, n, H*D] on fixed random inputs. */
export async function diffAgainstCpuEp(ort: Ort, gpu: OrtSession, H: number, D: number, n: number): Promise<number> {
  const [q, k, v] = [1, 2, 3].map((seed) => randomHost(n * H * D, seed));
  const cpu = await createSession(ort, H, D, 'cpu');
  try {
    return maxAbsDiff(await runMha(gpu, mhaFeeds(ort, q, k, v, 1, n, H, D)), await runMha(cpu, mhaFeeds(ort, q, k, v, 1, n, H, D)));
  } finally {
    await cpu.release();
  }
}

export interface WebGpuMha {
  ort: Ort;
  session: OrtSession;
  /** max |WebGPU EP - CPU EP| of the self-check at n = SELF_CHECK_N. */
  selfCheckDiff: number;
  /** One line for the benchmark row: the self-check's result, flagged when over SELF_CHECK_TOLERANCE. */
  selfCheck: string;
}

const sessions = new Map<string, Promise<WebGpuMha | string>>();

/**
 * The WebGPU-EP session of the MHA graph for H heads of size D (created and
 * self-checked once per process), or the reason it cannot run here: package
 * missing, no WebGPU EP in this binary, no adapter, or node not taken by the EP.
 */
export function webGpuMha(H: number, D: number): Promise<WebGpuMha | string> {
  const key = `${H}x${D}`;
  let s = sessions.get(key);
  if (!s) {
    s = openWebGpuMha(H, D);
    sessions.set(key, s);
  }
  return s;
}

async function openWebGpuMha(H: number, D: number): Promise<WebGpuMha | string> {
  const ort = loadOrt();
  if (!ort) return `onnxruntime-node is not available (${ortLoadError()})`;
  const version = ort.env?.versions?.node ?? '?';
  const eps = ort.listSupportedBackends?.();
  if (eps && !eps.some((b) => b.name === 'webgpu' && b.bundled)) {
    return `onnxruntime-node ${version} has no bundled WebGPU EP on ${process.platform}-${process.arch} (it lists: ${eps.map((b) => b.name).join(', ')})`;
  }
  let session: OrtSession;
  try {
    session = await createSession(ort, H, D, 'webgpu');
  } catch (e) {
    return `onnxruntime-node ${version} WebGPU EP unavailable: ${shortError(e)}`;
  }
  const selfCheckDiff = await diffAgainstCpuEp(ort, session, H, D, SELF_CHECK_N);
  const d = selfCheckDiff.toExponential(1);
  const selfCheck = selfCheckDiff <= SELF_CHECK_TOLERANCE ? `matches ORT CPU EP (max diff ${d} at n=${SELF_CHECK_N})` : `WRONG OUTPUT: max diff ${d} vs ORT CPU EP at n=${SELF_CHECK_N} (> ${SELF_CHECK_TOLERANCE})`;
  return { ort, session, selfCheckDiff, selfCheck };
}

/** Standalone check against Tessera's flash on tfjs-webgpu (the same inputs) and ORT's CPU EP. */
async function main(): Promise<void> {
  const tf = await import('@tensorflow/tfjs-core');
  const { initBackend } = await import('@tessera/tensor');
  const { flashAttention } = await import('@tessera/attention');
  const [B, H, D] = [1, 8, 64];
  await initBackend('webgpu');
  const mha = await webGpuMha(H, D);
  if (typeof mha === 'string') throw new Error(mha);
  console.log(`ORT WebGPU EP self-check: ${mha.selfCheck}`);
  for (const n of (process.argv[2] ?? '16,256,1024').split(',').map(Number)) {
    const [q, k, v] = [1, 2, 3].map((seed) => randomHost(B * H * n * D, seed)); // [B, H, n, D]
    const flash = tf.tidy(() => flashAttention(tf.tensor4d(q, [B, H, n, D]), tf.tensor4d(k, [B, H, n, D]), tf.tensor4d(v, [B, H, n, D])));
    const flashOut = flash.dataSync() as Float32Array; // [B, H, n, D]
    flash.dispose();
    const feeds = mhaFeeds(mha.ort, ...([q, k, v].map((x) => toMhaLayout(x, B, H, n, D)) as [Float32Array, Float32Array, Float32Array]), B, n, H, D);
    const ortOut = fromMhaLayout(await runMha(mha.session, feeds), B, H, n, D); // [B, H, n, D]
    console.log(`n=${n}: max |ORT WebGPU MHA - Tessera flash (webgpu)| = ${maxAbsDiff(ortOut, flashOut).toExponential(2)}; vs ORT CPU EP ${(await diffAgainstCpuEp(mha.ort, mha.session, H, D, n)).toExponential(2)}`);
  }
  await mha.session.release();
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (e) => {
      console.error((e as Error).message);
      process.exit(1);
    },
  );
}
