/**
 * TesseraFlashAttention on `cpu`: the engine reads the backend's own arrays
 * and writes fresh Float32Arrays that become the outputs, no copies.
 */
import { KernelBackend, KernelConfig, KernelFunc, registerKernel, TensorInfo } from '@tensorflow/tfjs-core';
import { getEngine } from '../../../engine';
import { TesseraFlashAttention, TesseraFlashAttentionAttrs } from '../../../kernel_names';
import { attrsOf } from '../../host_path';
import { flashDims, forwardArgs } from '../../shared/flash_args';
import { cpuInputs, cpuOutput } from '../cpu_arrays';
import { uninitializedFloat32 } from '../uninitialized';

export const flashAttentionCpuKernel: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as KernelBackend;
  const { q, k, v } = inputs as { q: TensorInfo; k: TensorInfo; v: TensorInfo };
  const dims = flashDims(q.shape, k.shape, v.shape);
  // Overwritten completely by the engine (the flashForward contract): no zero fill.
  const out = uninitializedFloat32(dims.B * dims.H * dims.Tq * dims.Dv);
  const lse = uninitializedFloat32(dims.B * dims.H * dims.Tq);
  getEngine().flashForward(forwardArgs(dims, cpuInputs(backend, inputs), attrsOf<TesseraFlashAttentionAttrs>(attrs), out, lse));
  return [cpuOutput(backend, [dims.B, dims.H, dims.Tq, dims.Dv], out), cpuOutput(backend, [dims.B, dims.H, dims.Tq], lse)];
};

export const flashAttentionCpuConfig: KernelConfig = { kernelName: TesseraFlashAttention, backendName: 'cpu', kernelFunc: flashAttentionCpuKernel };

registerKernel(flashAttentionCpuConfig);
