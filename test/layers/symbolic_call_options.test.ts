/**
 * Call options of symbolic (functional-API) calls. tfjs-layers' graph executor
 * (predict, evaluate, fit, model.apply) calls each layer with {training} only,
 * so `mha.apply(x, { useCausalMask: true })` on a tf.input used to build a model
 * that was silently NOT causal. The first block measures that the executor drops
 * each option (bypassing Tessera's check through tfjs's own Layer.apply), so the
 * check stays justified; the rest tests the fix: constructor `useCausalMask`,
 * masks as inputs, clear errors that change no state, and save/load.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@tessera/tensor';
import {
  MultiHeadAttention,
  multiHeadAttention,
  positionEmbedding,
  rotaryEmbedding,
  sinusoidalPositionEncoding,
  tokenAndPositionEmbedding,
  transformerDecoder,
  transformerEncoder,
} from '@tessera/layers';
import { expectClose } from '../helpers/close';
import { expectThrowsNoLeak } from '../helpers/leaks';

const T = 6;
const D = 8;
const seeded = (seed: number) => tf.initializers.glorotUniform({ seed });
const mhaArgs = (extra: Record<string, unknown> = {}) => ({ numHeads: 2, keyDim: 4, kernelInitializer: seeded(1), biasInitializer: tf.initializers.randomNormal({ seed: 2 }), ...extra });

/** tfjs's own Layer.apply: records the options in the graph, as before the fix. */
const rawApply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[], kwargs: Record<string, unknown>) =>
  tf.layers.Layer.prototype.apply.call(layer, x, kwargs) as tf.SymbolicTensor;

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** fit's reported loss (MSE against zeros) with a zero learning rate: the training-mode forward pass. */
async function fitLoss(model: tf.LayersModel, x: tf.Tensor): Promise<number> {
  model.compile({ optimizer: tf.train.sgd(0), loss: 'meanSquaredError' });
  const y = tf.zerosLike(model.predict(x) as tf.Tensor);
  const h = await model.fit(x, y, { epochs: 1, batchSize: x.shape[0], verbose: 0 });
  y.dispose();
  return h.history.loss[0] as number;
}

