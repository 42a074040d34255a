/**
 * onnxruntime-node, the peer a JavaScript user would pick (it runs
 * transformers.js), on the same attention shapes: the fused
 * com.microsoft.MultiHeadAttention and the plain MatMul/Softmax/MatMul graph
 * (graphs.ts), intra-op threads = the native engine's threads. Inference only.
 * Optional: onnxruntime-node is a benchmark devDependency (its install script
 * downloads GPU binaries; skip it with ONNXRUNTIME_NODE_INSTALL=skip or
 * `onnxruntime-node-install=skip` in .npmrc; the CPU binary ships in the package).
 */
import { fusedMha, matmulSoftmax } from './graphs';
import { warmUp } from '../warm_up';

export interface OrtTensor {
  /** Host data of a tensor whose location is 'cpu' (what session.run returns by default). */
  readonly data?: unknown;
  readonly dims?: readonly number[];
  dispose?(): void;
}
export interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
export interface Ort {
  InferenceSession: { create(model: Uint8Array, opts: object): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => OrtTensor;
  /** The execution providers this binary knows; `bundled` ones need no extra download (onnxruntime-node >= 1.20). */
  listSupportedBackends?(): Array<{ name: string; bundled: boolean }>;
  env?: { versions?: Record<string, string> };
}

let loadError: string | null = null;

/** onnxruntime-node, or null when it is not installed or its binding does not load (see ortLoadError). */
export function loadOrt(): Ort | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return require('onnxruntime-node') as Ort;
  } catch (e) {
    loadError = (e as Error).message.split('\n')[0];
    return null;
  }
}

/** Why the last loadOrt() returned null (e.g. "Cannot find module 'onnxruntime-node'"), else null. */
export function ortLoadError(): string | null {
  return loadError;
}

export interface OrtTiming {
  graph: 'mha' | 'matmul-softmax';
  seconds: number;
}

/** A CPU EP session of `graph` for H heads of size D with `threads` intra-op threads (what every ORT CPU figure uses). */
export function cpuSession(ort: Ort, graph: OrtTiming['graph'], H: number, D: number, threads: number): Promise<OrtSession> {
  return ort.InferenceSession.create(graph === 'mha' ? fusedMha(H, D) : matmulSoftmax(D), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionProviders: ['cpu'],
  });
}

/** Host feeds of `graph`: q, k, v already in its layout, `dims` [B, n, H*D] for 'mha', [B, H, n, D] for 'matmul-softmax'. */
export function graphFeeds(ort: Ort, graph: OrtTiming['graph'], q: Float32Array, k: Float32Array, v: Float32Array, dims: number[]): Record<string, OrtTensor> {
  const names = graph === 'mha' ? ['query', 'key', 'value'] : ['q', 'k', 'v'];
  return Object.fromEntries([q, k, v].map((x, i) => [names[i], new ort.Tensor('float32', x, dims)]));
}

/** Median seconds of one forward pass of `graph` at B=1 (after warmUp, as for Tessera's figures). */
export async function timeOrt(ort: Ort, graph: OrtTiming['graph'], n: number, H: number, D: number, threads: number, reps: number): Promise<number> {
  const session = await cpuSession(ort, graph, H, D, threads);
  const data = () => Float32Array.from({ length: H * n * D }, () => Math.random() - 0.5);
  const feeds = graphFeeds(ort, graph, data(), data(), data(), graph === 'mha' ? [1, n, H * D] : [1, H, n, D]);
  await warmUp(() => session.run(feeds));
  const ts: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    ts.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  await session.release();
  return ts.sort((a, b) => a - b)[Math.floor(ts.length / 2)];
}
