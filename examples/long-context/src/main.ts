/**
 * long-context: time and peak memory versus sequence length for each attention
 * variant, n = 1k, 2k, 4k, ... doubling until the next size would exceed the
 * time budget (2 minutes per run, extrapolated from the last size) or memory.
 * Prints a table and writes a log-log chart per metric (SVG, through the
 * benchmark plot tool scripts/bench/plot.ts) and the results as JSON.
 *
 *   npm start -w @tessera/example-long-context [-- --quick] [-- --backend cpu] [-- --out DIR]
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { attentionReference, info } from '@tessera/attention';
import { initBackend } from '@tessera/tensor';
import { parseStudyArgs, studyUsage } from '../../quickstart/src/study_args';
import { measureRun, randomInputs, tiledVariants, Variant, warmUp } from '../../quickstart/src/variants';

export interface LongContextConfig {
  B: number;
  H: number;
  D: number;
  /** First size; doubled until a variant stops. */
  start: number;
  /** Largest size tried (inputs q, k, v and output must fit in memory). */
  maxN: number;
  /** Stop a variant when its next run is estimated to take longer (ms). */
  budgetMs: number;
  /** The reference stops when ~8 score-sized tensors (its measured peak) would exceed this (bytes). */
  referenceMemoryLimit: number;
  window: number;
}

export interface Point {
  variant: string;
  n: number;
  timeMs: number | null;
  peakBytes: number | null;
  skipped?: string;
}

function variantsFor(c: LongContextConfig): { list: Variant[]; dispose(): void } {
  const tiled = tiledVariants(c.window);
  const list: Variant[] = [
    {
      name: 'reference',
      order: 2,
      run: (q, k, v) => attentionReference(q, k, v, { causal: true }),
      cannot: (n) => {
        const need = 8 * c.B * c.H * n * n * 4;
        return need > c.referenceMemoryLimit ? `out of memory: ~${(need / 2 ** 30).toFixed(1)} GB of n x n scores > ${(c.referenceMemoryLimit / 2 ** 30).toFixed(1)} GB` : '';
      },
    },
    ...tiled.list,
  ];
  return { list, dispose: tiled.dispose };
}

/** Measures every variant at doubling sizes until it stops; `onPoint` sees each point as it is measured. */
export async function measureLongContext(c: LongContextConfig, onPoint?: (p: Point) => void): Promise<Point[]> {
  const points: Point[] = [];
  const vs = variantsFor(c);
  const active = new Map(vs.list.map((v) => [v.name, v]));
  const last = new Map<string, { n: number; ms: number }>();
  const add = (p: Point) => {
    points.push(p);
    onPoint?.(p);
  };
  warmUp(vs.list, c.B, c.H, c.D);
  try {
    for (let n = c.start; n <= c.maxN && active.size > 0; n *= 2) {
      const [q, k, v] = randomInputs(c.B, c.H, n, c.D);
      for (const vr of [...active.values()]) {
        const prev = last.get(vr.name);
        const estimate = prev ? prev.ms * (n / prev.n) ** vr.order : 0;
        const why = vr.cannot?.(n) || (estimate > c.budgetMs ? `over the time budget: ~${(estimate / 1000).toFixed(0)} s > ${(c.budgetMs / 1000).toFixed(0)} s` : '');
        if (why) {
          add({ variant: vr.name, n, timeMs: null, peakBytes: null, skipped: why });
          active.delete(vr.name);
          continue;
        }
        const m = await measureRun(vr, q, k, v, n);
        last.set(vr.name, { n, ms: m.timeMs });
        add({ variant: vr.name, n, timeMs: m.timeMs, peakBytes: m.peakBytes });
      }
      tf.dispose([q, k, v]);
    }
  } finally {
    vs.dispose();
  }
  for (const name of active.keys()) add({ variant: name, n: 2 * (last.get(name)?.n ?? c.start), timeMs: null, peakBytes: null, skipped: `beyond the largest size tried (${c.maxN})` });
  return points;
}

