/**
 * WebGPU for tfjs in Node, through Dawn (the optional `webgpu` npm package).
 *
 * - `loadDawn()` loads `webgpu/dist/<platform>-<arch>/dawn.node` directly (the
 *   package itself is ESM-only, which CommonJS code and jest cannot require),
 *   installs the WebGPU globals (GPUBuffer, GPUBufferUsage, ...) and sets
 *   `navigator.gpu`, exactly what the package's index.js does.
 * - `explainNoAdapter()` says why Dawn found no adapter (no Vulkan driver, or
 *   one Dawn rejects such as Debian 12's Mesa 22.3 lavapipe).
 * - `installSyncReadback()` makes tfjs-webgpu's `dataSync()` work in Node.
 *   tfjs reads synchronously through OffscreenCanvas, which Node lacks. Dawn's
 *   binding completes a buffer mapping when its device tick runs, and it
 *   schedules that tick with `setImmediate` (looked up on every call). Dawn's
 *   ticks are routed through a wrapper that keeps them callable, so a sync read
 *   can run them in place until the staging buffer is mapped. The wrapper also
 *   still schedules each tick normally; each runs at most once.
 */
import { util } from '@tensorflow/tfjs-core';
import { fail } from './checks';

/** The parts of Dawn's module Tessera uses. */
interface DawnModule {
  create(flags: string[]): unknown;
  globals: Record<string, unknown>;
}
type AnyFn = (...args: unknown[]) => unknown;

const STATE = Symbol.for('tessera.webgpu.dawn');
interface DawnState {
  path: string;
  gpu: unknown;
  /** Dawn's pending tick callbacks; one set per process (dawn.node is loaded once even when jest gives each test file a fresh global). */
  pendingTicks: Set<() => void>;
  /** The global object Dawn schedules its ticks on. */
  realm: Record<string, unknown>;
}
const PENDING = Symbol.for('tessera.webgpu.pendingTicks');
/** True while pumpDawnUntil runs (one per process, like the tick set). */
const pumping = ((globalThis as unknown as Record<symbol, { active: boolean }>)[Symbol.for('tessera.webgpu.pumping')] ??= { active: false });

function nodeRequire(id: string): unknown {
  const req = typeof require === 'function' ? require : (new Function('return require')() as NodeRequire);
  return req(id);
}

/** Where the `webgpu` package keeps Dawn's binary for this platform, or an Error saying why not. */
export function dawnBinaryPath(): string {
  const path = nodeRequire('path') as typeof import('path');
  const fs = nodeRequire('fs') as typeof import('fs');
  let pkg: string;
  try {
    const req = (nodeRequire('module') as { createRequire(p: string): NodeRequire }).createRequire(__filename);
    pkg = req.resolve('webgpu/package.json');
  } catch (e) {
    fail('initBackend', `backend 'webgpu' in Node needs the optional 'webgpu' package (Dawn): npm install webgpu@0.6.2 (${(e as Error).message.split('\n')[0]})`);
  }
  const arch = process.platform === 'darwin' ? 'universal' : process.arch;
  const file = path.join(path.dirname(pkg), 'dist', `${process.platform}-${arch}`, 'dawn.node');
  if (!fs.existsSync(file)) fail('initBackend', `the 'webgpu' package has no Dawn binary for ${process.platform}-${arch}: ${file} does not exist`);
  return file;
}

/** The real global object of the realm Dawn was loaded in (under jest, not the test's sandbox). */
function realmGlobal(fromNative: unknown): Record<string, unknown> {
  const F = (fromNative as { constructor: FunctionConstructor }).constructor;
  return F('return globalThis')() as Record<string, unknown>;
}

function isNative(fn: unknown): boolean {
  return typeof fn === 'function' && /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(fn));
}

/**
 * Loads Dawn and sets `navigator.gpu` (idempotent). Returns the binary's path.
 * @example
 * loadDawn(); // then: await initBackend('webgpu')
 */
