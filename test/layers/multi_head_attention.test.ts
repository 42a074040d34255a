import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@tessera/tensor';
import { MultiHeadAttention, multiHeadAttention } from '@tessera/layers';
import { runLayerTest } from './helpers/run_layer_test';

describe('MultiHeadAttention runLayerTest [wasm]', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('self-attention (single input)', async () => {
    await runLayerTest({ make: () => multiHeadAttention({ numHeads: 2, keyDim: 4 }), inputs: [{ shape: [6, 8] }], outputShape: [6, 8] });
  });

  it('sparse (window [2, 0]) and linear (favor+) paths pass too', async () => {
    await runLayerTest({ make: () => multiHeadAttention({ numHeads: 2, keyDim: 4, attention: 'sparse', attentionOptions: { window: [2, 0] } }), inputs: [{ shape: [6, 8] }], outputShape: [6, 8] });
    await runLayerTest({
      make: () => multiHeadAttention({ numHeads: 2, keyDim: 4, attention: 'linear', attentionOptions: { featureMap: 'favor+', linear: { numFeatures: 8, seed: 1 } } }),
      inputs: [{ shape: [6, 8] }],
      outputShape: [6, 8],
    });
  });

  it('cross-attention [query, value, key] with GQA, outputShape, rope', async () => {
    await runLayerTest({
      make: () => new MultiHeadAttention({ numHeads: 4, numKeyValueHeads: 2, keyDim: 4, valueDim: 6, outputShape: 5, positional: 'rope' }),
      inputs: [{ shape: [5, 8] }, { shape: [7, 3] }, { shape: [7, 6] }],
      outputShape: [5, 5],
    });
  });
});
