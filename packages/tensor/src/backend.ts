/**
 * Backend setup. `initBackend()` picks and initialises a tfjs backend and
 * reports what it chose and why:
 *
 *  1. an explicit name argument, else
 *  2. the `TESSERA_BACKEND` environment variable, else
 *  3. `tensorflow` when `@tensorflow/tfjs-node` (or `-gpu`) is installed, else
 *  4. `wasm` (in Node its matMul runs ~30x faster than `cpu`; the .wasm files
 *     are resolved from node_modules, so no network is ever needed).
 *
 * tfjs-node is an optional peer: it is tried, never required.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs';
import { fail } from './checks';
import { formatValue } from './format';
import { explainNoAdapter, installSyncReadback, loadDawn } from './webgpu_node';

/** Backends Tessera knows how to initialise. */
export const BACKEND_NAMES = ['cpu', 'wasm', 'webgpu', 'tensorflow'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** What `initBackend` chose and why. */
export interface BackendInfo {
  /** The active tfjs backend after the call. */
  name: BackendName;
  /** Where the choice came from. */
  source: 'argument' | 'TESSERA_BACKEND' | 'default';
  /** One human-readable line, e.g. "wasm (default: @tensorflow/tfjs-node is not installed)". */
  reason: string;
  /** Backends registered with tfjs after the call. */
  registered: string[];
}

const isNode = typeof process !== 'undefined' && process.versions != null && process.versions.node != null;

/** `require` that bundlers leave alone and that fails softly outside Node. */
function nodeRequire(id: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const req = typeof require === 'function' ? require : (new Function('return require')() as NodeRequire);
  return req(id);
}

function tryRequire(id: string): { ok: true; mod: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, mod: nodeRequire(id) };
  } catch (e) {
    return { ok: false, error: (e as Error).message.split('\n')[0] };
  }
}

async function initWasm(): Promise<void> {
  const r = tryRequire('@tensorflow/tfjs-backend-wasm');
  if (!r.ok) fail('initBackend', `backend 'wasm' needs @tensorflow/tfjs-backend-wasm (npm install @tensorflow/tfjs-backend-wasm@4.22.0): ${r.error}`);
  const wasm = r.mod as typeof import('@tensorflow/tfjs-backend-wasm');
  if (isNode) {
    // Point the loader at the .wasm binaries inside node_modules: no fetch, no network.
    const path = nodeRequire('path') as typeof import('path');
    const main = (nodeRequire('module') as { createRequire(p: string): NodeRequire }).createRequire(__filename).resolve('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(path.dirname(main) + path.sep);
  }
}

async function initWebGpu(): Promise<void> {
  const g = globalThis as { navigator?: { gpu?: GpuLike } };
  if (isNode && !(g.navigator && g.navigator.gpu)) loadDawn();
  if (!g.navigator || !g.navigator.gpu) {
    fail('initBackend', "backend 'webgpu' needs navigator.gpu: use a browser with WebGPU (Chrome, Edge, Safari 26+, Firefox 141+ on Windows)");
  }
  const r = tryRequire('@tensorflow/tfjs-backend-webgpu');
  if (!r.ok) fail('initBackend', `backend 'webgpu' needs @tensorflow/tfjs-backend-webgpu (npm install @tensorflow/tfjs-backend-webgpu@4.22.0): ${r.error}`);
  const mod = r.mod as { WebGPUBackend: new (device: unknown, info: unknown) => tf.KernelBackend };
  if (isNode) installSyncReadback(mod.WebGPUBackend);
  await registerWebGpuFactory(g.navigator.gpu, mod.WebGPUBackend);
}

interface GpuAdapterLike {
  features: { has(f: string): boolean };
  limits: Record<string, number>;
  info?: unknown;
  requestDevice(d: object): Promise<{ addEventListener?(t: string, f: (e: { error?: { message?: string } }) => void): void }>;
}
interface GpuLike {
  requestAdapter(o?: object): Promise<GpuAdapterLike | null>;
}
const FACTORY_MARK = Symbol.for('tessera.webgpu.factory');

/**
 * Registers tfjs's 'webgpu' backend with a device Tessera requested itself:
 * same features and limits as tfjs-backend-webgpu asks for, plus `subgroups`
 * when the adapter has it (Tessera's WGSL uses it then). A missing adapter is
 * reported here, with the reason, instead of as a TypeError inside tfjs.
 */
async function registerWebGpuFactory(gpu: GpuLike, Backend: new (device: unknown, info: unknown) => tf.KernelBackend): Promise<void> {
  const engine = tf.engine() as unknown as { registry: Record<string, unknown>; registryFactory: Record<string, { factory: Record<symbol, unknown> }> };
  if (engine.registry.webgpu || engine.registryFactory.webgpu?.factory[FACTORY_MARK]) return;
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) fail('initBackend', `backend 'webgpu': no WebGPU adapter. ${isNode ? explainNoAdapter() : 'The browser exposes navigator.gpu but offers no adapter (blocklisted GPU or WebGPU disabled).'}`);
  const features = ['timestamp-query', 'bgra8unorm-storage', 'subgroups'].filter((f) => adapter.features.has(f));
  const names = ['maxComputeWorkgroupStorageSize', 'maxComputeWorkgroupsPerDimension', 'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupSizeX', 'maxComputeInvocationsPerWorkgroup'];
  const requiredLimits: Record<string, number> = {};
  for (const n of names) requiredLimits[n] = adapter.limits[n];
  const factory = async (): Promise<tf.KernelBackend> => {
    const device = await adapter.requestDevice({ requiredFeatures: features, requiredLimits });
    // tfjs does not listen for validation errors; without this they vanish and outputs read as zeros.
    device.addEventListener?.('uncapturederror', (e) => console.error(`WebGPU error: ${e.error?.message ?? String(e)}`));
    return new Backend(device, adapter.info);
  };
  (factory as unknown as Record<symbol, unknown>)[FACTORY_MARK] = true;
  if (engine.registryFactory.webgpu) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', factory, 3);
}

