/**
 * Smoke test of examples/tiny-gpt with a tiny model and a few steps: training
 * lowers the loss, cached sampling equals uncached sampling with the same
 * seed, and the model reloaded through file:// gives identical logits.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend, Rng } from '@tessera/tensor';
import { CharData, createGpt, evalLoss, parseArgs, sample, saveAndReload, tinyGptConfig, train } from '../../examples/tiny-gpt/src/main';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('tiny-gpt', () => {
  const data = CharData.load();
  const c = { ...tinyGptConfig(true, 25), batchSize: 8 };
  c.model = { ...c.model, sequenceLength: 32, hiddenDim: 32, numHeads: 2, intermediateDim: 64 };

  test('the shipped text: public domain header, encode/decode round trip, shifted targets', () => {
    expect(data.text.slice(0, 400)).toContain('A Public Domain Text, Copyright Expired');
    expect(data.text.length).toBeGreaterThan(300_000);
    expect(data.decode(data.encode('CYNIC, n.'))).toBe('CYNIC, n.');
    const { x, y } = data.batch(2, 8, new Rng(3));
    const xs = x.arraySync();
    const ys = y.arraySync();
    expect(xs[0].slice(1)).toEqual(ys[0].slice(0, 7));
    tf.dispose([x, y]);
    expect(() => data.encode('\u00e9')).toThrow('character "\u00e9" is not in the training text');
  });

  test('trains, samples identically with and without the KV cache, reloads with identical logits', async () => {
    const start = tf.memory().numTensors;
    const gpt = createGpt(data, c);
    const weights = tf.memory().numTensors;
    const T = c.model.sequenceLength;
    const lossBefore = evalLoss(gpt, data, T, 2, 11);
    await train(gpt, data, c);
    const lossAfter = evalLoss(gpt, data, T, 2, 11);
    // The character distribution alone takes the loss well below its start (~ln 82 = 4.4).
    expect(lossAfter).toBeLessThan(lossBefore - 0.5);

    const cached = sample(gpt, data, 'WAR, n.', 20, true, 3);
    const uncached = sample(gpt, data, 'WAR, n.', 20, false, 3);
    expect(cached.tokens).toHaveLength(27);
    expect(cached.text).toBe(uncached.text);
    expect(sample(gpt, data, 'WAR, n.', 20, true, 4).text).not.toBe(cached.text); // the seed matters
    // Training, evaluation and sampling (caches included) leave only the model's weights.
    expect(tf.memory().numTensors).toBe(weights);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-tiny-gpt-test-'));
    const reloaded = await saveAndReload(gpt, dir);
    expect(fs.readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
    const { x: probe, y: unused } = data.batch(2, T, new Rng(8));
    const a = gpt.logits(probe);
    const b = reloaded.predict(probe) as tf.Tensor;
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([probe, unused, a, b]);
    reloaded.dispose();
    gpt.dispose();
    fs.rmSync(dir, { recursive: true });
    expect(tf.memory().numTensors).toBe(start);
  });

  test('flags', () => {
    expect(parseArgs(['--quick', '--steps', '5'])).toEqual({ quick: true, steps: 5 });
    expect(() => parseArgs(['--steps', '-1'])).toThrow('--steps must be a positive integer, received "-1"');
    expect(() => parseArgs(['--backend', 'gpu'])).toThrow('--backend must be one of cpu, wasm, webgpu, tensorflow, received "gpu"');
  });
});
