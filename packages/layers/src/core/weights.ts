/**
 * How Tessera's composite layers own their weights. A tfjs Layer only saves,
 * loads and trains the weights it created with `addWeight`, so a block such as
 * TransformerEncoder does not nest Layer objects (whose weights tfjs would not
 * see); it builds its parts (attention, dense, layer norm) as plain objects that
 * create their weights through the owning layer's `addWeight` under a prefix
 * ('self_attention/query/kernel'), exactly the names Keras/KerasHub give them.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Constraint, Initializer, Regularizer } from '../util/serial';

/** Creates one trainable float32 weight on the owning layer. */
export type AddWeightFn = (
  name: string,
  shape: number[],
  initializer: Initializer,
  regularizer?: Regularizer | null,
  constraint?: Constraint | null,
) => tf.LayerVariable;

/** Initializer/regularizer/constraint set shared by a block's kernels and biases. */
export interface WeightSettings {
  kernelInitializer: Initializer;
  biasInitializer: Initializer;
  kernelRegularizer: Regularizer | null;
  biasRegularizer: Regularizer | null;
  kernelConstraint: Constraint | null;
  biasConstraint: Constraint | null;
}

/** Prefixes every weight name, for a part living inside a larger layer. */
export function prefixed(add: AddWeightFn, prefix: string): AddWeightFn {
  return (name, shape, init, reg, con) => add(prefix ? `${prefix}/${name}` : name, shape, init, reg, con);
}
