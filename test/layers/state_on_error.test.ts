/**
 * A call that fails on bad input changes nothing: weights, whether the layer is
 * built, cache positions and contents, and the number of live tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@tessera/tensor';
import { KVCache, multiHeadAttention, transformerDecoder } from '@tessera/layers';
import { expectThrowsNoLeak } from '../helpers/leaks';

function snapshot(layer: tf.layers.Layer): number[][] {
  return layer.getWeights().map((w) => Array.from(w.dataSync()));
}

function cacheContents(c: KVCache): number[] {
  const { k, v } = c.read();
  const out = [...Array.from(k.dataSync()), ...Array.from(v.dataSync())];
  tf.dispose([k, v]);
  return out;
}

describe('errors leave model state unchanged [wasm]', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('MultiHeadAttention: a bad first call leaves the layer unbuilt (no weights made from a bad shape)', () => {
    const mha = multiHeadAttention({ numHeads: 2, keyDim: 4 });
    const rank2 = tf.randomNormal([2, 8]);
    expectThrowsNoLeak(() => mha.apply(rank2), /MultiHeadAttention: query must have rank 3 \[B, Tq, dim\], received shape \[2,8\] \(rank 2\)/);
    expect(mha.built).toBe(false);
    expect(mha.weights).toHaveLength(0);
    // Built afterwards from a good call, with the good call's dimensions.
    const y = mha.apply(tf.randomNormal([2, 3, 6])) as tf.Tensor;
    expect(y.shape).toEqual([2, 3, 6]);
    expect(mha.weights[0].shape).toEqual([6, 2, 4]);
  });

  it('MultiHeadAttention with a cache: rejected calls keep weights, cache position and contents', () => {
    const mha = multiHeadAttention({ numHeads: 2, keyDim: 4 });
    const prompt = tf.randomNormal([1, 3, 8], 0, 1, 'float32', 1);
    mha.build([null, null, 8] as never);
    const cache = mha.createCache({ batchSize: 1, maxLength: 4 }) as KVCache;
    tf.dispose(mha.apply(prompt, { cache, useCausalMask: true }) as tf.Tensor);
    const weights = snapshot(mha);
    const contents = cacheContents(cache);
    const two = tf.randomNormal([1, 2, 8]);
    const batch2 = tf.randomNormal([2, 1, 8]);
    const one = tf.randomNormal([1, 1, 8]);
    const mask = tf.ones([1, 1, 4]);
    expectThrowsNoLeak(() => mha.apply(two, { cache }), /cache is full: appending 2 token\(s\) at position 3 exceeds its capacity \(maxLength\) 4/);
    expectThrowsNoLeak(() => mha.apply(batch2, { cache }), /cache was created for batchSize 1, received a batch of 2/);
    expectThrowsNoLeak(() => mha.apply(one, { cache, attentionMask: mask }), /attentionMask is not supported with a cache/);
    expect(cache.length).toBe(3);
    expect(cacheContents(cache)).toEqual(contents);
    expect(snapshot(mha)).toEqual(weights);
    tf.dispose(mha.apply(one, { cache }) as tf.Tensor); // still usable
    expect(cache.length).toBe(4);
    cache.dispose();
  });

  it('TransformerDecoder with cross-attention and a cache: a bad encoder input does not advance the cache', () => {
    const dec = transformerDecoder({ intermediateDim: 16, numHeads: 2, normalizeFirst: true });
    const x = tf.randomNormal([1, 3, 8], 0, 1, 'float32', 2);
    const enc = tf.randomNormal([1, 5, 6], 0, 1, 'float32', 3);
    tf.dispose(dec.apply([x, enc]) as tf.Tensor); // builds cross-attention for a 6-wide encoder
    const cache = dec.createCache({ batchSize: 1, maxLength: 8 }) as KVCache;
    tf.dispose(dec.apply([x, enc], { cache }) as tf.Tensor);
    const weights = snapshot(dec);
    const contents = cacheContents(cache);
    const next = tf.randomNormal([1, 1, 8]);
    const enc7 = tf.randomNormal([1, 5, 7]);
    const badPad = tf.ones([1, 4]);
    expectThrowsNoLeak(() => dec.apply([next, enc7], { cache }), /TransformerDecoder: value last dimension must be 6 \(as built\), received value \[1,5,7\]/);
    expectThrowsNoLeak(() => dec.apply([next, enc], { cache, encoderPaddingMask: badPad }), /TransformerDecoder: attentionMask must have shape \[B, Tq, Tk\] = \[1,1,5\] \(or a padding mask \[B, Tk\] = \[1,5\]\), received \[1,4\]/);
    expect(cache.length).toBe(3);
    expect(cacheContents(cache)).toEqual(contents);
    expect(snapshot(dec)).toEqual(weights);
    tf.dispose(dec.apply([next, enc], { cache }) as tf.Tensor);
    expect(cache.length).toBe(4);
    cache.dispose();
  });
});
