/**
 * Kernels of the fused ops (layer_norm.ts, gelu.ts) for `cpu` and `wasm`, on
 * the native row/elementwise routines (src/cc/ops_impl.h).
 */
import { KernelBackend, KernelFunc, TensorInfo, util } from '@tensorflow/tfjs-core';
import { runHost } from './host';
import { needOps } from './raw';

type Inputs = Record<string, TensorInfo>;

function rowsCols(x: TensorInfo): [number, number] {
  const cols = x.shape[x.shape.length - 1] ?? 1;
  return [cols > 0 ? util.sizeFromShape(x.shape) / cols : 0, cols];
}

export const layerNormKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, gamma, beta } = inputs as unknown as Inputs;
  const [rows, cols] = rowsCols(x);
  const eps = (attrs as { epsilon: number }).epsilon;
  return runHost(backend as KernelBackend, [x, gamma, beta], [[x.shape, 'float32'], [[rows], 'float32'], [[rows], 'float32']], ([xv, g, b], [y, mean, rstd]) => {
    needOps('layerNorm').opsLayerNorm(xv as Float32Array, g as Float32Array, b as Float32Array, eps, y as Float32Array, mean as Float32Array, rstd as Float32Array, rows, cols);
  });
};

export const layerNormGradKernel: KernelFunc = ({ inputs, backend }) => {
  const { x, gamma, mean, rstd, dy } = inputs as unknown as Inputs;
  const [rows, cols] = rowsCols(x);
  return runHost(backend as KernelBackend, [x, gamma, mean, rstd, dy], [[x.shape, 'float32'], [[cols], 'float32'], [[cols], 'float32']], ([xv, g, m, r, d], [dx, dg, db]) => {
    needOps('layerNormGrad').opsLayerNormGrad(xv as Float32Array, g as Float32Array, m as Float32Array, r as Float32Array, d as Float32Array, dx as Float32Array, dg as Float32Array, db as Float32Array, rows, cols);
  });
};

export const geluKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x } = inputs as unknown as Inputs;
  const approximate = (attrs as { approximate: boolean }).approximate;
  return runHost(backend as KernelBackend, [x], [[x.shape, 'float32']], ([xv], [y]) => needOps('gelu').opsGelu(xv as Float32Array, null, y as Float32Array, approximate))[0];
};

export const geluGradKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as unknown as Inputs;
  const approximate = (attrs as { approximate: boolean }).approximate;
  return runHost(backend as KernelBackend, [x, dy], [[x.shape, 'float32']], ([xv, d], [dx]) => needOps('geluGrad').opsGelu(xv as Float32Array, d as Float32Array, dx as Float32Array, approximate))[0];
};