export function loadDawn(): string {
  const g = globalThis as unknown as Record<symbol, DawnState | undefined> & { navigator?: { gpu?: unknown } };
  const have = g[STATE];
  if (have) {
    setNavigatorGpu(have.gpu);
    return have.path;
  }
  const file = dawnBinaryPath();
  let dawn: DawnModule;
  try {
    dawn = nodeRequire(file) as DawnModule;
  } catch (e) {
    fail('initBackend', `could not load Dawn from ${file}: ${(e as Error).message.split('\n')[0]} (Dawn needs glibc >= 2.31 and libvulkan.so.1: apt-get install libvulkan1)`);
  }
  Object.assign(globalThis, dawn.globals);
  // TESSERA_DAWN_FLAGS: space-separated flags for Dawn's Node binding, e.g.
  // 'enable-dawn-features=disable_robustness' (benchmarking only: it drops the bounds checks
  // Dawn adds to every shader's memory accesses) or 'backend=vulkan'.
  const flags = (typeof process !== 'undefined' ? (process.env.TESSERA_DAWN_FLAGS ?? '') : '').split(/\s+/).filter(Boolean);
  const gpu = dawn.create(flags);
  const realm = realmGlobal(dawn.create);
  const state: DawnState = { path: file, gpu, pendingTicks: routeDawnTicks(realm), realm };
  g[STATE] = state;
  setNavigatorGpu(gpu);
  return file;
}

function setNavigatorGpu(gpu: unknown): void {
  const g = globalThis as unknown as { navigator?: { gpu?: unknown } };
  if (g.navigator === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  } else if (!g.navigator.gpu) {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  }
}

/** Wraps the realm's setImmediate so Dawn's native tick callbacks can also be run in place. */
function routeDawnTicks(realm: Record<string, unknown>): Set<() => void> {
  const have = (realm.setImmediate as Record<symbol, Set<() => void> | undefined>)[PENDING];
  if (have) return have;
  const pending = new Set<() => void>();
  const real = realm.setImmediate as AnyFn;
  const wrapped = function (this: unknown, fn: unknown, ...args: unknown[]): unknown {
    if (args.length === 0 && isNative(fn)) {
      let done = false;
      const once = (): void => {
        if (done) return;
        done = true;
        pending.delete(once);
        (fn as AnyFn)();
      };
      pending.add(once);
      // While a sync read pumps ticks in place, do not also queue them on the
      // blocked event loop (each tick re-queues itself: that would pile up).
      if (pumping.active) return undefined;
      return real.call(this, once);
    }
    return real.call(this, fn, ...args);
  } as AnyFn & Record<symbol, unknown>;
  wrapped[PENDING] = pending;
  realm.setImmediate = wrapped;
  return pending;
}

/**
 * Runs Dawn's device ticks in place until `done()` (sync wait for a mapping). With `naps`
 * (the default) it sleeps between rounds after a short spin; without, it spins throughout
 * (benchmarks: scripts/bench/webgpu_readback.ts compares the two).
 */
export function pumpDawnUntil(done: () => boolean, what: string, timeoutMs = 120000, naps = true): void {
  const state = (globalThis as unknown as Record<symbol, DawnState | undefined>)[STATE];
  if (!state) fail('readSync', 'Dawn is not loaded (call initBackend("webgpu") first)');
  const t0 = Date.now();
  pumping.active = true;
  // Spin briefly (short GPU waits), then sleep between rounds: a busy loop that ran for the
  // seconds lavapipe spends compiling a pipeline made millions of rounds, and their garbage
  // (tick snapshots, Dawn's callbacks) took a jest worker past V8's 4 GB heap limit.
  const nap = new Int32Array(new SharedArrayBuffer(4));
  try {
    for (let round = 0; !done(); round++) {
      for (const tick of Array.from(state.pendingTicks)) tick();
      if (Date.now() - t0 > timeoutMs) fail('readSync', `timed out after ${timeoutMs} ms waiting for ${what}`);
      if (naps && round >= 64) Atomics.wait(nap, 0, 0, round >= 1024 ? 1 : 0.05);
    }
  } finally {
    pumping.active = false;
    // Hand the ticks still pending back to the event loop.
    const setImmediate = state.realm.setImmediate as (f: () => void) => void;
    for (const tick of Array.from(state.pendingTicks)) setImmediate(tick);
  }
}

