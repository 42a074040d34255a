/**
 * The shared host path: how a Tessera kernel runs on a backend that has no
 * program of its own for it. Read the inputs as typed arrays, run the fastest
 * implementation present (TypeScript impl or the native engine), write the
 * outputs. The math lives in the `*_impl.ts` functions; this file only moves
 * data, as cheaply as each backend allows:
 *
 *  - `cpu`: inputs are the backend's own arrays (zero-copy); outputs are
 *    allocated here and handed over without a copy.
 *  - `wasm`: outputs are allocated on the wasm heap first, then inputs and
 *    outputs are viewed in place on the heap (zero-copy). No allocation may
 *    happen while the views are alive (heap growth would detach them), which
 *    holds because `compute` receives everything it writes up front.
 *  - anything else (`tensorflow`, `webgpu` without WGSL programs, `webgl`):
 *    `readSync` copies the inputs out and `makeTensorInfo` copies outputs in.
 *
 * If `compute` throws, outputs allocated on the backend are freed before the
 * error propagates, so a failing kernel leaks nothing.
 */
import { DataType, KernelBackend, KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, registerKernel, TensorInfo, util } from '@tensorflow/tfjs-core';
import { uninitializedFloat32 } from './cpu/uninitialized';

/** Typed arrays a host computation sees. */
export type HostArray = Float32Array | Int32Array | Uint8Array;

/** An output a host kernel produces. */
export interface HostOutputSpec {
  shape: number[];
  dtype: DataType;
}

/** Reads inputs, writes outputs (already zero-filled, of the declared sizes, unless `overwrites`). */
export type HostCompute = (inputs: Record<string, HostArray | null>, outputs: HostArray[]) => void;

export interface HostOptions {
  /**
   * `compute` writes every element of every output, so the outputs need no zero fill
   * (on wasm that fill is a whole extra pass over fresh heap memory; on cpu the float32
   * outputs come from cpu/uninitialized.ts, as the flash kernels' do).
   */
  overwrites?: boolean;
}

interface WasmLike {
  makeOutput(shape: number[], dtype: DataType, memoryOffset?: number, values?: HostArray): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): HostArray;
}
interface CpuLike {
  data: { get(dataId: object): { values?: HostArray } };
  makeTensorInfo(shape: number[], dtype: DataType, values?: HostArray): TensorInfo;
}

/** A cpu output: zeroed, or (float32 outputs that `compute` overwrites) without the zero fill. */
function newArray(spec: HostOutputSpec, overwrites: boolean): HostArray {
  const n = util.sizeFromShape(spec.shape);
  if (spec.dtype === 'float32') return overwrites ? uninitializedFloat32(n) : new Float32Array(n);
  if (spec.dtype === 'int32') return new Int32Array(n);
  return new Uint8Array(n);
}

/**
 * Runs `compute` on the host for one kernel invocation and returns the output TensorInfos.
 * @param inputs the kernel's inputs (missing optional inputs are passed as null).
 * @param opts `overwrites`: compute writes every output element (no zero fill).
 */
export function runOnHost(backend: KernelBackend, inputs: NamedTensorInfoMap, outputs: HostOutputSpec[], compute: HostCompute, opts: HostOptions = {}): TensorInfo[] {
  const names = Object.keys(inputs);
  const wasm = backend as unknown as Partial<WasmLike>;
  if (typeof wasm.makeOutput === 'function' && typeof wasm.typedArrayFromHeap === 'function') {
    const outInfos = outputs.map((o) => wasm.makeOutput!(o.shape, o.dtype));
    const ins: Record<string, HostArray | null> = {};
    for (const n of names) ins[n] = inputs[n] ? wasm.typedArrayFromHeap!(inputs[n] as TensorInfo) : null;
    const outs = outInfos.map((t) => wasm.typedArrayFromHeap!(t));
    if (!opts.overwrites) for (const o of outs) o.fill(0);
    try {
      compute(ins, outs);
    } catch (e) {
      // An engine that throws must not strand the outputs already allocated on the wasm heap.
      for (const t of outInfos) backend.disposeData(t.dataId, true);
      throw e;
    }
    return outInfos;
  }
  const cpu = backend as unknown as Partial<CpuLike>;
  const ins: Record<string, HostArray | null> = {};
  for (const n of names) {
    const t = inputs[n];
    if (!t) {
      ins[n] = null;
      continue;
    }
    const own = cpu.data && typeof cpu.data.get === 'function' ? cpu.data.get(t.dataId)?.values : undefined;
    ins[n] = own && ArrayBuffer.isView(own) ? own : (backend.readSync(t.dataId) as HostArray);
  }
  const outs = outputs.map((o) => newArray(o, opts.overwrites === true));
  compute(ins, outs);
  return outs.map((values, i) => (backend as unknown as CpuLike).makeTensorInfo(outputs[i].shape, outputs[i].dtype, values));
}

/** Backends the host path is registered for by default. */
export const HOST_BACKENDS = ['cpu', 'wasm', 'webgpu', 'tensorflow', 'webgl'] as const;

/**
 * Registers `kernelFunc` under `kernelName` for each backend in `backends`
 * (default: all of HOST_BACKENDS). A backend with its own program for the
 * kernel registers it after this and replaces the host path for that backend.
 */
export function registerHostKernel(kernelName: string, kernelFunc: KernelFunc, backends: readonly string[] = HOST_BACKENDS): void {
  for (const backendName of backends) {
    const config: KernelConfig = { kernelName, backendName, kernelFunc };
    registerKernel(config);
  }
}

/** Helper for kernel funcs: typed access to attrs. */
export function attrsOf<T>(attrs: NamedAttrMap | undefined): T {
  return (attrs ?? {}) as unknown as T;
}
