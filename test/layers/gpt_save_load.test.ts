/**
 * A Gpt model saved with file:// and loaded with tf.loadLayersModel: identical
 * logits, and loading, predicting and disposing leave no tensor behind (the
 * configuration of examples/tiny-gpt: RoPE, flash; and the default one).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@tessera/tensor';
import { Gpt, GptArgs } from '@tessera/layers';

const BASE: GptArgs = { vocabularySize: 11, sequenceLength: 12, hiddenDim: 16, numLayers: 2, numHeads: 2, intermediateDim: 32 };

describe('Gpt save/load round trip [wasm]', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  const cases: Array<[string, Partial<GptArgs>]> = [
    ['learned positions (default)', {}],
    ['rope + flash (examples/tiny-gpt)', { positional: 'rope', attention: 'flash' }],
  ];
  for (const [name, extra] of cases) {
    it(`${name}: identical logits, no tensor left after load + predict + dispose`, async () => {
      const gpt = new Gpt({ ...BASE, ...extra });
      const ids = tf.tensor2d([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 1], [3, 3, 2, 1, 0, 9, 8, 7, 6, 5, 4, 3]], [2, 12], 'int32');
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-gpt-io-'));
      try {
        await gpt.model.save(`file://${dir}`);
        const before = tf.memory().numTensors;
        const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
        expect(tf.memory().numTensors - before).toBe(loaded.weights.length);
        const a = gpt.logits(ids);
        const b = loaded.predict(ids) as tf.Tensor;
        expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
        tf.dispose([a, b]);
        const first5 = tf.slice(ids, [0, 0], [1, 5]);
        tf.dispose([first5, loaded.predict(first5) as tf.Tensor]); // another shape
        expect(tf.memory().numTensors - before).toBe(loaded.weights.length);
        loaded.dispose();
        expect(tf.memory().numTensors).toBe(before);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
        ids.dispose();
        gpt.dispose();
      }
    });
  }
});