describe('symbolic call options [wasm]', () => {
  let x: tf.Tensor;
  beforeAll(async () => {
    await initBackend('wasm');
    x = tf.randomNormal([2, T, D], 0, 1, 'float32', 3);
  });
  afterAll(() => x.dispose());

  describe("measured: tfjs-layers' executor drops a symbolic call's options", () => {
    it('useCausalMask: predict, model.apply and fit all run non-causal attention', async () => {
      const inp = tf.input({ shape: [T, D] });
      const mha = multiHeadAttention(mhaArgs());
      const model = tf.model({ inputs: inp, outputs: rawApply(mha, inp, { useCausalMask: true }) });
      const causal = mha.apply(x, { useCausalMask: true }) as tf.Tensor;
      const plain = mha.apply(x) as tf.Tensor;
      expect(maxDiff(causal, plain)).toBeGreaterThan(1e-2); // the test can tell them apart
      const p = model.predict(x) as tf.Tensor;
      const a = model.apply(x) as tf.Tensor;
      expectClose(p, plain, { atol: 1e-6, rtol: 1e-6 }, 'predict is non-causal');
      expectClose(a, plain, { atol: 1e-6, rtol: 1e-6 }, 'model.apply is non-causal');
      const mse = (t: tf.Tensor) => tf.tidy(() => tf.mean(tf.square(t)).dataSync()[0]);
      const lf = await fitLoss(model, x);
      expect(lf).toBeCloseTo(mse(plain), 5);
      expect(Math.abs(lf - mse(causal))).toBeGreaterThan(1e-4);
      tf.dispose([causal, plain, p, a]);
      model.dispose();
    });

    it('training, attentionMask, value and returnAttentionScores: predict equals the call without them', () => {
      const inp = tf.input({ shape: [T, D] });
      const mask = tf.linalg.bandPart(tf.ones([2, T, T]), 0, -1); // upper triangle: not a no-op
      const other = tf.randomNormal([2, T, D], 0, 1, 'float32', 9);
      const cases: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
        ['training', { training: true }, { training: true }],
        ['attentionMask', { attentionMask: mask }, { attentionMask: mask }],
        ['value', { value: other }, { value: other }],
        ['returnAttentionScores', { returnAttentionScores: true }, { returnAttentionScores: true }],
      ];
      for (const [name, symbolic, eager] of cases) {
        const mha = multiHeadAttention(mhaArgs({ dropout: 0.5, seed: 4 }));
        const model = tf.model({ inputs: inp, outputs: rawApply(mha, inp, symbolic) });
        const plain = mha.apply(x) as tf.Tensor;
        const withOption = mha.apply(x, eager) as tf.Tensor | tf.Tensor[];
        const first = Array.isArray(withOption) ? withOption[0] : withOption;
        const p = model.predict(x) as tf.Tensor;
        expect(p.shape).toEqual([2, T, D]);
        expectClose(p, plain, { atol: 1e-6, rtol: 1e-6 }, `${name} dropped by predict`);
        if (name !== 'returnAttentionScores') expect(maxDiff(first, plain)).toBeGreaterThan(1e-3); // eagerly it matters
        tf.dispose([plain, withOption, p]);
        model.dispose();
      }
      tf.dispose([mask, other]);
    });
  });

  describe('MultiHeadAttention: constructor useCausalMask', () => {
    it('a functional model is causal under predict, model.apply and fit, equal to the eager causal call', async () => {
      const inp = tf.input({ shape: [T, D] });
      const mha = multiHeadAttention(mhaArgs({ useCausalMask: true }));
      const model = tf.model({ inputs: inp, outputs: mha.apply(inp) as tf.SymbolicTensor });
      const eager = multiHeadAttention(mhaArgs());
      const expected = eager.apply(x, { useCausalMask: true }) as tf.Tensor;
      const nonCausal = eager.apply(x) as tf.Tensor;
      const p = model.predict(x) as tf.Tensor;
      const a = model.apply(x) as tf.Tensor;
      expectClose(p, expected, { atol: 1e-5, rtol: 1e-5 }, 'predict vs eager causal');
      expectClose(a, expected, { atol: 1e-5, rtol: 1e-5 }, 'model.apply vs eager causal');
      expect(maxDiff(p, nonCausal)).toBeGreaterThan(1e-2);
      const lf = await fitLoss(model, x);
      expect(lf).toBeCloseTo(tf.tidy(() => tf.mean(tf.square(expected)).dataSync()[0]), 5);
      tf.dispose([expected, nonCausal, p, a]);
      model.dispose();
      eager.dispose();
    });

    it('eagerly: causal = constructor useCausalMask || call useCausalMask', () => {
      const causalLayer = multiHeadAttention(mhaArgs({ useCausalMask: true }));
      const plainLayer = multiHeadAttention(mhaArgs());
      const ref = plainLayer.apply(x, { useCausalMask: true }) as tf.Tensor;
      const nonCausal = plainLayer.apply(x, { useCausalMask: false }) as tf.Tensor;
      for (const o of [{}, { useCausalMask: false }, { useCausalMask: true }]) {
        const y = causalLayer.apply(x, o) as tf.Tensor;
        expectClose(y, ref, { atol: 1e-6, rtol: 1e-6 }, JSON.stringify(o));
        y.dispose();
      }
      expect(maxDiff(ref, nonCausal)).toBeGreaterThan(1e-2);
      tf.dispose([ref, nonCausal]);
    });

    it('the constructor refuses a non-boolean useCausalMask, quoting it', () => {
      expect(() => multiHeadAttention(mhaArgs({ useCausalMask: 'yes' }))).toThrow(/MultiHeadAttention: useCausalMask must be a boolean, received "yes"/);
    });

    it('save/load keeps useCausalMask (config and outputs)', async () => {
      const inp = tf.input({ shape: [T, D] });
      const mha = multiHeadAttention(mhaArgs({ useCausalMask: true }));
      const model = tf.model({ inputs: inp, outputs: mha.apply(inp) as tf.SymbolicTensor });
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-causal-'));
      try {
        await model.save(`file://${dir}`);
        const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
        const layer = loaded.layers.find((l) => l instanceof MultiHeadAttention) as MultiHeadAttention;
        expect(layer.getConfig().useCausalMask).toBe(true);
        const a = model.predict(x) as tf.Tensor;
        const b = loaded.predict(x) as tf.Tensor;
        expectClose(b, a, { atol: 0, rtol: 0 }, 'reloaded');
        tf.dispose([a, b]);
        loaded.dispose();
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
        model.dispose();
      }
    });

    it('attentionMask as the fourth input works under predict (equal to the eager kwarg)', () => {
      const inp = tf.input({ shape: [T, D] });
      const m = tf.input({ shape: [T, T] });
      const mha = multiHeadAttention(mhaArgs());
      const model = tf.model({ inputs: [inp, m], outputs: mha.apply([inp, inp, inp, m]) as tf.SymbolicTensor });
      const mask = tf.linalg.bandPart(tf.ones([2, T, T]), 0, -1);
      const p = model.predict([x, mask]) as tf.Tensor;
      const e = mha.apply(x, { attentionMask: mask }) as tf.Tensor;
      const plain = mha.apply(x) as tf.Tensor;
      expectClose(p, e, { atol: 1e-5, rtol: 1e-5 }, 'mask input');
      expect(maxDiff(p, plain)).toBeGreaterThan(1e-2);
      tf.dispose([mask, p, e, plain]);
      model.dispose();
    });
  });

  describe('symbolic calls refuse options predict/fit would drop, changing no state', () => {
    it('mha.apply(input, { useCausalMask: true }) throws naming the option and the remedy; the layer stays unbuilt', () => {
      const inp = tf.input({ shape: [T, D] });
      const mha = multiHeadAttention(mhaArgs());
      expectThrowsNoLeak(
        () => mha.apply(inp, { useCausalMask: true }),
        /MultiHeadAttention: call option useCausalMask = true was given to a symbolic \(functional-API\) call, where tfjs-layers' predict\/evaluate\/fit would not apply it .*Construct the layer with useCausalMask: true instead/,
      );
      expect(mha.built).toBe(false);
      expect(mha.weights).toHaveLength(0);
      expect(mha.inboundNodes).toHaveLength(0);
      // The layer is still usable, and a model built afterwards has one node.
      const model = tf.model({ inputs: inp, outputs: mha.apply(inp) as tf.SymbolicTensor });
      expect(mha.inboundNodes).toHaveLength(1);
      model.dispose();
    });

    it('MultiHeadAttention: every dropped option throws; options without effect are accepted', () => {
      const inp = tf.input({ shape: [T, D] });
      const mask = tf.ones([2, T, T]);
      const symMask = tf.input({ shape: [T, T] });
      const throwing: Array<[Record<string, unknown>, RegExp]> = [
        [{ useCausalMask: true }, /useCausalMask = true/],
        [{ useCausalMask: 'yes' }, /useCausalMask = "yes"/],
        [{ attentionMask: mask }, /attentionMask = Tensor\(float32, \[2,6,6\]\).*in the input list instead: mha\.apply\(\[query, value, key, attentionMask\]\)/],
        [{ attentionMask: symMask }, /attentionMask = .*in the input list instead/],
        [{ value: inp }, /value = .*Pass value in the input list/],
        [{ key: inp }, /key = .*Pass key in the input list/],
        [{ returnAttentionScores: true }, /returnAttentionScores = true.*eager calls only/],
        [{ cache: { length: 0 } }, /cache = .*KV-cache decoding runs on eager calls only/],
        [{ training: true }, /training = true.*set for the whole model by fit \(true\) and predict\/evaluate \(false\)/],
        [{ training: false }, /training = false/],
        [{ somethingElse: 1 }, /somethingElse = 1.*has no effect in a functional model/],
      ];
      for (const [kwargs, message] of throwing) {
        const mha = multiHeadAttention(mhaArgs());
        expectThrowsNoLeak(() => mha.apply(inp, kwargs), message);
        expect(mha.built).toBe(false);
      }
      const causal = multiHeadAttention(mhaArgs({ useCausalMask: true }));
      expect(() => causal.apply(inp, { useCausalMask: true })).not.toThrow(); // already causal
      for (const kwargs of [{ useCausalMask: false }, { returnAttentionScores: false }, { attentionMask: null, cache: null, training: undefined }, { mask: null }]) {
        expect(() => multiHeadAttention(mhaArgs()).apply(inp, kwargs)).not.toThrow();
      }
      mask.dispose();
    });

    it('TransformerEncoder / TransformerDecoder: masks, encoderSequence, cache and useCausalMask: false throw; inputs lists work', () => {
      const inp = tf.input({ shape: [T, D] });
      const pad = tf.ones([2, T]);
      for (const [kwargs, message] of [
        [{ paddingMask: pad }, /TransformerEncoder: call option paddingMask = Tensor\(float32, \[2,6\]\).*enc\.apply\(\[inputs, paddingMask\]\)/],
        [{ attentionMask: pad }, /TransformerEncoder: call option attentionMask = .*eager calls only/],
      ] as Array<[Record<string, unknown>, RegExp]>) {
        const enc = transformerEncoder({ intermediateDim: 16, numHeads: 2 });
        expectThrowsNoLeak(() => enc.apply(inp, kwargs), message);
        expect(enc.built).toBe(false);
      }
      for (const [kwargs, message] of [
        [{ useCausalMask: false }, /TransformerDecoder: call option useCausalMask = false.*always runs the decoder causally/],
        [{ encoderSequence: inp }, /encoderSequence = .*dec\.apply\(\[decoderSequence, encoderSequence\]\)/],
        [{ decoderPaddingMask: pad }, /decoderPaddingMask = .*eager calls only/],
        [{ encoderAttentionMask: pad }, /encoderAttentionMask = .*eager calls only/],
        [{ cache: { length: 0 } }, /cache = .*eager calls only/],
      ] as Array<[Record<string, unknown>, RegExp]>) {
        const dec = transformerDecoder({ intermediateDim: 16, numHeads: 2 });
        expectThrowsNoLeak(() => dec.apply(inp, kwargs), message);
        expect(dec.built).toBe(false);
      }
      expect(() => transformerDecoder({ intermediateDim: 16, numHeads: 2 }).apply(inp, { useCausalMask: true })).not.toThrow();
      pad.dispose();
    });

    it('TransformerEncoder: a padding mask as the second input works under predict (equal to the eager kwarg)', () => {
      const inp = tf.input({ shape: [T, D] });
      const p = tf.input({ shape: [T] });
      const enc = transformerEncoder({ intermediateDim: 16, numHeads: 2, kernelInitializer: seeded(5) });
      const model = tf.model({ inputs: [inp, p], outputs: enc.apply([inp, p]) as tf.SymbolicTensor });
      const pad = tf.tensor2d([[1, 1, 1, 1, 0, 0], [1, 1, 1, 0, 0, 0]]);
      const y = model.predict([x, pad]) as tf.Tensor;
      const e = enc.apply(x, { paddingMask: pad }) as tf.Tensor;
      const plain = enc.apply(x) as tf.Tensor;
      expectClose(y, e, { atol: 1e-5, rtol: 1e-5 }, 'padding input');
      expect(maxDiff(y, plain)).toBeGreaterThan(1e-3);
      tf.dispose([pad, y, e, plain]);
      model.dispose();
    });

    it('position layers: a symbolic startIndex other than 0 throws; 0 is accepted', () => {
      const seq = tf.input({ shape: [T, D] });
      const heads = tf.input({ shape: [T, 2, 4] });
      const ids = tf.input({ shape: [T], dtype: 'int32' });
      const layers: Array<[() => tf.layers.Layer, tf.SymbolicTensor, string]> = [
        [() => rotaryEmbedding(), heads, 'RotaryEmbedding'],
        [() => positionEmbedding({ sequenceLength: 16 }), seq, 'PositionEmbedding'],
        [() => sinusoidalPositionEncoding(), seq, 'SinusoidalPositionEncoding'],
        [() => tokenAndPositionEmbedding({ vocabularySize: 10, sequenceLength: 16, embeddingDim: D }), ids, 'TokenAndPositionEmbedding'],
      ];
      for (const [make, input, name] of layers) {
        const layer = make();
        expectThrowsNoLeak(() => layer.apply(input, { startIndex: 4 }), new RegExp(`${name}: call option startIndex = 4 .*a functional model always starts at position 0`));
        expect(layer.built).toBe(false);
        expect(() => make().apply(input, { startIndex: 0 })).not.toThrow();
      }
    });
  });
});
