/**
 * `npm run bench` end to end on a tiny configuration (cpu, n in {64, 128},
 * reference and flash, forward, one rep): the JSON has the documented schema
 * and --plot writes well-formed SVG charts; bad flags exit 2, print the usage
 * and write nothing.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkSvg } from './svg';

const root = path.resolve(__dirname, '../..');
const bench = (args: string[]) =>
  spawnSync(process.execPath, [require.resolve('ts-node/dist/bin'), '--transpile-only', 'scripts/bench.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });

describe('npm run bench', () => {
  test('tiny suite: JSON schema and SVG charts', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-'));
    const json = path.join(dir, 'tiny.json');
    const r = bench(['attention', '--backend', 'cpu', '--n', '64,128', '--variant', 'reference,flash', '--pass', 'forward', '--reps', '1', '--json', json, '--plot', dir]);
    expect({ status: r.status, stderr: r.stderr }).toMatchObject({ status: 0 }); // stderr shown on failure
    const report = JSON.parse(fs.readFileSync(json, 'utf8'));
    expect(report).toEqual(expect.objectContaining({ suite: 'attention', machine: expect.any(String), config: expect.stringMatching(/^B=\d+ H=\d+ D=\d+$/) }));
    const records = report.records as Array<Record<string, unknown>>;
    expect(records.map((x) => `${x.variant}@${x.n}`).sort()).toEqual(['flash@128', 'flash@64', 'reference@128', 'reference@64']);
    for (const rec of records) {
      expect(rec).toEqual(expect.objectContaining({ backend: 'cpu', pass: 'forward', family: expect.any(String), engine: expect.any(String) }));
      expect(rec.skipped).toBeUndefined();
      for (const k of ['timeMs', 'peakBytes', 'gflops']) expect(rec[k]).toEqual(expect.any(Number));
      expect(rec.timeMs as number).toBeGreaterThan(0);
    }
    // The reference's peak holds its [B, H, n, n] score matrix; flash's does not grow with n^2.
    const peak = (v: string, n: number) => records.find((x) => x.variant === v && x.n === n)?.peakBytes as number;
    const [B, H] = (report.config as string).match(/\d+/g)!.map(Number);
    expect(peak('reference', 128)).toBeGreaterThanOrEqual(B * H * 128 * 128 * 4);
    expect(peak('flash', 128)).toBeLessThan(B * H * 128 * 128 * 4);
    const svgs = fs.readdirSync(dir).filter((f) => f.endsWith('.svg')).sort();
    expect(svgs).toEqual(['tiny-gflops.svg', 'tiny-memory.svg', 'tiny-time.svg']);
    for (const f of svgs) {
      const { texts } = checkSvg(fs.readFileSync(path.join(dir, f), 'utf8'));
      expect(texts).toEqual(expect.arrayContaining(['reference', 'flash']));
    }
    fs.rmSync(dir, { recursive: true });
  });

  test.each([
    [['nope'], 'bench: unknown suite "nope"'],
    [['attention', '--backend', 'cpu,tpu'], 'bench: unknown backend "tpu"'],
    [['attention', '--n', '64,1k'], 'bench: --n must be positive integers (comma-separated), received "64,1k"'],
  ])('bad flags %j: exit 2, usage, nothing written', (args, message) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-'));
    const r = bench([...args, '--json', path.join(dir, 'x.json'), '--plot', dir]);
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toContain(message);
    expect(lines[1]).toMatch(/^usage: npm run bench -- <suite/);
    expect(lines).toHaveLength(2);
    expect(fs.readdirSync(dir)).toEqual([]);
    fs.rmSync(dir, { recursive: true });
  });
});
