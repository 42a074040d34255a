/**
 * associative-recall: Zoology's multi-query associative recall (MQAR; Arora
 * et al. 2023, "Zoology: Measuring and Improving Recall in Efficient Language
 * Models"), scaled down to a CPU. The same small transformer is trained with
 * three attention layers on sequences of more and more key-value pairs:
 *
 *  - softmax attention (Tessera's flash kernel): any query can reach any key;
 *  - linear attention (elu+1 features; Katharopoulos et al. 2020): all pairs
 *    are squeezed into a fixed-size state per head, which fills up;
 *  - sliding-window softmax attention (window W tokens): pairs further back
 *    than W are out of reach.
 *
 * Zoology's qualitative result, reproduced here: softmax solves MQAR at every
 * tested size, linear attention's accuracy falls as the pairs grow, and the
 * sliding window fails once pairs lie outside the window. Seeded: the same
 * numbers on every run of one machine and backend.
 *
 *   npm start -w @tessera/example-associative-recall [-- --quick] [-- --backend cpu] [-- --out DIR]
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@tessera/tensor';
import { parseStudyArgs, studyUsage } from '../../quickstart/src/study_args';
import { trainRecall, TrainConfig } from '../../quickstart/src/train';

export interface RecallVariant {
  name: string;
  attention: 'flash' | 'linear';
  /** Sliding window of W tokens: attentionOptions.window [W - 1, 0]. */
  window?: number;
}

export interface StudyConfig {
  pairs: number[];
  /** Queries per sequence (capped by the pairs). */
  queries: number;
  /** Number of keys and of values (chance = 1/vocab). */
  vocab: number;
  variants: RecallVariant[];
  steps: number;
  batchSize: number;
  evalSequences: number;
  seed: number;
}

export interface StudyPoint {
  variant: string;
  pairs: number;
  accuracy: number;
  seconds: number;
}

export function variants(window: number): RecallVariant[] {
  return [
    { name: 'softmax (flash)', attention: 'flash' },
    { name: 'linear (elu+1)', attention: 'linear' },
    { name: `sliding window (${window} tokens)`, attention: 'flash', window },
  ];
}

export function studyConfig(quick: boolean): StudyConfig {
  return quick
    ? { pairs: [4, 16], queries: 8, vocab: 64, variants: variants(12), steps: 150, batchSize: 32, evalSequences: 256, seed: 11 }
    : { pairs: [4, 8, 16, 32], queries: 8, vocab: 64, variants: variants(12), steps: 300, batchSize: 32, evalSequences: 512, seed: 11 };
}

/** The quickstart's training run for one (variant, pairs) cell. */
export function cellConfig(s: StudyConfig, v: RecallVariant, pairs: number): TrainConfig {
  return {
    task: { numKeys: s.vocab, numValues: s.vocab, pairs, queries: Math.min(s.queries, pairs) },
    model: { dim: 64, numHeads: 4, numLayers: 2, attention: v.attention, ...(v.window ? { window: [v.window - 1, 0] as [number, number] } : {}) },
    steps: s.steps,
    batchSize: s.batchSize,
    learningRate: 3e-3,
    evalSequences: s.evalSequences,
    seed: s.seed,
  };
}

export async function runStudy(s: StudyConfig, onPoint?: (p: StudyPoint) => void): Promise<StudyPoint[]> {
  const points: StudyPoint[] = [];
  for (const pairs of s.pairs) {
    for (const v of s.variants) {
      const r = await trainRecall(cellConfig(s, v, pairs));
      r.model.dispose();
      const p = { variant: v.name, pairs, accuracy: r.accuracy, seconds: r.seconds };
      points.push(p);
      onPoint?.(p);
    }
  }
  return points;
}

export function formatStudy(points: StudyPoint[]): string {
  const names = [...new Set(points.map((p) => p.variant))];
  const pairs = [...new Set(points.map((p) => p.pairs))];
  const header = ['variant', ...pairs.map((n) => `${n} pairs`)];
  const rows = names.map((name) => [name, ...pairs.map((n) => `${(100 * (points.find((p) => p.variant === name && p.pairs === n)?.accuracy ?? NaN)).toFixed(1)}%`)]);
  const w = header.map((_, i) => Math.max(...[header, ...rows].map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ');
  return [line(header), w.map((x) => '-'.repeat(x)).join('  '), ...rows.map(line)].join('\n');
}

/** Accuracy vs number of pairs, one line per variant (vega-lite -> SVG, no browser). */
export async function plotStudy(points: StudyPoint[], file: string): Promise<void> {
  // vega 5 / vega-lite 5 are CommonJS (the repository's devDependencies, as for scripts/bench/plot.ts).
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const vega = require('vega');
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const vl = require('vega-lite');
  const spec = {
    title: { text: 'Multi-query associative recall: accuracy vs key-value pairs', subtitle: '2-layer transformer, width 64; chance = 1/64', anchor: 'start' },
    width: 420,
    height: 260,
    data: { values: points.map((p) => ({ pairs: p.pairs, accuracy: p.accuracy, variant: p.variant })) },
    mark: { type: 'line', point: true, strokeWidth: 2 },
    encoding: {
      x: { field: 'pairs', type: 'quantitative', scale: { type: 'log', base: 2 }, axis: { values: [...new Set(points.map((p) => p.pairs))], format: 'd' }, title: 'key-value pairs per sequence' },
      y: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] }, axis: { format: '%' }, title: 'held-out accuracy' },
      color: { field: 'variant', type: 'nominal', legend: { orient: 'bottom', columns: 1, labelLimit: 320 } },
    },
    config: { font: 'sans-serif', background: 'white' },
  };
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, svg + '\n');
}

const USAGE = studyUsage('@tessera/example-associative-recall');

async function main(argv: string[]): Promise<void> {
  const { quick, backend: backendName, out } = parseStudyArgs(argv, 'associative-recall', USAGE, path.resolve(__dirname, '..', 'results'));
  const backend = await initBackend(backendName);
  const s = studyConfig(quick);
  console.log(`associative-recall (MQAR) - backend: ${backend.reason}`);
  console.log(`Each cell: ${s.steps} Adam steps of ${s.batchSize} sequences (pairs, then ${s.queries} queries), ${s.vocab} keys, ${s.vocab} values; accuracy on ${s.evalSequences} new sequences; seed ${s.seed}.\n`);
  const points = await runStudy(s, (p) => console.log(`  ${p.variant.padEnd(28)} ${String(p.pairs).padStart(3)} pairs: ${(100 * p.accuracy).toFixed(1).padStart(5)}%  (${p.seconds.toFixed(0)} s)`));
  console.log(`\n${formatStudy(points)}\n`);
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'associative-recall.json'), JSON.stringify({ backend: backend.name, config: s, points }, null, 1) + '\n');
  await plotStudy(points, path.join(out, 'associative-recall.svg'));
  console.log(`wrote ${path.join(out, 'associative-recall.json')}, ${path.join(out, 'associative-recall.svg')}`);
  console.log(`tfjs tensors alive: ${tf.memory().numTensors}`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
