/**
 * Smoke test of examples/associative-recall at tiny sizes: softmax attention
 * learns recall well above chance, a sliding window too short to reach the
 * pairs does not, and the table and the SVG chart are produced.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@tessera/tensor';
import { cellConfig, formatStudy, plotStudy, runStudy, studyConfig, variants } from '../../examples/associative-recall/src/main';
import { checkSvg } from './svg';

beforeAll(async () => {
  await initBackend('wasm');
});

test('MQAR: flash recalls, a 2-token window cannot reach the pairs; table and chart', async () => {
  const before = tf.memory().numTensors;
  const s = { ...studyConfig(true), pairs: [6], queries: 4, vocab: 16, steps: 100, batchSize: 16, evalSequences: 128, variants: variants(2).filter((v) => v.name !== 'linear (elu+1)') };
  expect(cellConfig(s, s.variants[1], 6).model.window).toEqual([1, 0]);
  const points = await runStudy(s);
  expect(tf.memory().numTensors).toBe(before);
  const acc = (name: string) => points.find((p) => p.variant.startsWith(name))?.accuracy as number;
  // Chance is 1/16. A query sees itself and the token before it: at most the first
  // query can reach a value (that of the last pair).
  expect(acc('softmax')).toBeGreaterThan(0.5);
  expect(acc('sliding')).toBeLessThan(0.25);
  expect(formatStudy(points).split('\n')[0]).toMatch(/^variant\s+6 pairs$/);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-mqar-')), 'mqar.svg');
  await plotStudy(points, file);
  expect(checkSvg(fs.readFileSync(file, 'utf8')).texts).toEqual(expect.arrayContaining(['softmax (flash)', 'sliding window (2 tokens)']));
  fs.rmSync(path.dirname(file), { recursive: true });
});
