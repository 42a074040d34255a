/**
 * Embedding lookup that trains on every backend. `tf.gather`'s gradient needs
 * UnsortedSegmentSum, which the wasm backend lacks, so the lookup is a gather
 * forward with a custom gradient: d(table) = onehot(ids)^T @ dy, one 2-D matMul.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * ids [...] (int32 or integral float) into table [V, d] -> [..., d].
 * @example embeddingLookup(tf.tensor2d([[1, 2]], [1, 2], 'int32'), table); // [1, 2, d]
 */
export function embeddingLookup(ids: tf.Tensor, table: tf.Tensor): tf.Tensor {
  const [V, d] = table.shape as [number, number];
  const flat = tf.tidy(() => tf.reshape(ids.dtype === 'int32' ? ids : tf.cast(ids, 'int32'), [-1]));
  const f = tf.customGrad(((t: tf.Tensor, save: tf.GradSaveFunc) => {
    save([flat]);
    return {
      value: tf.gather(t, flat),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        // [N, V]^T x [N, d] -> [V, d]. (tfjs-wasm 4.22's OneHot returns zeros when
        // asked for float32 directly, so build it as int32 and cast.)
        const oh = tf.cast(tf.oneHot(saved[0], V), 'float32');
        return tf.matMul(oh, tf.reshape(dy, [-1, d]), true, false);
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const out = tf.tidy(() => tf.reshape(f(table) as tf.Tensor, [...ids.shape, d]));
  flat.dispose();
  return out;
}
