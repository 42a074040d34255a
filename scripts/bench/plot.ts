/**
 * Benchmark plots: the runner's JSON results -> SVG files (time, peak memory and
 * GFLOP/s versus n, log-log, one line per variant/engine/backend), rendered in
 * Node with vega + vega-lite (no browser, no canvas: vega's 'none' renderer
 * produces SVG strings and estimates text widths itself).
 *
 * Library use (the runner's `--plot`):
 *   const files = await plotBenchResults(report, 'docs/img', 'bench-attention');
 * Standalone:
 *   npx ts-node --transpile-only scripts/bench/plot.ts results.json outdir [--prefix name]
 *
 * Every record is checked and every chart is rendered before anything is written,
 * so bad input writes nothing.
 */
import * as fs from 'fs';
import * as path from 'path';
// vega 5 and vega-lite 5 ship CommonJS builds (vega 6 is ESM-only and does not load under ts-node/jest here).
// eslint-disable-next-line @typescript-eslint/no-var-requires
const vega = require('vega') as typeof import('vega');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const vegaLite = require('vega-lite') as typeof import('vega-lite');

/** One measured (or skipped) configuration, as the runner writes it. */
export interface BenchRecord {
  /** Variant id, e.g. 'reference', 'flash', 'sparse-window256'. */
  variant: string;
  /** Variant family: 'reference' | 'flash' | 'sparse' | 'linear' | ... */
  family?: string;
  /** tfjs backend the record ran on: 'cpu' | 'wasm' | 'webgpu' | 'tensorflow'. */
  backend: string;
  /** Engine behind the kernel where it matters ('ts', 'native'); optional. */
  engine?: string;
  /** 'forward' (default) or 'forwardBackward'. */
  pass?: string;
  /** Sequence length. */
  n: number;
  /** Median wall time in milliseconds; null/absent when skipped. */
  timeMs?: number | null;
  /** Peak bytes allocated by tfjs during the call; null/absent when unknown. */
  peakBytes?: number | null;
  /** Achieved GFLOP/s; null/absent when unknown. */
  gflops?: number | null;
  /** Why the configuration did not run (e.g. 'score matrix 8.6 GB > limit'); absent when it ran. */
  skipped?: string;
}

/** The runner's JSON file. */
export interface BenchReport {
  suite: string;
  /** Free text describing the machine (CPU, cores, memory, Node), shown under each chart title. */
  machine?: string;
  /** Problem shape or other context shown in the subtitle, e.g. 'B=1 H=8 D=64'. */
  config?: string;
  records: BenchRecord[];
}

type Metric = 'time' | 'memory' | 'gflops';
const METRICS: Record<Metric, { field: 'timeMs' | 'peakBytes' | 'gflops'; title: string; scale: number }> = {
  time: { field: 'timeMs', title: 'time (ms)', scale: 1 },
  memory: { field: 'peakBytes', title: 'peak memory (MiB)', scale: 1 / 2 ** 20 },
  gflops: { field: 'gflops', title: 'GFLOP/s', scale: 1 },
};

const fail = (message: string): never => {
  throw new Error(`plot: ${message}`);
};

/** Checks the shape of a parsed results file; throws naming the first bad field and quoting it. */
export function validateReport(x: unknown): BenchReport {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) fail(`results must be an object {suite, records}, received ${JSON.stringify(x)?.slice(0, 80)}`);
  const r = x as Record<string, unknown>;
  if (typeof r.suite !== 'string' || !r.suite) fail(`results.suite must be a non-empty string, received ${JSON.stringify(r.suite)}`);
  if (!Array.isArray(r.records)) fail(`results.records must be an array, received ${JSON.stringify(r.records)?.slice(0, 80)}`);
  (r.records as unknown[]).forEach((rec, i) => {
    const o = rec as Record<string, unknown>;
    if (typeof o !== 'object' || o === null) fail(`records[${i}] must be an object, received ${JSON.stringify(rec)}`);
    for (const k of ['variant', 'backend']) if (typeof o[k] !== 'string' || !o[k]) fail(`records[${i}].${k} must be a non-empty string, received ${JSON.stringify(o[k])}`);
    if (!Number.isInteger(o.n) || (o.n as number) <= 0) fail(`records[${i}].n must be a positive integer, received ${JSON.stringify(o.n)}`);
    for (const k of ['timeMs', 'peakBytes', 'gflops']) {
      const v = o[k];
      if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) fail(`records[${i}].${k} must be a finite number >= 0 or null, received ${JSON.stringify(v)}`);
    }
  });
  return r as unknown as BenchReport;
}

