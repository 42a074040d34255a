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
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  if (!nav || !nav.gpu) {
    fail('initBackend', "backend 'webgpu' needs navigator.gpu: in a browser use Chrome or Edge with WebGPU; in Node, load Dawn first (the `webgpu` npm package: `navigator.gpu = create([])`)");
  }
  const r = tryRequire('@tensorflow/tfjs-backend-webgpu');
  if (!r.ok) fail('initBackend', `backend 'webgpu' needs @tensorflow/tfjs-backend-webgpu (npm install @tensorflow/tfjs-backend-webgpu@4.22.0): ${r.error}`);
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
