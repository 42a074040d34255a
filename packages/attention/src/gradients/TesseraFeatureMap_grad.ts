/**
 * Gradient of TesseraFeatureMap, shared by the backends that register it:
 * dx = dy * phi'(x) from the saved input, by TesseraFeatureMapGrad.
 */
import { engine, GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';
import { TesseraFeatureMap, TesseraFeatureMapGrad } from '../kernel_names';

export const featureMapGradConfig: GradConfig = {
  kernelName: TesseraFeatureMap,
  inputsToSave: ['x'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs?: NamedAttrMap) => {
    const [x] = saved;
    const d = Array.isArray(dy) ? dy[0] : dy;
    return { x: () => engine().runKernel(TesseraFeatureMapGrad, { x, dy: d }, attrs) as Tensor };
  },
};
