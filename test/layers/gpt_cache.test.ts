import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@tessera/tensor';
import { Gpt, GptArgs, KVCache, multiHeadAttention } from '@tessera/layers';
import { expectClose } from '../helpers/close';

const BASE: GptArgs = { vocabularySize: 13, sequenceLength: 16, hiddenDim: 16, numLayers: 2, numHeads: 4, intermediateDim: 24 };

/** Logits of every position: full recomputation vs prefill of `n0` tokens then one token at a time. */
function compareCached(gpt: Gpt, tokens: number[][], n0: number, rolling?: number): void {
  const ids = tf.tensor2d(tokens, undefined, 'int32');
  const B = tokens.length;
  const T = tokens[0].length;
  const full = gpt.logits(ids);
  const caches = gpt.createCaches(B, rolling ?? T, rolling !== undefined);
  const parts: tf.Tensor[] = [gpt.step(tf.slice(ids, [0, 0], [B, n0]), caches)];
  for (let t = n0; t < T; t++) {
    parts.push(gpt.step(tf.slice(ids, [0, t], [B, 1]), caches));
    const run = gpt.blocks[0].lastAttention;
    expect(run?.Tq).toBe(1);
  }
  expectClose(tf.concat(parts, 1), full, { atol: 1e-4, rtol: 1e-4 }, 'cached logits');
  caches.forEach((c) => c.dispose());
}

const TOKENS = [
  [1, 5, 2, 7, 3, 3, 9, 12, 0, 4],
  [6, 2, 8, 1, 1, 10, 11, 5, 7, 2],
];

describe('cached decoding == recomputation [wasm]', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  const variants: Array<[string, Partial<GptArgs>, number?]> = [
    ['flash, learned positions', {}],
    ['rope + GQA (2 kv heads)', { positional: 'rope', numKeyValueHeads: 2 }],
    ['alibi + MQA', { positional: 'alibi', numKeyValueHeads: 1 }],
    ['reference path', { attention: 'reference' }],
    ['sliding window [3, 0] with a rolling cache of 3', { attention: 'flash', attentionOptions: { window: [3, 0] }, positional: 'rope' }, 3],
    ['sparse window [2, 0] with a rolling cache of 2', { attention: 'sparse', attentionOptions: { window: [2, 0] } }, 2],
    ['linear (elu+1) with its recurrent state', { attention: 'linear', positional: 'rope' }],
  ];
  for (const [name, extra, rolling] of variants) {
    it(name, () => {
      const gpt = new Gpt({ ...BASE, ...extra });
      compareCached(gpt, TOKENS, 4, rolling);
      gpt.dispose();
    });
  }

  it('each cached step attends Tq=1 query over the context (O(context) per token); the rolling cache holds W positions', () => {
    const gpt = new Gpt({ ...BASE, attentionOptions: { window: [3, 0] } });
    const caches = gpt.createCaches(1, 3, true) as KVCache[];
    tf.dispose(gpt.step(tf.tensor2d([[1, 2, 3, 4, 5]], undefined, 'int32'), caches));
    expect(caches[0].length).toBe(5);
    expect(caches[0].stored).toBe(3);
    tf.dispose(gpt.step(tf.tensor2d([[6]], undefined, 'int32'), caches));
    expect(gpt.blocks[1].lastAttention).toMatchObject({ path: 'flash', Tq: 1, Tk: 4 });
    expect(caches[0].numBytes).toBe(2 * 4 * (1 * 4 * 3 * 4));
    caches.forEach((c) => c.dispose());
    gpt.dispose();
  });

  it('generate: cached greedy == uncached greedy; sampling is seeded', () => {
    const gpt = new Gpt(BASE);
    const a = gpt.generate([[1, 2, 3]], { maxNewTokens: 6 });
    const b = gpt.generate([[1, 2, 3]], { maxNewTokens: 6, useCache: false });
    expect(a).toEqual(b);
    expect(a[0].length).toBe(9);
    const s1 = gpt.generate([[1, 2], [3, 4]], { maxNewTokens: 6, strategy: 'sample', temperature: 1.5, topK: 5, seed: 7 });
    const s2 = gpt.generate([[1, 2], [3, 4]], { maxNewTokens: 6, strategy: 'sample', temperature: 1.5, topK: 5, seed: 7 });
    const s3 = gpt.generate([[1, 2], [3, 4]], { maxNewTokens: 6, strategy: 'sample', temperature: 1.5, topK: 5, seed: 8 });
    expect(s1).toEqual(s2);
    expect(s3).not.toEqual(s1);
    // topK 1 sampling is greedy.
    expect(gpt.generate([[1, 2, 3]], { maxNewTokens: 6, strategy: 'sample', topK: 1, seed: 3 })).toEqual(a);
    gpt.dispose();
  });

  it('cache errors: past capacity, other batch size; the cache is unchanged afterwards', () => {
    const mha = multiHeadAttention({ numHeads: 2, keyDim: 4 });
    const x = tf.randomNormal([1, 3, 8], 0, 1, 'float32', 1);
    tf.dispose(mha.apply(x) as tf.Tensor);
    const cache = mha.createCache({ batchSize: 1, maxLength: 4 }) as KVCache;
    tf.dispose(mha.apply(x, { cache, useCausalMask: true }) as tf.Tensor);
    const n = tf.memory().numTensors;
    expect(() => mha.apply(x, { cache })).toThrow(/cache is full: appending 3 token\(s\) at position 3 exceeds its capacity \(maxLength\) 4/);
    const x2 = tf.randomNormal([2, 1, 8]);
    expect(() => mha.apply(x2, { cache })).toThrow(/cache was created for batchSize 1, received a batch of 2/);
    x2.dispose();
    expect(tf.memory().numTensors).toBe(n);
    expect(cache.length).toBe(3);
    // Still usable, and equal to recomputation on the 4-token sequence.
    const x4 = tf.concat([x, tf.randomNormal([1, 1, 8], 0, 1, 'float32', 2)], 1);
    const last = mha.apply(tf.slice(x4, [0, 3, 0], [1, 1, 8]), { cache }) as tf.Tensor;
    const full = mha.apply(x4, { useCausalMask: true }) as tf.Tensor;
    expectClose(last, tf.slice(full, [0, 3, 0], [1, 1, 8]), { atol: 1e-5, rtol: 1e-5 });
    expect(() => mha.createCache({ batchSize: 1, maxLength: 4, rolling: true })).toThrow(/a rolling cache needs a causal sliding window attentionOptions.window \[W, 0\], received null/);
    cache.dispose();
  });
});
