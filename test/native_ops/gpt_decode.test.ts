/**
 * One-call GPT decoding (@tessera/native gptDecodeStep, used by Gpt.generate
 * with the cache): per-position logits equal the layers' full recomputation
 * (tfjs path) within 1e-4 for several configurations (GQA/MQA, activations,
 * custom scale, batch 2), generation equals the tfjs path, configurations
 * it does not cover fall back, and bad input throws instead of crashing.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { Gpt, GptArgs } from '@tessera/layers';
import { gptDecodeAvailable, gptDecodeStep, GptDecodeDims, setNativeOps } from '@tessera/native';
import { initBackend, Rng } from '@tessera/tensor';
import { NativeGptDecoder } from '../../packages/layers/src/models/gpt_native_decode';
import { expectClose } from '../helpers/close';

const BASE: GptArgs = { vocabularySize: 19, sequenceLength: 24, hiddenDim: 40, numLayers: 2, numHeads: 4, intermediateDim: 36 };

function tokens(B: number, T: number, V: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: B }, () => Array.from({ length: T }, () => Math.floor(rng.uniform() * V)));
}

for (const backend of ['cpu', 'wasm']) {
  describe(`native GPT decoding [${backend}]`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    const configs: Array<[string, Partial<GptArgs>, number]> = [
      ['tanh GELU, MHA, batch 1', {}, 1],
      ['exact GELU, GQA (2 kv heads), scale 0.3, batch 2', { activation: 'gelu', numKeyValueHeads: 2, attentionOptions: { scale: 0.3 } }, 2],
      ['relu, MQA, hidden 33 (odd head size 11 x 3 heads)', { activation: 'relu', numKeyValueHeads: 1, hiddenDim: 33, numHeads: 3 }, 2],
    ];
    for (const [name, extra, B] of configs) {
      it(`logits at every position == full recomputation: ${name}`, () => {
        const gpt = new Gpt({ ...BASE, ...extra });
        const T = 17;
        const ids = tokens(B, T, BASE.vocabularySize, 3);
        const full = tf.tidy(() => gpt.logits(tf.tensor2d(ids, undefined, 'int32')).arraySync() as number[][][]);
        const dec = NativeGptDecoder.create(gpt, B, T);
        expect(dec).not.toBeNull();
        const before = tf.memory().numTensors;
        for (let t = 0; t < T; t++) {
          const got = Array.from(dec!.next(ids.map((r) => r[t])));
          expectClose(got, full.flatMap((rows) => rows[t]), { atol: 1e-4, rtol: 1e-4 }, `position ${t}`);
        }
        expect(tf.memory().numTensors).toBe(before);
        gpt.dispose();
      });
    }

    it('generate: native == layers path (greedy and seeded sampling) == uncached', () => {
      const gpt = new Gpt({ ...BASE, numKeyValueHeads: 2 });
      const prompts = tokens(2, 4, BASE.vocabularySize, 9);
      const a = gpt.generate(prompts, { maxNewTokens: 10 });
      expect(gpt.generate(prompts, { maxNewTokens: 10, native: false })).toEqual(a);
      expect(gpt.generate(prompts, { maxNewTokens: 10, useCache: false })).toEqual(a);
      const s = { maxNewTokens: 10, strategy: 'sample' as const, temperature: 1.3, topK: 6, seed: 4 };
      expect(gpt.generate(prompts, s)).toEqual(gpt.generate(prompts, { ...s, native: false }));
      gpt.dispose();
    });

    it('configurations it does not cover use the layers path (RoPE, windows, native ops off)', () => {
      const rope = new Gpt({ ...BASE, positional: 'rope' });
      expect(NativeGptDecoder.create(rope, 1, 8)).toBeNull();
      const win = new Gpt({ ...BASE, attentionOptions: { window: [3, 0] } });
      expect(NativeGptDecoder.create(win, 1, 8)).toBeNull();
      const plain = new Gpt(BASE);
      setNativeOps(false);
      try {
        expect(gptDecodeAvailable()).toBe(false);
        expect(NativeGptDecoder.create(plain, 1, 8)).toBeNull();
      } finally {
        setNativeOps(true);
      }
      expect(NativeGptDecoder.create(plain, 1, 8)).not.toBeNull();
      expect(rope.generate([[1, 2]], { maxNewTokens: 3 })).toEqual(rope.generate([[1, 2]], { maxNewTokens: 3, useCache: false }));
      [rope, win, plain].forEach((g) => g.dispose());
    });
  });
}

describe('gptDecodeStep bad input', () => {
  const dims: GptDecodeDims = { batch: 1, hidden: 4, numHeads: 2, numKeyValueHeads: 2, keyDim: 2, valueDim: 2, intermediateDim: 4, numLayers: 1, vocabularySize: 3,
    capacity: 2, position: 0, activation: 'relu', epsilon: 1e-5, finalEpsilon: 1e-5, scale: 1, positionRows: 0 };
  const f = (n: number) => new Float32Array(n);
  // token table [3, 4], no positions, final norm, head [4, 3]; one layer: 2 norms, 6 [4, 4] kernels, caches [1, 2, 2, 2].
  const arrays = (): (Float32Array | null)[] => [f(12), null, f(4), f(4), f(12), null,
    f(4), f(4), f(16), null, f(16), null, f(16), null, f(16), null, f(4), f(4), f(16), null, f(16), null, f(8), f(8)];
  it('runs on well-formed input', () => {
    const out = f(3);
    gptDecodeStep(arrays(), Int32Array.of(1), out, dims);
    expect(Array.from(out)).toEqual([0, 0, 0]);
  });
  it('throws (no crash) on a token outside the vocabulary, a short array, a full cache, a bad activation', () => {
    expect(() => gptDecodeStep(arrays(), Int32Array.of(3), f(3), dims)).toThrow('token 3 is outside the vocabulary [0, 3)');
    const a = arrays();
    a[8] = f(15);
    expect(() => gptDecodeStep(a, Int32Array.of(0), f(3), dims)).toThrow('layer 0 array 2 must have 16 elements, received 15');
    expect(() => gptDecodeStep(arrays(), Int32Array.of(0), f(3), { ...dims, position: 2 })).toThrow('position 2 is outside the cache capacity 2');
    expect(() => gptDecodeStep(arrays(), Int32Array.of(0), f(3), { ...dims, activation: 'tanh' as 'relu' })).toThrow('activation must be relu, gelu or geluApproximate, received tanh');
    expect(() => gptDecodeStep(arrays().slice(1), Int32Array.of(0), f(3), dims)).toThrow('arrays must hold 24 entries');
  });
});

describe('layers path KV cache (full layout grows by appends)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  it('holds only the stored positions; reset() forgets them and decoding again matches recomputation', () => {
    const gpt = new Gpt(BASE);
    const ids = tokens(1, 6, BASE.vocabularySize, 5);
    const full = tf.tidy(() => gpt.logits(tf.tensor2d(ids, undefined, 'int32')).arraySync() as number[][][]);
    const caches = gpt.createCaches(1, 6);
    const run = (): number[][] => {
      const rows: number[][] = [];
      for (let t = 0; t < 6; t++) {
        const x = tf.tensor2d([[ids[0][t]]], undefined, 'int32');
        const l = gpt.step(x, caches);
        rows.push(Array.from(l.dataSync()));
        tf.dispose([x, l]);
      }
      return rows;
    };
    expect(caches[0].numBytes).toBe(0);
    const before = tf.memory().numTensors;
    const first = run();
    expect(tf.memory().numTensors).toBe(before);
    expect(caches[0].numBytes).toBe(2 * 4 * (1 * 4 * 6 * 10));
    caches.forEach((c) => c.reset());
    expect(caches[0].length).toBe(0);
    const second = run();
    for (let t = 0; t < 6; t++) {
      expectClose(first[t], full[0][t], { atol: 1e-4, rtol: 1e-4 }, `first pass, position ${t}`);
      expectClose(second[t], full[0][t], { atol: 1e-4, rtol: 1e-4 }, `after reset, position ${t}`);
    }
    caches.forEach((c) => c.dispose());
    gpt.dispose();
  });
});
