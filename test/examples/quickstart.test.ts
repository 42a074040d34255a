/**
 * Smoke test of examples/quickstart with tiny settings: the trained model
 * beats chance on held-out sequences, the comparison produces rows for every
 * variant (skipping the reference where it cannot fit), the progress bar
 * writes what it promises, and bad flags are rejected.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@tessera/tensor';
import {
  compareConfig,
  compareVariants,
  formatComparison,
  parseArgs,
  ProgressBar,
  recallBatch,
  trainConfig,
  trainRecall,
  UsageError,
} from '../../examples/quickstart/src/main';
import { Rng } from '@tessera/tensor';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('quickstart', () => {
  test('the recall data: queries ask keys from the pairs, targets are their values', () => {
    const task = { numKeys: 8, numValues: 8, pairs: 4, queries: 3 };
    const b = recallBatch(task, 5, new Rng(1));
    const tokens = b.tokens.arraySync();
    const targets = b.targets.arraySync();
    const weights = b.weights.arraySync();
    for (let i = 0; i < 5; i++) {
      const pairs = new Map<number, number>();
      for (let p = 0; p < 4; p++) pairs.set(tokens[i][2 * p], tokens[i][2 * p + 1]);
      expect(pairs.size).toBe(4); // distinct keys
      for (let j = 8; j < 11; j++) {
        expect(weights[i][j]).toBe(1);
        expect(targets[i][j]).toBe(pairs.get(tokens[i][j]));
      }
      expect(weights[i].slice(0, 8).every((w) => w === 0)).toBe(true);
    }
    tf.dispose([b.tokens, b.targets, b.weights]);
  });

  test('a tiny flash-attention transformer beats chance on held-out sequences, without leaking', async () => {
    const before = tf.memory().numTensors;
    const c = { ...trainConfig(true), task: { numKeys: 8, numValues: 8, pairs: 4, queries: 4 }, steps: 60, batchSize: 16, evalSequences: 128 };
    c.model = { ...c.model, dim: 32, numLayers: 1 };
    const steps: number[] = [];
    const r = await trainRecall(c, (s) => steps.push(s.step));
    expect(steps).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(r.attentionPath).toBe('flash');
    expect(r.chance).toBeCloseTo(1 / 8);
    // Chance is 12.5%; a model that only learned "answer some value in the context" gets ~25%.
    expect(r.accuracy).toBeGreaterThan(0.5);
    r.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  test('the comparison measures every variant and skips the reference beyond its memory limit', async () => {
    const c = { ...compareConfig(true, 'wasm', [128, 256]), H: 2, D: 16, window: 64, memoryLimitBytes: 8 * 2 * 128 * 128 * 4 };
    const rows = await compareVariants(c);
    expect(rows).toHaveLength(8);
    const ref256 = rows.find((r) => r.variant.startsWith('reference') && r.n === 256);
    expect(ref256?.skipped).toMatch(/n x n score matrices/);
    const flash256 = rows.find((r) => r.variant === 'flash' && r.n === 256);
    expect(flash256?.timeMs).toBeGreaterThan(0);
    // The reference's peak holds at least its [B, H, n, n] scores; flash stays O(n).
    const ref128 = rows.find((r) => r.variant.startsWith('reference') && r.n === 128);
    const flash128 = rows.find((r) => r.variant === 'flash' && r.n === 128);
    expect(ref128?.peakBytes).toBeGreaterThanOrEqual(2 * 128 * 128 * 4);
    expect(flash128?.peakBytes).toBeLessThan(2 * 128 * 128 * 4);
    const table = formatComparison(rows);
    expect(table).toContain('reference (dense) at n=256: skipped, needs');
    expect(table.split('\n')[0]).toMatch(/^variant\s+n=128 time\s+peak MB\s+n=256 time/);
  });

  test('progress bar: \\r redraws on a TTY, a line every few steps otherwise', () => {
    let t = 0;
    const tty: string[] = [];
    const bar = new ProgressBar({ total: 4, stream: { isTTY: true, write: (s: string) => tty.push(s) }, now: () => t });
    t = 1000;
    bar.update({ step: 2, loss: 1.5, accuracy: 0.25, tokens: 640 });
    bar.done();
    expect(tty[0]).toBe('\r[############............] step 2/4  loss 1.500  acc  25.0%  640 tok/s  ETA 0:01');
    expect(tty[1]).toBe('\n');
    const log: string[] = [];
    const plain = new ProgressBar({ total: 20, lines: 2, stream: { write: (s: string) => log.push(s) }, now: () => 0 });
    for (let s = 1; s <= 20; s++) plain.update({ step: s, loss: 1, accuracy: 0, tokens: s });
    expect(log).toHaveLength(2);
    expect(log.every((l) => l.endsWith('\n') && !l.includes('\r'))).toBe(true);
  });

  test('flags: bad values are usage errors quoting what was received', () => {
    expect(parseArgs(['--quick', '--backend', 'cpu', '--n', '512,1024'])).toMatchObject({ quick: true, backend: 'cpu', sizes: [512, 1024] });
    expect(() => parseArgs(['--backend', 'tpu'])).toThrow(new UsageError('--backend must be one of cpu, wasm, webgpu, tensorflow, received "tpu"'));
    expect(() => parseArgs(['--n', '1k'])).toThrow('--n must be positive integers (comma-separated), received "1k"');
    expect(() => parseArgs(['--n', '0'])).toThrow(UsageError);
    expect(() => parseArgs(['--steps'])).toThrow('--steps must be positive integers (comma-separated), received null');
    expect(() => parseArgs(['--fast'])).toThrow('unknown argument "--fast"');
  });
});
