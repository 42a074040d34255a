/**
 * Symbolic inputs listed twice in one layer call. tfjs-layers' graph executor
 * (predict, evaluate, fit's validation pass) disposes such a tensor after that
 * call even when a later layer still needs it, so Keras's `mha(x, x)` followed
 * by a residual failed with "Tensor is disposed". MultiHeadAttention now passes
 * repeats that its defaults express ([x, x], [x, x, x], [q, v, v]) once; other
 * repeats of a non-input tensor are refused with a clear error.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@tessera/tensor';
import { multiHeadAttention, transformerDecoder } from '@tessera/layers';
import { expectClose } from '../helpers/close';

const T = 4;
const D = 8;

/** input -> dense -> x; x + mha(call(x)) -> dense: x has two consumers, as in any residual block. */
function residualModel(call: (x: tf.SymbolicTensor, mha: tf.layers.Layer) => tf.SymbolicTensor): tf.LayersModel {
  const inp = tf.input({ shape: [T, D] });
  const x = tf.layers.dense({ units: D, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(inp) as tf.SymbolicTensor;
  const mha = multiHeadAttention({ numHeads: 2, keyDim: 4, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) });
  const y = tf.layers.add().apply([x, call(x, mha)]) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }).apply(y) as tf.SymbolicTensor;
  return tf.model({ inputs: inp, outputs: out });
}

describe('functional API: the same symbolic tensor twice in one call [wasm]', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('Keras-style mha.apply([x, x]) + residual: fit with validation, evaluate, predict, save/load', async () => {
    const before = tf.memory().numTensors;
    const model = residualModel((x, mha) => mha.apply([x, x]) as tf.SymbolicTensor);
    const ref = residualModel((x, mha) => mha.apply(x) as tf.SymbolicTensor);
    ref.setWeights(model.getWeights());
    const xs = tf.randomNormal([8, T, D], 0, 1, 'float32', 4);
    const ys = tf.randomNormal([8, T, 1], 0, 1, 'float32', 5);
    // Same graph as self-attention called with x once.
    const p = model.predict(xs) as tf.Tensor;
    const pr = ref.predict(xs) as tf.Tensor;
    expectClose(p, pr, { atol: 1e-6, rtol: 1e-6 }, '[x, x] vs x');
    const optimizer = tf.train.adam(1e-2);
    model.compile({ optimizer, loss: 'meanSquaredError' });
    const h = await model.fit(xs, ys, { epochs: 2, batchSize: 4, validationSplit: 0.25, verbose: 0 });
    expect(h.history.val_loss).toHaveLength(2);
    const ev = model.evaluate(xs, ys) as tf.Scalar;
    expect(Number.isFinite(ev.dataSync()[0])).toBe(true);
    // Saved and loaded: the layer's inbound node lists x once, and the outputs match.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-dup-'));
    try {
      await model.save(`file://${dir}`);
      const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      const node = json.modelTopology.config.layers.find((l: { class_name: string }) => l.class_name === 'TesseraMultiHeadAttention');
      expect(node.inbound_nodes[0]).toHaveLength(1);
      const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
      const a = model.predict(xs) as tf.Tensor;
      const b = loaded.predict(xs) as tf.Tensor;
      expectClose(b, a, { atol: 1e-6, rtol: 1e-6 }, 'loaded');
      tf.dispose([a, b]);
      loaded.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    tf.dispose([xs, ys, p, pr, ev]);
    model.dispose();
    ref.dispose();
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('[x, x, x] and [q, v, v] mean what their defaults mean; a model input may repeat', () => {
    const q = tf.input({ shape: [T, D] });
    const v = tf.input({ shape: [T + 1, D] });
    const mha = multiHeadAttention({ numHeads: 2, keyDim: 4 });
    const x = tf.layers.dense({ units: D }).apply(q) as tf.SymbolicTensor;
    const triple = mha.apply([x, x, x]) as tf.SymbolicTensor;
    expect(triple.sourceLayer).toBe(mha);
    expect(mha.inboundNodes[mha.inboundNodes.length - 1].inputTensors).toEqual([x]);
    mha.apply([q, v, v]);
    expect(mha.inboundNodes[mha.inboundNodes.length - 1].inputTensors).toEqual([q, v]);
    // A model input is the caller's feed, never disposed by the executor: left as given.
    const other = multiHeadAttention({ numHeads: 2, keyDim: 4 });
    other.apply([q, v, q] as tf.SymbolicTensor[]);
    expect(other.inboundNodes[0].inputTensors).toEqual([q, v, q]);
  });

  it('repeats its defaults cannot express are refused, naming the positions and a remedy', () => {
    const q = tf.input({ shape: [T, D] });
    const k = tf.input({ shape: [T, D] });
    const x = tf.layers.dense({ units: D }).apply(q) as tf.SymbolicTensor;
    const mha = multiHeadAttention({ numHeads: 2, keyDim: 4 });
    expect(() => mha.apply([x, x, k])).toThrow(/MultiHeadAttention.*query and value are the same symbolic tensor ".+": .*"Tensor is disposed".*tf\.layers\.reshape/);
    expect(mha.inboundNodes).toHaveLength(0);
    const dec = transformerDecoder({ intermediateDim: 8, numHeads: 2 });
    expect(() => dec.apply([x, x])).toThrow(/TransformerDecoder.*decoderSequence and encoderSequence are the same symbolic tensor/);
  });
});
