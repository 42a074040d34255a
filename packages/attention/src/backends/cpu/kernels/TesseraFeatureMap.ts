/**
 * TesseraFeatureMap on `cpu` and `wasm` (zero-copy host arrays): the engine's
 * featureMap (TypeScript by default, C++ once @tessera/native installs it)
 * writes phi(x) in one pass.
 */
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { getEngine } from '../../../engine';
import { TesseraFeatureMap, TesseraFeatureMapAttrs } from '../../../kernel_names';
import { attrsOf, registerHostKernel, runOnHost } from '../../host_path';

/** The backends whose host arrays the feature-map kernels read in place. */
export const FEATURE_MAP_BACKENDS = ['cpu', 'wasm'] as const;

export const featureMapKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x } = inputs as { x: TensorInfo };
  const { map } = attrsOf<TesseraFeatureMapAttrs>(attrs);
  return runOnHost(backend as KernelBackend, { x }, [{ shape: x.shape.slice(), dtype: 'float32' }], (ins, outs) => {
    getEngine().featureMap({ map, x: ins.x as Float32Array, out: outs[0] as Float32Array });
  }, { overwrites: true })[0];
};

registerHostKernel(TesseraFeatureMap, featureMapKernel, FEATURE_MAP_BACKENDS);
