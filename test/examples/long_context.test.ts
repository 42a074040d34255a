/**
 * Smoke test of examples/long-context at tiny sizes: every variant is measured
 * at doubling n until it stops, the reference stops on memory where its n x n
 * scores would not fit, and the results are written as JSON plus well-formed
 * log-log SVG charts.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@tessera/tensor';
import { formatLongContext, longContextConfig, measureLongContext, writeResults } from '../../examples/long-context/src/main';
import { checkSvg } from './svg';

beforeAll(async () => {
  await initBackend('wasm');
});

test('long-context: doubling sizes, the reference stops on memory, JSON + SVG written', async () => {
  const before = tf.memory().numTensors;
  // Room for the reference's ~8 score-sized tensors at n = 128 but not at 256.
  const c = { ...longContextConfig(true, 'wasm'), H: 2, D: 16, start: 64, maxN: 512, window: 64, referenceMemoryLimit: 8 * 2 * 128 * 128 * 4 };
  const points = await measureLongContext(c);
  expect(tf.memory().numTensors).toBe(before);
  const ran = (v: string) => points.filter((p) => p.variant.startsWith(v) && !p.skipped).map((p) => p.n);
  expect(ran('reference')).toEqual([64, 128]);
  expect(points.find((p) => p.variant === 'reference' && p.skipped)).toMatchObject({ n: 256, skipped: expect.stringMatching(/^out of memory: ~\d\.\d GB of n x n scores/) });
  for (const v of ['flash', 'block-sparse', 'linear']) expect(ran(v)).toEqual([64, 128, 256, 512]);
  // Flash's peak grows linearly (output only); the reference's grows with n^2.
  const peak = (v: string, n: number) => points.find((p) => p.variant.startsWith(v) && p.n === n)?.peakBytes as number;
  expect(peak('reference', 128) / peak('reference', 64)).toBeGreaterThan(3);
  expect(peak('flash', 512) / peak('flash', 256)).toBeCloseTo(2, 1);
  expect(formatLongContext(points)).toContain('flash\n  longest n: 512; stopped at 1k: beyond the largest size tried (512)');

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-long-context-'));
  const files = await writeResults(points, c, 'wasm', dir);
  expect(files.map((f) => path.basename(f))).toEqual(['long-context.json', 'long-context-time.svg', 'long-context-memory.svg']);
  const json = JSON.parse(fs.readFileSync(files[0], 'utf8'));
  expect(json.records).toHaveLength(points.length);
  for (const f of files.slice(1)) expect(checkSvg(fs.readFileSync(f, 'utf8')).texts).toEqual(expect.arrayContaining(['reference', 'flash', 'linear (elu+1)']));
  fs.rmSync(dir, { recursive: true });
});
