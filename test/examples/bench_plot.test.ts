import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { chartSpec, plotBenchResults, plotCli, validateReport, BenchReport } from '../../scripts/bench/plot';
import { checkSvg } from './svg';

const report: BenchReport = {
  suite: 'tiny',
  machine: 'test machine',
  config: 'B=1 H=2 D=8',
  records: [
    { variant: 'reference', family: 'reference', backend: 'cpu', n: 64, timeMs: 2, peakBytes: 65536, gflops: 0.5 },
    { variant: 'reference', family: 'reference', backend: 'cpu', n: 128, timeMs: 8, peakBytes: 262144, gflops: 0.5 },
    { variant: 'reference', family: 'reference', backend: 'cpu', n: 256, skipped: 'over the memory limit' },
    { variant: 'flash', family: 'flash', backend: 'cpu', n: 64, timeMs: 1, peakBytes: 4096, gflops: 1 },
    { variant: 'flash', family: 'flash', backend: 'cpu', n: 128, timeMs: 4, peakBytes: 8192, gflops: 1 },
    { variant: 'flash', family: 'flash', backend: 'wasm', n: 64, timeMs: 0.5, peakBytes: 4096, gflops: 2 },
  ],
};

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-plot-'));

describe('bench plot tool', () => {
  test('writes one well-formed SVG per metric with one line per variant/backend', async () => {
    const dir = tmp();
    const files = await plotBenchResults(report, dir);
    expect(files.map((f) => path.basename(f)).sort()).toEqual(['bench-tiny-gflops.svg', 'bench-tiny-memory.svg', 'bench-tiny-time.svg']);
    for (const f of files) {
      const { elements, texts } = checkSvg(fs.readFileSync(f, 'utf8'));
      expect(elements).toContain('path');
      // The legend names every series; backend appears because the records hold two.
      for (const label of ['reference / cpu', 'flash / cpu', 'flash / wasm']) expect(texts).toContain(label);
      expect(texts.join(' ')).toContain('test machine');
    }
    fs.rmSync(dir, { recursive: true });
  });

  test('labels name the engine only where one variant ran on several', () => {
    const recs = [
      { variant: 'flash', backend: 'cpu', engine: 'ts', n: 64, timeMs: 1 },
      { variant: 'reference', backend: 'cpu', engine: 'tfjs', n: 64, timeMs: 1 },
    ];
    const labels = (rs: typeof recs) => (chartSpec({ suite: 's', records: rs }, 'time') as { data: { values: Array<{ series: string }> } }).data.values.map((v) => v.series);
    expect(labels(recs)).toEqual(['flash', 'reference']);
    expect(labels([...recs, { variant: 'flash', backend: 'cpu', engine: 'native', n: 64, timeMs: 1 }])).toEqual(['flash / ts', 'reference / tfjs', 'flash / native']);
  });

  test('the spec plots measured points only, log-log', () => {
    const spec = chartSpec(report, 'memory') as { data: { values: Array<{ n: number; y: number; series: string }> }; encoding: Record<string, { scale: { type: string } }> };
    expect(spec.data.values).toHaveLength(5); // the skipped record is left out
    expect(spec.data.values[0]).toEqual({ n: 64, y: 65536 / 2 ** 20, series: 'reference / cpu' });
    expect(spec.encoding.x.scale.type).toBe('log');
    expect(spec.encoding.y.scale.type).toBe('log');
  });

  test('bad results name the field, quote the value and write nothing', async () => {
    const dir = path.join(tmp(), 'out');
    const bad = { ...report, records: [...report.records, { variant: 'flash', backend: 'cpu', n: 1.5, timeMs: 1 }] };
    await expect(plotBenchResults(bad, dir)).rejects.toThrow('records[6].n must be a positive integer, received 1.5');
    await expect(plotBenchResults({ records: [] }, dir)).rejects.toThrow('results.suite must be a non-empty string, received undefined');
    await expect(plotBenchResults({ suite: 's', records: [{ variant: 'a', backend: 'cpu', n: 4, timeMs: -1 }] }, dir)).rejects.toThrow('records[0].timeMs must be a finite number >= 0 or null, received -1');
    expect(validateReport(report)).toBe(report);
    expect(fs.existsSync(dir)).toBe(false);
  });

  test('CLI: bad arguments exit 2 with usage and write nothing', async () => {
    const dir = tmp();
    const input = path.join(dir, 'r.json');
    fs.writeFileSync(input, JSON.stringify(report));
    const errors: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((m: string) => void errors.push(m));
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(await plotCli([input])).toBe(2);
      expect(await plotCli([input, path.join(dir, 'a'), '--color'])).toBe(2);
      expect(await plotCli([path.join(dir, 'missing.json'), path.join(dir, 'b')])).toBe(2);
      expect(errors.every((e) => e.includes('usage: ts-node scripts/bench/plot.ts'))).toBe(true);
      expect(fs.readdirSync(dir)).toEqual(['r.json']);
      expect(await plotCli([input, path.join(dir, 'c'), '--prefix', 'p'])).toBe(0);
      expect(fs.readdirSync(path.join(dir, 'c')).sort()).toEqual(['p-gflops.svg', 'p-memory.svg', 'p-time.svg']);
    } finally {
      spy.mockRestore();
      log.mockRestore();
      fs.rmSync(dir, { recursive: true });
    }
  });
});