function initTensorflow(): string | null {
  for (const id of ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']) {
    const r = tryRequire(id);
    if (r.ok) return id;
  }
  return null;
}

/**
 * Initialises a backend and makes it the active one.
 *
 * @param name `'cpu' | 'wasm' | 'webgpu' | 'tensorflow'`; default: `TESSERA_BACKEND`, else
 *   `tensorflow` if tfjs-node is installed, else `wasm`.
 * @returns what was chosen and why.
 * @example
 * const info = await initBackend();          // { name: 'wasm', reason: 'wasm (default: ...)' }
 * await initBackend('cpu');                   // force the pure-JS backend
 * // TESSERA_BACKEND=cpu node app.js          // or choose from outside
 */
export async function initBackend(name?: string): Promise<BackendInfo> {
  let requested: string | undefined = name;
  let source: BackendInfo['source'] = 'argument';
  if (requested === undefined) {
    const env = isNode ? process.env.TESSERA_BACKEND : undefined;
    if (env !== undefined && env !== '') {
      requested = env;
      source = 'TESSERA_BACKEND';
    } else {
      source = 'default';
    }
  }
  if (requested !== undefined && !(BACKEND_NAMES as readonly string[]).includes(requested)) {
    const label = source === 'TESSERA_BACKEND' ? 'TESSERA_BACKEND' : 'name';
    fail('initBackend', `${label} must be one of ${BACKEND_NAMES.map((b) => `'${b}'`).join(', ')}, received ${formatValue(requested)}`);
  }

  let chosen: BackendName;
  let why: string;
  if (requested === undefined) {
    const tfNode = isNode ? initTensorflow() : null;
    if (tfNode) {
      chosen = 'tensorflow';
      why = `default: ${tfNode} is installed`;
    } else {
      await initWasm();
      chosen = 'wasm';
      why = 'default: @tensorflow/tfjs-node is not installed';
    }
  } else {
    chosen = requested as BackendName;
    why = source === 'argument' ? 'requested by argument' : 'requested by TESSERA_BACKEND';
    if (chosen === 'wasm') await initWasm();
    if (chosen === 'webgpu') await initWebGpu();
    if (chosen === 'tensorflow' && !initTensorflow()) {
      fail('initBackend', "backend 'tensorflow' needs @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu, and neither could be loaded (their installer downloads libtensorflow, which needs network access to storage.googleapis.com)");
    }
  }
  const ok = await tf.setBackend(chosen);
  if (!ok) fail('initBackend', `tfjs could not initialise backend '${chosen}' (${why})`);
  await tf.ready();
  return { name: chosen, source, reason: `${chosen} (${why})`, registered: Object.keys(tf.engine().registryFactory) };
}

export { loadDawn, dawnBinaryPath } from './webgpu_node';
