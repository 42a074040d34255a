/**
 * Moving data between a tfjs backend and the native ops without copies:
 *  - `cpu`: inputs are the backend's own typed arrays; outputs are allocated
 *    here and handed to the backend (makeTensorInfo keeps the array).
 *  - `wasm`: outputs are allocated on the wasm heap first (allocation may grow
 *    the heap and detach earlier views), then inputs and outputs are viewed in
 *    place. The native code runs synchronously, so the views stay valid.
 */
import { DataType, KernelBackend, TensorInfo, util } from '@tensorflow/tfjs-core';

export type HostArray = Float32Array | Int32Array | Uint8Array;

interface WasmLike {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): HostArray;
}
interface CpuLike {
  data: { get(dataId: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: DataType, values?: HostArray): TensorInfo;
}

function isWasm(b: KernelBackend): boolean {
  const w = b as unknown as Partial<WasmLike>;
  return typeof w.makeOutput === 'function' && typeof w.typedArrayFromHeap === 'function';
}

/** Whether `backend` is one the host path serves (wasm or cpu). */
export function hostBackend(backend: KernelBackend): boolean {
  return isWasm(backend) || typeof (backend as unknown as Partial<CpuLike>).makeTensorInfo === 'function';
}

function newArray(shape: number[], dtype: DataType): HostArray {
  const n = util.sizeFromShape(shape);
  return dtype === 'int32' ? new Int32Array(n) : dtype === 'bool' ? new Uint8Array(n) : new Float32Array(n);
}

/**
 * Runs `compute(ins, outs)` on views of `inputs` (null entries stay null) and of
 * freshly allocated outputs of the given shapes/dtypes; returns the outputs.
 */
export function runHost(backend: KernelBackend, inputs: (TensorInfo | null)[], outputs: [number[], DataType][], compute: (ins: (HostArray | null)[], outs: HostArray[]) => void): TensorInfo[] {
  if (isWasm(backend)) {
    const w = backend as unknown as WasmLike;
    const infos = outputs.map(([s, d]) => w.makeOutput(s, d));
    const ins = inputs.map((t) => (t ? w.typedArrayFromHeap(t) : null));
    compute(ins, infos.map((t) => w.typedArrayFromHeap(t)));
    return infos;
  }
  const c = backend as unknown as CpuLike;
  const ins = inputs.map((t) => {
    if (!t) return null;
    const own = c.data.get(t.dataId)?.values;
    return ArrayBuffer.isView(own) ? (own as HostArray) : (backend.readSync(t.dataId) as HostArray);
  });
  const outs = outputs.map(([s, d]) => newArray(s, d));
  compute(ins, outs);
  return outs.map((v, i) => c.makeTensorInfo(outputs[i][0], outputs[i][1], v));
}
