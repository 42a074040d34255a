/**
 * TesseraFlashAttentionGrad on `cpu`: the engine's flashBackward on the
 * backend's own arrays, outputs handed over without copies.
 */
import { KernelBackend, KernelConfig, KernelFunc, registerKernel, TensorInfo } from '@tensorflow/tfjs-core';
import { getEngine } from '../../../engine';
import { TesseraFlashAttentionAttrs, TesseraFlashAttentionGrad } from '../../../kernel_names';
import { attrsOf } from '../../host_path';
import { backwardArgs, flashDims } from '../../shared/flash_args';
import { cpuInputs, cpuOutput } from '../cpu_arrays';
import { uninitializedFloat32 } from '../uninitialized';

export const flashAttentionGradCpuKernel: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as KernelBackend;
  const { q, k, v } = inputs as { q: TensorInfo; k: TensorInfo; v: TensorInfo };
  const dims = flashDims(q.shape, k.shape, v.shape);
  // Overwritten completely by the engine (the flashBackward contract): no zero fill.
  const dq = uninitializedFloat32(q.shape.reduce((x, y) => x * y, 1));
  const dk = uninitializedFloat32(k.shape.reduce((x, y) => x * y, 1));
  const dv = uninitializedFloat32(v.shape.reduce((x, y) => x * y, 1));
  getEngine().flashBackward(backwardArgs(dims, cpuInputs(backend, inputs), attrsOf<TesseraFlashAttentionAttrs>(attrs), dq, dk, dv));
  return [cpuOutput(backend, q.shape.slice(), dq), cpuOutput(backend, k.shape.slice(), dk), cpuOutput(backend, v.shape.slice(), dv)];
};

export const flashAttentionGradCpuConfig: KernelConfig = { kernelName: TesseraFlashAttentionGrad, backendName: 'cpu', kernelFunc: flashAttentionGradCpuKernel };

registerKernel(flashAttentionGradCpuConfig);