/** Why no adapter: looks at the Vulkan loader's driver manifests. */
export function explainNoAdapter(): string {
  const fs = nodeRequire('fs') as typeof import('fs');
  const env = process.env.VK_DRIVER_FILES || process.env.VK_ICD_FILENAMES;
  const dirs = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];
  const found = env ? env.split(':') : dirs.flatMap((d) => (fs.existsSync(d) ? fs.readdirSync(d).map((f) => `${d}/${f}`) : []));
  const fix =
    'on a machine without a GPU install Mesa >= 24 lavapipe (Debian 12: .ci/install-webgpu.sh, i.e. ' +
    "apt-get install -t bookworm-backports mesa-vulkan-drivers); on a GPU machine point VK_DRIVER_FILES at the vendor's ICD json " +
    '(e.g. /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json)';
  if (found.length === 0) return `no Vulkan driver found (no ICD json in ${env ? 'VK_DRIVER_FILES' : dirs.join(', ')}): ${fix}`;
  return (
    `Vulkan drivers are present (${found.join(', ')}) but Dawn accepted none: the driver may be too old ` +
    `(Debian 12's Mesa 22.3 lavapipe is rejected: "Vulkan shaderUniform*ArrayDynamicIndexing required") or libvulkan.so.1 is missing; ${fix}`
  );
}

interface GpuBufferLike {
  size: number;
  mapState: string;
  mapAsync(mode: number): Promise<void>;
  getMappedRange(): ArrayBuffer;
  unmap(): void;
}
interface WebGpuBackendLike {
  tensorMap: { get(dataId: object): { values: unknown; dtype: string; resource: unknown } };
  bufferManager: { acquireBuffer(size: number, usage: number): GpuBufferLike; releaseBuffer(b: GpuBufferLike): void };
  commandEncoder: { copyBufferToBuffer(a: unknown, ao: number, b: unknown, bo: number, n: number): void };
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  convertAndCacheOnCPU(dataId: object, data: unknown): unknown;
}

/** Records and submits the copy of `src` into `staging` (a MAP_READ | COPY_DST buffer of at least src.size bytes), closing any open compute pass. */
export function submitStagingCopy(backend: Pick<WebGpuBackendLike, 'ensureCommandEncoderReady' | 'endComputePassEncoder' | 'commandEncoder' | 'submitQueue'>, src: { size: number }, staging: unknown): void {
  backend.ensureCommandEncoderReady();
  backend.endComputePassEncoder();
  backend.commandEncoder.copyBufferToBuffer(src, 0, staging, 0, src.size);
  backend.submitQueue();
}

/**
 * Replaces tfjs-webgpu's OffscreenCanvas readback with a Dawn one when there is
 * no OffscreenCanvas (Node). Same result as `await t.data()`, synchronously.
 */
export function installSyncReadback(backendClass: { prototype: object }): void {
  if (typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas !== 'undefined') return;
  const proto = backendClass.prototype as Record<string | symbol, unknown>;
  const mark = Symbol.for('tessera.webgpu.readSync');
  if (proto[mark]) return;
  const original = proto.readSync as (this: WebGpuBackendLike, dataId: object) => unknown;
  const usage = (globalThis as unknown as { GPUBufferUsage: { MAP_READ: number; COPY_DST: number } }).GPUBufferUsage;
  const mapRead = (globalThis as unknown as { GPUMapMode: { READ: number } }).GPUMapMode.READ;
  proto.readSync = function (this: WebGpuBackendLike, dataId: object): unknown {
    const td = this.tensorMap.get(dataId);
    if (td.values != null || td.dtype === 'string' || td.dtype === 'complex64' || !td.resource) return original.call(this, dataId);
    const src = td.resource as GpuBufferLike;
    const staging = this.bufferManager.acquireBuffer(src.size, usage.MAP_READ | usage.COPY_DST);
    submitStagingCopy(this, src, staging);
    let error: unknown = null;
    staging.mapAsync(mapRead).catch((e) => (error = e));
    pumpDawnUntil(() => staging.mapState === 'mapped' || error !== null, 'a WebGPU buffer mapping');
    if (error !== null) fail('readSync', `mapping the WebGPU staging buffer failed: ${(error as Error).message}`);
    const bytes = staging.getMappedRange().slice(0);
    staging.unmap();
    this.bufferManager.releaseBuffer(staging);
    const vals = util.convertBackendValuesAndArrayBuffer(bytes, td.dtype as 'float32');
    return this.convertAndCacheOnCPU(dataId, vals);
  };
  proto[mark] = true;
}
