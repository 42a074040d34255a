/**
 * The onnxruntime-node WebGPU variant of `npm run bench -- attention`
 * (scripts/bench/variants/onnx.ts): the [B, H, n, D] <-> [B, n, H*D] layout
 * its MultiHeadAttention graph needs, and one end-to-end row on webgpu (where
 * Dawn finds an adapter): timed, engine named, no tfjs peak, and the self-check
 * against ORT's CPU EP printed, or skipped with the reason when onnxruntime-node
 * or its WebGPU EP is unavailable, never a crash.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fromMhaLayout, toMhaLayout } from '../../scripts/bench/onnx/ort_webgpu';

describe('ort-webgpu-mha layout', () => {
  test('toMhaLayout puts x[b, h, i, d] at out[b, i, h*D + d]; fromMhaLayout inverts it', () => {
    const [B, H, n, D] = [2, 3, 5, 4];
    const x = Float32Array.from({ length: B * H * n * D }, (_, i) => i + 0.5);
    const y = toMhaLayout(x, B, H, n, D);
    for (let b = 0; b < B; b++)
      for (let h = 0; h < H; h++)
        for (let i = 0; i < n; i++)
          for (let d = 0; d < D; d++) expect(y[(b * n + i) * H * D + h * D + d]).toBe(x[((b * H + h) * n + i) * D + d]);
    expect(Array.from(fromMhaLayout(y, B, H, n, D))).toEqual(Array.from(x));
  });
});

// Skipped only where Dawn finds no WebGPU adapter (test/webgpu/dawn_setup.ts); CI has lavapipe.
const hasGpu = process.env.TESSERA_WEBGPU_ADAPTER === 'yes';
(hasGpu ? describe : describe.skip)('bench attention --variant ort-webgpu-mha on webgpu', () => {
  test('one row: timed with the self-check note, or skipped with the reason', () => {
    const root = path.resolve(__dirname, '../..');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-'));
    const json = path.join(dir, 'ort.json');
    const args = ['attention', '--backend', 'webgpu', '--n', '64', '--variant', 'ort-webgpu-mha', '--reps', '1', '--json', json];
    const r = spawnSync(process.execPath, [require.resolve('ts-node/dist/bin'), '--transpile-only', 'scripts/bench.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect({ status: r.status, stderr: r.stderr }).toMatchObject({ status: 0 });
    const records = JSON.parse(fs.readFileSync(json, 'utf8')).records as Array<Record<string, unknown>>;
    expect(records).toHaveLength(1); // forward only: ORT has no backward here
    const rec = records[0];
    expect(rec).toEqual(expect.objectContaining({ variant: 'ort-webgpu-mha', family: 'onnx', pass: 'forward', n: 64, peakBytes: null }));
    const row = r.stdout.split('\n').find((l) => l.startsWith('ort-webgpu-mha'));
    if (rec.skipped) {
      // onnxruntime-node (or its WebGPU EP, or an adapter for it) is missing: the reason is printed.
      expect(rec.skipped).toMatch(/onnxruntime-node/);
      expect(row).toContain(`skipped: ${rec.skipped}`);
    } else {
      expect(rec.timeMs as number).toBeGreaterThan(0);
      expect(rec.gflops).toBeCloseTo((4 * 64 * 64 * 64 * 8) / (rec.timeMs as number) / 1e6, 2);
      expect(rec.engine).toBe('onnxruntime-node webgpu EP (host I/O)');
      expect(rec.note).toMatch(/ORT CPU EP/);
      expect(row).toContain(rec.note as string);
    }
    fs.rmSync(dir, { recursive: true });
  });
});
