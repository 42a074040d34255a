/** Argument checks of the fused ops: messages name the argument and quote what was received. */
import { Tensor } from '@tensorflow/tfjs-core';

export function opError(op: string, msg: string): Error {
  return new Error(`${op}: ${msg}`);
}

export function assertTensor(x: unknown, name: string, op: string): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw opError(op, `${name} must be a tf.Tensor, received ${x === null ? 'null' : typeof x}`);
}

export function assertFloat(x: Tensor, name: string, op: string): void {
  if (x.dtype !== 'float32') throw opError(op, `${name} must be float32, received ${x.dtype} (shape [${x.shape}])`);
}
