/** linearAttention rejects bad input naming the argument and quoting the value, without leaking. */
import * as tf from '@tensorflow/tfjs-core';
import { linearAttention } from '@tessera/attention';
import { describeEachBackend } from '../helpers/backends';
import { expectThrowsNoLeak } from '../helpers/leaks';
import { makeQKV } from './linear_dense';

describeEachBackend('linearAttention bad input', () => {
  let x: ReturnType<typeof makeQKV>;
  beforeAll(() => {
    x = makeQKV({ B: 1, H: 2, Hkv: 1, Tq: 3, Tk: 4, D: 4, Dv: 2 }, 1);
  });
  afterAll(() => x.dispose());
  const cases: Array<[string, () => unknown, string]> = [
    ['unknown feature map', () => linearAttention(x.q, x.k, x.v, { featureMap: 'softmax' as never }), 'linearAttention: options.featureMap must be one of "elu+1", "relu", "favor+", received "softmax"'],
    ['numFeatures 0', () => linearAttention(x.q, x.k, x.v, { featureMap: 'favor+', numFeatures: 0 }), 'linearAttention: options.numFeatures must be an integer >= 1, received 0'],
    ['numFeatures -3', () => linearAttention(x.q, x.k, x.v, { featureMap: 'favor+', numFeatures: -3 }), 'options.numFeatures must be an integer >= 1, received -3'],
    ['numFeatures 2.5', () => linearAttention(x.q, x.k, x.v, { featureMap: 'favor+', numFeatures: 2.5 }), 'options.numFeatures must be an integer >= 1, received 2.5'],
    ['numFeatures without favor+', () => linearAttention(x.q, x.k, x.v, { numFeatures: 16 }), "options.numFeatures applies only to featureMap 'favor+', received numFeatures 16 with featureMap \"elu+1\""],
    ['eps 0', () => linearAttention(x.q, x.k, x.v, { eps: 0 }), 'linearAttention: options.eps must be a finite number > 0, received 0'],
    ['eps -1e-6', () => linearAttention(x.q, x.k, x.v, { eps: -1e-6 }), 'options.eps must be a finite number > 0, received -0.000001'],
    ['eps NaN', () => linearAttention(x.q, x.k, x.v, { eps: NaN }), 'options.eps must be a finite number > 0, received NaN'],
    ['chunkSize 0', () => linearAttention(x.q, x.k, x.v, { causal: true, chunkSize: 0 }), 'linearAttention: options.chunkSize must be an integer >= 1, received 0'],
    ['chunkSize 1.5', () => linearAttention(x.q, x.k, x.v, { causal: true, chunkSize: 1.5 }), 'options.chunkSize must be an integer >= 1, received 1.5'],
    ['seed', () => linearAttention(x.q, x.k, x.v, { featureMap: 'favor+', seed: 0.5 }), 'options.seed must be a safe integer, received 0.5'],
    ['scale', () => linearAttention(x.q, x.k, x.v, { featureMap: 'favor+', scale: 0 }), 'options.scale must be a finite number > 0, received 0'],
    ['causal', () => linearAttention(x.q, x.k, x.v, { causal: 'yes' as never }), 'options.causal must be a boolean, received "yes"'],
    ['misspelt option', () => linearAttention(x.q, x.k, x.v, { casual: true } as never), 'linearAttention: options has an unknown option "casual"; valid options are causal, featureMap, numFeatures, seed, scale, eps, chunkSize'],
    ['q rank', () => linearAttention(tf.zeros([2, 3]), x.k, x.v), 'linearAttention: q must have rank 4 [B, H, Tq, D], received shape [2,3] (rank 2)'],
    ['H % Hkv', () => linearAttention(tf.zeros([1, 3, 3, 4]), tf.zeros([1, 2, 4, 4]), tf.zeros([1, 2, 4, 2])), 'query heads H must be a multiple of key/value heads Hkv (GQA/MQA), received H=3'],
    ['user map returns a non-tensor', () => linearAttention(x.q, x.k, x.v, { featureMap: () => 3 as never }), 'linearAttention: options.featureMap must return a tf.Tensor, received 3 for the queries'],
    ['user map changes T', () => linearAttention(x.q, x.k, x.v, { featureMap: (t) => tf.concat([t, t], 2) }), 'linearAttention: options.featureMap must map queries [1,2,3,4] to [1,2,3,F] with F >= 1, received [1,2,6,4]'],
    ['user map gives q and k different F', () => linearAttention(x.q, x.k, x.v, { featureMap: (t, c) => (c.role === 'query' ? tf.relu(t) : tf.concat([t, t], -1)) }), 'options.featureMap must give queries and keys the same feature count F, received [1,2,3,4] and [1,1,4,8]'],
  ];
  it.each(cases)('%s', (_l, fn, msg) => {
    expectThrowsNoLeak(() => tf.tidy(() => fn() as never), msg);
  });
});
