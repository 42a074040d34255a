/**
 * Identity for `wasm` without a copy: the output shares the input's data (one
 * more reference), as tfjs's `cpu` Identity and wasm's own Reshape do; tfjs
 * tensors are immutable (a Variable's assign swaps data, never writes it), so
 * sharing is safe. wasm's kernel copies every time: ~300 copies of up to 16 MB
 * per GPT training step (tfjs's autodiff passes gradients through Identity).
 */
import { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

interface RefCounted {
  incRef(dataId: object): void;
  makeOutput?: unknown;
}

export function identityKernel(original: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as unknown as Record<'x', TensorInfo>;
    const b = args.backend as KernelBackend & Partial<RefCounted>;
    // Only the wasm backend copies (cpu already shares); strings keep tfjs's path.
    if (x.dtype === 'string' || typeof b.incRef !== 'function' || typeof b.makeOutput !== 'function') return original(args);
    b.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}
