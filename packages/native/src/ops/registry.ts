/**
 * Installs the native kernels over tfjs's own for `cpu` and `wasm`, keeping
 * each original kernelFunc (the override delegates to it for what it does not
 * handle: int32, odd broadcasts, other backends) and putting it back when
 * switched off. Kernels tfjs lacks (wasm's UnsortedSegmentSum) and Tessera's
 * fused kernels are simply added. tfjs's registry is global, so this affects
 * every tfjs user in the process: that is the point (models get faster without
 * changes); TESSERA_NATIVE_OPS=0 at load, or setNativeOps(false), turns it off.
 */
import { engine, getGradient, getKernel, GradConfig, KernelConfig, KernelFunc, registerGradient, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import { tileGradConfig } from './Tile_grad';
import { batchMatMulKernel } from './BatchMatMul';
import { fusedMatMulKernel } from './_FusedMatMul';
import { geluGradKernel, geluKernel, layerNormGradKernel, layerNormKernel } from './fused_kernels';
import { TesseraAdam, TesseraGelu, TesseraGeluGrad, TesseraLayerNorm, TesseraLayerNormGrad } from './kernel_names';
import { adamKernel } from './adam';
import { ops } from './raw';
import { softmaxKernel } from './Softmax';
import { sumKernel } from './Sum';
import { identityKernel } from './Identity';
import { tileKernel } from './Tile';
import { unsortedSegmentSumKernel } from './UnsortedSegmentSum';

/** The backends the native kernels serve (their data lives in host memory). */
export const NATIVE_OP_BACKENDS = ['cpu', 'wasm'] as const;

type Make = (original: KernelFunc | null) => KernelFunc;
/** Overrides of tfjs kernels (original required unless tfjs may lack the kernel). */
const OVERRIDES: [string, Make, boolean][] = [
  ['BatchMatMul', batchMatMulKernel as Make, true],
  ['_FusedMatMul', fusedMatMulKernel as Make, true],
  ['Softmax', softmaxKernel as Make, true],
  ['Sum', sumKernel as Make, true],
  ['Tile', tileKernel as Make, true],
  ['Identity', identityKernel as Make, true],
  ['UnsortedSegmentSum', unsortedSegmentSumKernel, false],
];
const FUSED: [string, KernelFunc][] = [
  [TesseraLayerNorm, layerNormKernel],
  [TesseraLayerNormGrad, layerNormGradKernel],
  [TesseraGelu, geluKernel],
  [TesseraGeluGrad, geluGradKernel],
  [TesseraAdam, adamKernel],
];

export interface NativeOpEntry {
  kernelName: string;
  backendName: string;
  /** 'override' (tfjs's kernel kept as fallback), 'added' (tfjs has none), 'fused' (a Tessera kernel). */
  kind: 'override' | 'added' | 'fused';
}

interface Installed extends NativeOpEntry {
  original: KernelConfig | null;
  mine: KernelFunc;
}

let installed: Installed[] = [];
let savedTileGrad: GradConfig | undefined;

/** `require` that bundlers leave alone. */
function nodeRequire(id: string): void {
  const req = typeof require === 'function' ? require : (new Function('return require')() as NodeRequire);
  req(id);
}

/** tfjs backends register their kernels when first imported: do it before reading the originals. */
function loadBackends(): void {
  for (const id of ['@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm']) {
    try {
      nodeRequire(id);
    } catch {
      // not installed: nothing to override for that backend
    }
  }
}

function install(): void {
  loadBackends();
  savedTileGrad = getGradient('Tile') as GradConfig | undefined;
  registerGradient(tileGradConfig);
  for (const backendName of NATIVE_OP_BACKENDS) {
    for (const [kernelName, make, needsOriginal] of OVERRIDES) {
      const cfg = getKernel(kernelName, backendName) as KernelConfig | undefined;  // undefined when tfjs lacks it
      const original: KernelFunc | null = cfg ? cfg.kernelFunc : null;
      if (!original && (needsOriginal || backendName !== 'wasm')) continue;
      const mine = make(original);
      if (original) unregisterKernel(kernelName, backendName);
      // Keep the original's setup (wasm binds its C functions there at backend init), so delegating works.
      registerKernel({ kernelName, backendName, kernelFunc: mine, setupFunc: cfg?.setupFunc, disposeFunc: cfg?.disposeFunc });
      installed.push({ kernelName, backendName, kind: original ? 'override' : 'added', original: cfg ?? null, mine });
    }
    for (const [kernelName, kernelFunc] of FUSED) {
      if ((getKernel(kernelName, backendName) as KernelConfig | undefined) !== undefined) unregisterKernel(kernelName, backendName);
      registerKernel({ kernelName, backendName, kernelFunc });
      installed.push({ kernelName, backendName, kind: 'fused', original: null, mine: kernelFunc });
    }
  }
}

function uninstall(): void {
  if (savedTileGrad) registerGradient(savedTileGrad);
  for (const e of installed) {
    // Leave a kernel someone registered over ours alone.
    if ((getKernel(e.kernelName, e.backendName) as KernelConfig | undefined)?.kernelFunc !== e.mine) continue;
    unregisterKernel(e.kernelName, e.backendName);
    if (e.original) registerKernel(e.original);
  }
  installed = [];
}

/**
 * Turns the native kernels on or off (process-wide). Returns whether they are
 * on afterwards: false when the addon lacks them.
 * @example
 * import { setNativeOps } from '@tessera/native';
 * setNativeOps(false); // tfjs's own kernels again
 */
export function setNativeOps(on: boolean): boolean {
  if (typeof on !== 'boolean') throw new Error(`@tessera/native setNativeOps: on must be a boolean, received ${String(on)}`);
  if (on && installed.length === 0 && ops) install();
  if (!on && installed.length > 0) uninstall();
  return installed.length > 0;
}

/** What the native ops replace or add, per backend, and why they are off when they are. */
export function nativeOps(): { enabled: boolean; reason: string | null; isa: string | null; kernels: NativeOpEntry[] } {
  return {
    enabled: installed.length > 0,
    reason: installed.length > 0 ? null : !ops ? 'the addon is not built (or predates the transformer ops)' : process.env.TESSERA_NATIVE_OPS === '0' ? 'TESSERA_NATIVE_OPS=0' : 'switched off (setNativeOps(false))',
    isa: ops ? ops.opsInfo().isa : null,
    kernels: installed.map(({ kernelName, backendName, kind }) => ({ kernelName, backendName, kind })),
  };
}

/** Whether the native ops are switched on (process-wide). */
export function nativeOpsEnabled(): boolean {
  return installed.length > 0;
}

/** Whether the fused kernels serve the current backend. */
export function fusedKernelsActive(): boolean {
  if (installed.length === 0) return false;
  const name = engine().backendName;
  return (NATIVE_OP_BACKENDS as readonly string[]).includes(name) && (getKernel(TesseraLayerNorm, name) as KernelConfig | undefined) !== undefined;
}

/** Called once at load: on unless TESSERA_NATIVE_OPS=0. */
export function installAtLoad(): void {
  if (typeof process !== 'undefined' && process.env?.TESSERA_NATIVE_OPS === '0') return;
  setNativeOps(true);
}
