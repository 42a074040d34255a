/**
 * Layer normalization (Ba et al. 2016) over the last axis, as part of a larger
 * layer, with Keras's weight names `gamma` and `beta`.
 */
import * as tf from '@tensorflow/tfjs';
import { fusedOps } from './native_ops';
import type { AddWeightFn } from './weights';

export class LayerNormPart {
  readonly gamma: tf.LayerVariable;
  readonly beta: tf.LayerVariable;

  constructor(add: AddWeightFn, dim: number, readonly epsilon: number) {
    this.gamma = add('gamma', [dim], tf.initializers.ones());
    this.beta = add('beta', [dim], tf.initializers.zeros());
  }

  apply(x: tf.Tensor): tf.Tensor {
    // Fused kernel and gradient from @tessera/native when present (issue 10); same formula.
    const fused = fusedOps();
    if (fused && x.dtype === 'float32') return fused.layerNorm(x, this.gamma.read(), this.beta.read(), this.epsilon);
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true);
      const xn = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.epsilon)));
      return tf.add(tf.mul(xn, this.gamma.read()), this.beta.read());
    });
  }
}
