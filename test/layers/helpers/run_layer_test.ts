/**
 * The shared layer test every Tessera layer passes (after Keras's
 * `run_layer_test`): config round trip, symbolic and eager calls with the
 * expected output shape, one `model.fit` step that changes the layer's weights
 * and lowers the loss on a fixed batch, save to file:// and load with
 * identical outputs, and no leaked tensors (over the whole test, and step by
 * step around the save/load round trip).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@tessera/tensor';
import '@tessera/layers';
import { expectClose } from '../../helpers/close';

export interface LayerInputSpec {
  /** Shape without the batch axis. */
  shape: number[];
  dtype?: 'float32' | 'int32';
  /** Integer inputs are drawn from [0, maxValue). */
  maxValue?: number;
}

export interface LayerTestSpec {
  /** Builds a fresh layer (called several times). */
  make: () => tf.layers.Layer;
  inputs: LayerInputSpec[];
  /** Output shape without the batch axis. */
  outputShape: number[];
  batchSize?: number;
  seed?: number;
  /** Kwargs for the eager call. */
  callKwargs?: Record<string, unknown>;
  /** The layer has no weights of its own (only the test head trains). */
  weightless?: boolean;
  learningRate?: number;
}

function data(spec: LayerInputSpec, batch: number, rng: Rng): tf.Tensor {
  const shape = [batch, ...spec.shape];
  const n = shape.reduce((a, b) => a * b, 1);
  if (spec.dtype === 'int32') return tf.tensor(Int32Array.from({ length: n }, () => rng.int(spec.maxValue ?? 8)), shape, 'int32');
  return tf.tensor(rng.fillNormal(new Float32Array(n)), shape, 'float32');
}

function single<T>(xs: T[]): T | T[] {
  return xs.length === 1 ? xs[0] : xs;
}

/** Runs every check of the shared layer test on the active backend. */
export async function runLayerTest(spec: LayerTestSpec): Promise<void> {
  const before = tf.memory().numTensors;
  const B = spec.batchSize ?? 2;
  const rng = new Rng(spec.seed ?? 7);

  // 1. Config round trip: fromConfig(getConfig()) gives the same config.
  const layer = spec.make();
  const cls = layer.constructor as unknown as tf.serialization.SerializableConstructor<tf.layers.Layer> & { className: string };
  expect(tf.serialization.SerializationMap.getMap().classNameMap[cls.className]).toBeDefined();
  const config = layer.getConfig();
  const again = tf.serialization.SerializationMap.getMap().classNameMap[cls.className][1](cls as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>, config) as tf.layers.Layer;
  expect(again.getConfig()).toEqual(config);
  expect(JSON.parse(JSON.stringify(config))).toEqual(config);

  // 2. Symbolic call: output shape.
  const inputs = spec.inputs.map((s) => tf.input({ shape: s.shape, dtype: s.dtype ?? 'float32' }));
  const out = layer.apply(single(inputs)) as tf.SymbolicTensor;
  expect(out.shape).toEqual([null, ...spec.outputShape]);

  // 3. Eager call on a fresh layer: shape, finite values, nothing leaked.
  const xs = spec.inputs.map((s) => data(s, B, rng));
  const eager = spec.make();
  const n0 = tf.memory().numTensors;
  const y = eager.apply(single(xs), spec.callKwargs ?? {}) as tf.Tensor;
  expect(y.shape).toEqual([B, ...spec.outputShape]);
  expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
  y.dispose();
  const eagerWeights = eager.weights.length;
  expect(tf.memory().numTensors).toBe(n0 + eagerWeights);
  const y2 = eager.apply(single(xs), spec.callKwargs ?? {}) as tf.Tensor;
  y2.dispose();
  expect(tf.memory().numTensors).toBe(n0 + eagerWeights);
  eager.dispose();

  // 4. One fit step on a fixed batch: the layer's weights change and the loss drops.
  const head = tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) });
  const model = tf.model({ inputs, outputs: head.apply(out) as tf.SymbolicTensor });
  const target = tf.tensor(rng.fillNormal(new Float32Array(B * spec.outputShape.slice(0, -1).reduce((a, b) => a * b, 1))), [B, ...spec.outputShape.slice(0, -1), 1]);
  const optimizer = tf.train.adam(spec.learningRate ?? 1e-3);
  model.compile({ optimizer, loss: 'meanSquaredError' });
  const lossOf = (): number => {
    const l = model.evaluate(single(xs), target, { batchSize: B }) as tf.Scalar;
    const v = l.dataSync()[0];
    l.dispose();
    return v;
  };
  const own = layer.trainableWeights;
  if (!spec.weightless) expect(own.length).toBeGreaterThan(0);
  const snapshot = own.map((w) => w.read().dataSync().slice());
  const loss0 = lossOf();
  const h = await model.fit(single(xs), target, { epochs: 1, batchSize: B, shuffle: false, verbose: 0 });
  expect(h.history.loss.length).toBe(1);
  const loss1 = lossOf();
  expect(loss1).toBeLessThan(loss0);
  own.forEach((w, i) => {
    const now = w.read().dataSync();
    expect({ weight: w.name, changed: now.some((v, j) => v !== snapshot[i][j]) }).toEqual({ weight: w.name, changed: true });
  });

  // 5. Save to file:// and load: identical outputs; the round trip leaks nothing by itself
  // (checked here, not only at the end, so a leak is reported where it happens).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-layer-'));
  try {
    const beforeSave = tf.memory().numTensors;
    await model.save(`file://${dir}`);
    expect(fs.readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
    expect({ step: 'save', leaked: tf.memory().numTensors - beforeSave }).toEqual({ step: 'save', leaked: 0 });
    const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
    const withLoaded = tf.memory().numTensors;
    expect(withLoaded - beforeSave).toBe(loaded.weights.length);
    const p1 = model.predict(single(xs)) as tf.Tensor;
    const p2 = loaded.predict(single(xs)) as tf.Tensor;
    expectClose(p2, p1, { atol: 1e-6, rtol: 1e-6 }, 'loaded model output');
    expect(loaded.weights.map((w) => w.originalName)).toEqual(model.weights.map((w) => w.originalName));
    tf.dispose([p1, p2]);
    tf.dispose(loaded.predict(single(xs)) as tf.Tensor); // a second call: nothing cached per call either
    expect({ step: 'loaded predict', leaked: tf.memory().numTensors - withLoaded }).toEqual({ step: 'loaded predict', leaked: 0 });
    loaded.dispose();
    expect({ step: 'loaded dispose', leaked: tf.memory().numTensors - beforeSave }).toEqual({ step: 'loaded dispose', leaked: 0 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  model.dispose();
  optimizer.dispose();
  tf.dispose([...xs, target]);
  // 6. Nothing leaked over the whole test.
  expect(tf.memory().numTensors).toBe(before);
}
