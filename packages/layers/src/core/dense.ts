/**
 * A dense projection as part of a larger layer: kernel [in, out] and bias [out]
 * (Keras's Dense weights), applied to [..., in] by one 2-D matMul, the fast
 * path on every tfjs backend (wasm's batched matMul is ~15x slower).
 */
import * as tf from '@tensorflow/tfjs';
import type { AddWeightFn, WeightSettings } from './weights';

export class DensePart {
  readonly kernel: tf.LayerVariable;
  readonly bias: tf.LayerVariable | null;

  constructor(add: AddWeightFn, readonly inDim: number, readonly units: number, useBias: boolean, w: WeightSettings) {
    this.kernel = add('kernel', [inDim, units], w.kernelInitializer, w.kernelRegularizer, w.kernelConstraint);
    this.bias = useBias ? add('bias', [units], w.biasInitializer, w.biasRegularizer, w.biasConstraint) : null;
  }

  /** [..., in] -> [..., units] */
  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const lead = x.shape.slice(0, -1);
      // [..., in] -> [N, in] x [in, units] -> [N, units] -> [..., units]
      let y = tf.matMul(tf.reshape(x, [-1, this.inDim]), this.kernel.read() as tf.Tensor2D);
      if (this.bias) y = tf.add(y, this.bias.read());
      return tf.reshape(y, [...lead, this.units]);
    });
  }
}
