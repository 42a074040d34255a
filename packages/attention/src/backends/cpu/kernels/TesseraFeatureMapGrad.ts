/**
 * TesseraFeatureMapGrad on `cpu` and `wasm`: the engine's featureMapGrad
 * writes dx = dy * phi'(x) in one pass.
 */
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { getEngine } from '../../../engine';
import { TesseraFeatureMapAttrs, TesseraFeatureMapGrad } from '../../../kernel_names';
import { attrsOf, registerHostKernel, runOnHost } from '../../host_path';
import { FEATURE_MAP_BACKENDS } from './TesseraFeatureMap';

export const featureMapGradKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { map } = attrsOf<TesseraFeatureMapAttrs>(attrs);
  return runOnHost(backend as KernelBackend, { x, dy }, [{ shape: x.shape.slice(), dtype: 'float32' }], (ins, outs) => {
    getEngine().featureMapGrad({ map, x: ins.x as Float32Array, dy: ins.dy as Float32Array, dx: outs[0] as Float32Array });
  }, { overwrites: true })[0];
};

registerHostKernel(TesseraFeatureMapGrad, featureMapGradKernel, FEATURE_MAP_BACKENDS);
