import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@tessera/tensor';
import { transformerDecoder, transformerEncoder, TransformerDecoder } from '@tessera/layers';
import { expectClose } from '../helpers/close';
import { expectThrowsNoLeak } from '../helpers/leaks';
import { runLayerTest } from './helpers/run_layer_test';

describe('TransformerEncoder / TransformerDecoder [wasm]', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('TransformerEncoder (post-LN, relu) passes runLayerTest', async () => {
    await runLayerTest({ make: () => transformerEncoder({ intermediateDim: 12, numHeads: 2 }), inputs: [{ shape: [6, 8] }], outputShape: [6, 8] });
  });

  it('TransformerEncoder (pre-LN, gelu, GQA, rope) passes runLayerTest', async () => {
    await runLayerTest({
      make: () => transformerEncoder({ intermediateDim: 12, numHeads: 4, numKeyValueHeads: 2, activation: 'gelu', normalizeFirst: true, positional: 'rope' }),
      inputs: [{ shape: [6, 8] }],
      outputShape: [6, 8],
    });
  });

  it('TransformerDecoder (decoder-only, geluApproximate, alibi) passes runLayerTest', async () => {
    await runLayerTest({
      make: () => transformerDecoder({ intermediateDim: 12, numHeads: 2, activation: 'gelu_approximate', normalizeFirst: true, positional: 'alibi' }),
      inputs: [{ shape: [6, 8] }],
      outputShape: [6, 8],
    });
  });

  it('TransformerDecoder with cross-attention ([decoder, encoder] inputs) passes runLayerTest', async () => {
    await runLayerTest({ make: () => transformerDecoder({ intermediateDim: 12, numHeads: 2 }), inputs: [{ shape: [5, 8] }, { shape: [7, 6] }], outputShape: [5, 8] });
  });

  it('weights carry KerasHub names and shapes', () => {
    const dec = transformerDecoder({ intermediateDim: 12, numHeads: 2, name: 'dec' });
    dec.apply([tf.input({ shape: [5, 8] }), tf.input({ shape: [7, 6] })]);
    const names = dec.weights.map((w) => `${w.originalName.replace(/^dec\//, '')} [${w.shape}]`);
    expect(names).toEqual([
      'self_attention/query/kernel [8,2,4]', 'self_attention/query/bias [2,4]', 'self_attention/key/kernel [8,2,4]', 'self_attention/key/bias [2,4]',
      'self_attention/value/kernel [8,2,4]', 'self_attention/value/bias [2,4]', 'self_attention/attention_output/kernel [2,4,8]', 'self_attention/attention_output/bias [8]',
      'self_attention_layer_norm/gamma [8]', 'self_attention_layer_norm/beta [8]',
      'cross_attention/query/kernel [8,2,4]', 'cross_attention/query/bias [2,4]', 'cross_attention/key/kernel [6,2,4]', 'cross_attention/key/bias [2,4]',
      'cross_attention/value/kernel [6,2,4]', 'cross_attention/value/bias [2,4]', 'cross_attention/attention_output/kernel [2,4,8]', 'cross_attention/attention_output/bias [8]',
      'cross_attention_layer_norm/gamma [8]', 'cross_attention_layer_norm/beta [8]',
      'feedforward_layer_norm/gamma [8]', 'feedforward_layer_norm/beta [8]',
      'feedforward_intermediate_dense/kernel [8,12]', 'feedforward_intermediate_dense/bias [12]',
      'feedforward_output_dense/kernel [12,8]', 'feedforward_output_dense/bias [8]',
    ]);
  });

  it('decoder is causal: changing a later token does not change earlier outputs', () => {
    const dec = transformerDecoder({ intermediateDim: 12, numHeads: 2 });
    const x = tf.randomNormal([1, 6, 8], 0, 1, 'float32', 1);
    const x2 = tf.concat([tf.slice(x, [0, 0, 0], [1, 4, 8]), tf.randomNormal([1, 2, 8], 0, 1, 'float32', 2)], 1);
    const y = dec.apply(x) as tf.Tensor;
    const y2 = dec.apply(x2) as tf.Tensor;
    expectClose(tf.slice(y2, [0, 0, 0], [1, 4, 8]), tf.slice(y, [0, 0, 0], [1, 4, 8]), { atol: 1e-5, rtol: 1e-5 });
    expect(tf.max(tf.abs(tf.sub(y, y2))).dataSync()[0]).toBeGreaterThan(1e-3);
  });

  it('encoder paddingMask hides padded keys: outputs of real tokens ignore the padding values', () => {
    const enc = transformerEncoder({ intermediateDim: 12, numHeads: 2 });
    const x = tf.randomNormal([1, 5, 8], 0, 1, 'float32', 1);
    const x2 = tf.concat([tf.slice(x, [0, 0, 0], [1, 3, 8]), tf.randomNormal([1, 2, 8], 0, 1, 'float32', 9)], 1);
    const pad = tf.tensor2d([[1, 1, 1, 0, 0]]);
    const y = enc.apply(x, { paddingMask: pad }) as tf.Tensor;
    const y2 = enc.apply(x2, { paddingMask: pad }) as tf.Tensor;
    expectClose(tf.slice(y2, [0, 0, 0], [1, 3, 8]), tf.slice(y, [0, 0, 0], [1, 3, 8]), { atol: 1e-5, rtol: 1e-5 });
  });

  it('bad arguments and inputs: named, quoted, nothing leaked', () => {
    expect(() => transformerEncoder({ intermediateDim: 0, numHeads: 2 })).toThrow(/intermediateDim must be an integer >= 1, received 0/);
    expect(() => transformerEncoder({ intermediateDim: 4, numHeads: 2, activation: 'tanh' as never })).toThrow(/activation must be one of "relu", "gelu", "geluApproximate", received "tanh"/);
    expect(() => transformerEncoder({ intermediateDim: 4, numHeads: 4, numKeyValueHeads: 3 })).toThrow(/numHeads must be divisible by numKeyValueHeads, received numHeads 4 and numKeyValueHeads 3/);
    expect(() => transformerDecoder({ intermediateDim: 4, numHeads: 2, attention: 'fast' as never })).toThrow(/attention must be one of .*received "fast"/);
    const enc = transformerEncoder({ intermediateDim: 4, numHeads: 2 });
    const x = tf.zeros([2, 3, 8]);
    (enc.apply(x) as tf.Tensor).dispose();
    const x6 = tf.zeros([2, 3, 6]);
    const pad4 = tf.ones([2, 4]);
    expectThrowsNoLeak(() => enc.apply(x6), /inputs last dimension must be 8 \(as built\), received \[2,3,6\]/);
    expectThrowsNoLeak(() => enc.apply(x, { paddingMask: pad4 }), /paddingMask must have shape \[B, T\] = \[2,3\], received \[2,4\]/);
    const dec = transformerDecoder({ intermediateDim: 4, numHeads: 2 }) as TransformerDecoder;
    (dec.apply(x) as tf.Tensor).dispose();
    expectThrowsNoLeak(() => dec.apply([x, x]), /built without cross-attention/);
  });
});
