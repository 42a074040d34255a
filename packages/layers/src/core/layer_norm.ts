/**
 * Layer normalization (Ba et al. 2016) over the last axis, as part of a larger
 * layer, with Keras's weight names `gamma` and `beta`.
 */
import * as tf from '@tensorflow/tfjs';
import type { AddWeightFn } from './weights';

export class LayerNormPart {
  readonly gamma: tf.LayerVariable;
  readonly beta: tf.LayerVariable;

  constructor(add: AddWeightFn, dim: number, readonly epsilon: number) {
    this.gamma = add('gamma', [dim], tf.initializers.ones());
    this.beta = add('beta', [dim], tf.initializers.zeros());
  }

  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true);
      const xn = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.epsilon)));
      return tf.add(tf.mul(xn, this.gamma.read()), this.beta.read());
    });
  }
}