const fmtN = (n: number) => (n >= 1024 && n % 1024 === 0 ? `${n / 1024}k` : String(n));

/** One line per variant: the largest n it ran, its time and peak there, and why it stopped. */
export function formatLongContext(points: Point[]): string {
  const names = [...new Set(points.map((p) => p.variant))];
  const rows = names.map((name) => {
    const ran = points.filter((p) => p.variant === name && !p.skipped);
    const top = ran[ran.length - 1];
    const stop = points.find((p) => p.variant === name && p.skipped);
    const series = ran.map((p) => `${fmtN(p.n)}: ${(p.timeMs as number) >= 1000 ? `${((p.timeMs as number) / 1000).toFixed(1)} s` : `${(p.timeMs as number).toFixed(0)} ms`} / ${((p.peakBytes as number) / 2 ** 20).toFixed(0)} MB`).join(', ');
    return `${name}\n  longest n: ${top ? fmtN(top.n) : '-'}; stopped at ${stop ? fmtN(stop.n) : '-'}: ${stop?.skipped ?? '-'}\n  time / peak: ${series}`;
  });
  return rows.join('\n');
}

/** Writes results.json and the log-log charts (time, memory) with the benchmark plot tool. */
export async function writeResults(points: Point[], c: LongContextConfig, backend: string, outDir: string): Promise<string[]> {
  const report = {
    suite: 'long-context',
    config: `causal, B=${c.B} H=${c.H} D=${c.D}, ${backend}`,
    records: points.map((p) => ({ variant: p.variant, backend, n: p.n, timeMs: p.timeMs, peakBytes: p.peakBytes, ...(p.skipped ? { skipped: p.skipped } : {}) })),
  };
  fs.mkdirSync(outDir, { recursive: true });
  const json = path.join(outDir, 'long-context.json');
  fs.writeFileSync(json, JSON.stringify(report, null, 1) + '\n');
  // The repository's plot tool (vega-lite -> SVG in Node); required at run time (ts-node compiles it).
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const plot = require(path.resolve(__dirname, '../../../scripts/bench/plot')) as { plotBenchResults(r: unknown, dir: string, prefix: string): Promise<string[]> };
  return [json, ...(await plot.plotBenchResults(report, outDir, 'long-context'))];
}

export function longContextConfig(quick: boolean, backend: string): LongContextConfig {
  return {
    B: 1,
    H: 4,
    D: 64,
    start: 1024,
    // q, k, v and the output at 256k: 4 x 256 MB, within wasm's 4 GB heap.
    maxN: quick ? 16384 : 262144,
    budgetMs: quick ? 10_000 : 120_000,
    referenceMemoryLimit: (backend === 'wasm' ? 3 : 6) * 2 ** 30,
    window: 256,
  };
}

const USAGE = studyUsage('@tessera/example-long-context');

async function main(argv: string[]): Promise<void> {
  const { quick, backend: backendName, out } = parseStudyArgs(argv, 'long-context', USAGE, path.resolve(__dirname, '..', 'results'));
  const backend = await initBackend(backendName);
  const c = longContextConfig(quick, backend.name);
  console.log(`long-context - backend: ${backend.reason}; engine: ${info().engine}`);
  console.log(`Causal attention, B=${c.B} H=${c.H} D=${c.D}; n doubles from ${fmtN(c.start)} while the next run fits in ${c.budgetMs / 1000} s (extrapolated) and in memory.\n`);
  const points = await measureLongContext(c, (p) => console.log(`  ${p.variant.padEnd(26)} n=${fmtN(p.n).padStart(5)}  ${p.skipped ? `stop: ${p.skipped}` : `${(p.timeMs as number).toFixed(0)} ms, peak ${((p.peakBytes as number) / 2 ** 20).toFixed(1)} MB`}`));
  console.log(`\n${formatLongContext(points)}\n`);
  const files = await writeResults(points, c, backend.name, out);
  console.log(`wrote ${files.map((f) => path.relative(process.cwd(), f)).join(', ')}`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
