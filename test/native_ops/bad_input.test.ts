/**
 * Bad input to the native kernels and fused ops: tfjs's usual errors (the
 * override hands what it cannot run to tfjs's kernel) or clearer ones naming
 * the argument; never a crash, nothing leaked.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { gelu, layerNorm, nativeOps } from '@tessera/native';
import { initBackend } from '@tessera/tensor';
import { expectThrowsNoLeak } from '../helpers/leaks';

for (const backend of ['cpu', 'wasm']) {
  describe(`native ops bad input [${backend}]`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });
    it('matMul inner-dim mismatch: tfjs error', () => {
      const a = tf.ones([2, 3, 4]), b = tf.ones([2, 5, 6]);
      expectThrowsNoLeak(() => tf.matMul(a, b), /inner shapes|must match/);
      tf.dispose([a, b]);
    });
    it('matMul incompatible batch dims: tfjs error', () => {
      const a = tf.ones([2, 3, 4]), b = tf.ones([3, 4, 6]);
      expectThrowsNoLeak(() => tf.matMul(a, b), /broadcast|match|shape/i);
      tf.dispose([a, b]);
    });
    it('layerNorm names the argument and quotes the value', () => {
      const x = tf.ones([2, 8]), g = tf.ones([7]), b = tf.zeros([8]);
      expectThrowsNoLeak(() => layerNorm(x, g, b), 'layerNorm: gamma must have shape [8] (x\'s last dim), received [7]');
      expectThrowsNoLeak(() => layerNorm(x, b, b, -1), 'layerNorm: epsilon must be a finite number > 0, received -1');
      const xi = tf.ones([2, 8], 'int32');
      expectThrowsNoLeak(() => layerNorm(xi, b, b), 'layerNorm: x must be float32, received int32');
      tf.dispose([x, g, b, xi]);
    });
    it('gelu rejects int32 and a non-boolean approximate', () => {
      const xi = tf.ones([3], 'int32'), x = tf.ones([3]);
      expectThrowsNoLeak(() => gelu(xi), 'gelu: x must be float32, received int32');
      expectThrowsNoLeak(() => gelu(x, 'tanh' as unknown as boolean), 'gelu: approximate must be a boolean, received tanh');
      tf.dispose([xi, x]);
    });
    it('softmax and segment sums of int32 go to tfjs / TypeScript', () => {
      const s = tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3], 'int32'), tf.tensor1d([0, 0, 5], 'int32'), 2);
      expect(Array.from(s.dataSync())).toEqual([3, 0]);
      s.dispose();
      expect(nativeOps().enabled).toBe(true);
    });
    it('empty products fall through to tfjs', () => {
      const a = tf.ones([0, 3]), b = tf.ones([3, 4]);
      const y = tf.matMul(a, b);
      expect(y.shape).toEqual([0, 4]);
      tf.dispose([a, b, y]);
    });
  });
}