/** Line label: variant, plus backend/pass where the records hold several, engine where one variant ran on several. */
function seriesLabeler(records: BenchRecord[]): (r: BenchRecord) => string {
  const distinct = (f: (r: BenchRecord) => string | undefined) => new Set(records.map(f)).size > 1;
  const engines = new Map<string, Set<string | undefined>>();
  for (const r of records) engines.set(r.variant, (engines.get(r.variant) ?? new Set()).add(r.engine));
  const withEngine = [...engines.values()].some((e) => e.size > 1);
  const withBackend = distinct((r) => r.backend);
  const withPass = distinct((r) => r.pass ?? 'forward');
  return (r) =>
    [r.variant, withEngine && r.engine ? r.engine : '', withBackend ? r.backend : '', withPass ? (r.pass ?? 'forward') : '']
      .filter(Boolean)
      .join(' / ');
}

/** The vega-lite spec of one chart (exported for tests and for embedding elsewhere). */
export function chartSpec(report: BenchReport, metric: Metric): Record<string, unknown> {
  const m = METRICS[metric];
  const label = seriesLabeler(report.records);
  const values = report.records
    .filter((r) => !r.skipped && typeof r[m.field] === 'number' && (r[m.field] as number) > 0) // log scale: > 0 only
    .map((r) => ({ n: r.n, y: (r[m.field] as number) * m.scale, series: label(r) }));
  const subtitle = [report.config, report.machine].filter(Boolean).join(' | ');
  const ns = [...new Set(values.map((v) => v.n))].sort((a, b) => a - b);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: `${report.suite}: ${m.title} vs n`, subtitle: subtitle || undefined, anchor: 'start' },
    width: 520,
    height: 320,
    data: { values },
    mark: { type: 'line', point: true, strokeWidth: 2 },
    encoding: {
      x: { field: 'n', type: 'quantitative', title: 'sequence length n', scale: { type: 'log', base: 2 },
        axis: { values: ns, format: 'd' } },
      y: { field: 'y', type: 'quantitative', title: `${m.title} (log scale)`, scale: { type: 'log' }, axis: { tickCount: 6, format: '~g' } },
      color: { field: 'series', type: 'nominal', title: 'variant', legend: { orient: 'right', labelLimit: 260 } },
      tooltip: [{ field: 'series' }, { field: 'n' }, { field: 'y', format: '.3~g' }],
    },
    config: { font: 'sans-serif', background: 'white' },
  };
}

/** Renders one chart to an SVG string. */
export async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  const compiled = vegaLite.compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Writes `<prefix>-time.svg`, `<prefix>-memory.svg` and `<prefix>-gflops.svg` into `outDir`
 * (a metric with no measured value is left out) and returns the paths written.
 * `prefix` defaults to `bench-<suite>`.
 */
export async function plotBenchResults(results: unknown, outDir: string, prefix?: string): Promise<string[]> {
  const report = validateReport(results);
  const name = prefix ?? `bench-${report.suite}`;
  if (!/^[A-Za-z0-9._-]+$/.test(name)) fail(`prefix must use letters, digits, '.', '_' or '-', received ${JSON.stringify(name)}`);
  const rendered: Array<[string, string]> = [];
  for (const metric of Object.keys(METRICS) as Metric[]) {
    const spec = chartSpec(report, metric);
    if (!(spec.data as { values: unknown[] }).values.length) continue;
    rendered.push([path.join(outDir, `${name}-${metric}.svg`), await renderSvg(spec)]);
  }
  if (!rendered.length) fail('no record has a measured value to plot');
  fs.mkdirSync(outDir, { recursive: true });
  for (const [file, svg] of rendered) fs.writeFileSync(file, svg + '\n');
  return rendered.map(([file]) => file);
}

const USAGE = 'usage: ts-node scripts/bench/plot.ts <results.json> <outdir> [--prefix name]';

/** CLI entry; returns the exit code (2 for bad arguments or input, nothing written). */
export async function plotCli(argv: string[]): Promise<number> {
  const positional: string[] = [];
  let prefix: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--prefix') prefix = argv[++i];
    else if (argv[i] === '--help' || argv[i] === '-h') {
      console.log(USAGE);
      return 0;
    } else if (argv[i].startsWith('-')) {
      console.error(`plot: unknown flag ${JSON.stringify(argv[i])}\n${USAGE}`);
      return 2;
    } else positional.push(argv[i]);
  }
  if (positional.length !== 2 || (prefix !== undefined && !prefix)) {
    console.error(`plot: expected <results.json> <outdir>, received ${JSON.stringify(argv)}\n${USAGE}`);
    return 2;
  }
  try {
    const results = JSON.parse(fs.readFileSync(positional[0], 'utf8')) as unknown;
    const files = await plotBenchResults(results, positional[1], prefix);
    files.forEach((f) => console.log(`wrote ${f}`));
    return 0;
  } catch (e) {
    console.error(`${(e as Error).message.split('\n')[0]}\n${USAGE}`);
    return 2;
  }
}

if (require.main === module) {
  plotCli(process.argv.slice(2)).then((code) => process.exit(code));
}
