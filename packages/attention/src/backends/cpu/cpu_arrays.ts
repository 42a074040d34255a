/**
 * Direct access to the `cpu` backend's storage: a tensor's values are a typed
 * array held by the backend (no copy), and outputs are handed over the same
 * way. The flash kernels on cpu use this instead of the generic host path.
 */
import type { DataType, KernelBackend, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { HostArray } from '../host_path';

interface CpuBackendLike {
  data: { get(dataId: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: DataType, values?: HostArray): TensorInfo;
  readSync(dataId: object): unknown;
}

/** The backend's own typed arrays for each input (null for a missing one). */
export function cpuInputs(backend: KernelBackend, inputs: NamedTensorInfoMap): Record<string, HostArray | null> {
  const cpu = backend as unknown as CpuBackendLike;
  const out: Record<string, HostArray | null> = {};
  for (const [name, t] of Object.entries(inputs)) {
    if (!t) {
      out[name] = null;
      continue;
    }
    const values = cpu.data.get(t.dataId).values;
    // Values are always materialised on cpu; readSync is the documented fallback.
    out[name] = (ArrayBuffer.isView(values) ? values : cpu.readSync(t.dataId)) as HostArray;
  }
  return out;
}

/** Wraps a float32 array as a cpu tensor without copying. */
export function cpuOutput(backend: KernelBackend, shape: number[], values: Float32Array): TensorInfo {
  return (backend as unknown as CpuBackendLike).makeTensorInfo(shape, 'float32', values);
}
