/**
 * Tessera quickstart (`npm start`): trains a small transformer whose attention
 * layers run Tessera's flash kernel on associative recall, with a live
 * progress bar, reports its accuracy, then compares the attention variants
 * (dense reference, flash, block-sparse, linear) on long sequences.
 *
 *   npm start                      # default backend (wasm in Node), ~2 minutes
 *   npm start -- --quick           # smaller everything, ~30 s
 *   npm start -- --backend cpu     # or TESSERA_BACKEND=cpu npm start
 */
import * as tf from '@tensorflow/tfjs';
import { info } from '@tessera/attention';
import { initBackend } from '@tessera/tensor';
import { parseArgs, QuickstartArgs, USAGE, UsageError } from './args';
import { CompareConfig, compareVariants, CompareRow, formatComparison } from './compare';
import { ProgressBar } from './progress';
import { sequenceLength } from './task';
import { trainRecall, TrainConfig, TrainResult } from './train';

export { parseArgs, USAGE, UsageError } from './args';
export { compareVariants, formatComparison } from './compare';
export type { CompareConfig, CompareRow } from './compare';
export { ProgressBar } from './progress';
export { recallBatch, sequenceLength, vocabSize } from './task';
export type { RecallTask } from './task';
export { TinyTransformer } from './model';
export { trainRecall, evaluate } from './train';
export type { TrainConfig, TrainResult } from './train';

/** The training run of `npm start` (quick: fewer steps). */
export function trainConfig(quick: boolean, steps?: number): TrainConfig {
  return {
    task: { numKeys: 32, numValues: 32, pairs: 12, queries: 8 },
    model: { dim: 64, numHeads: 4, numLayers: 2, attention: 'flash' },
    steps: steps ?? (quick ? 80 : 200),
    batchSize: 32,
    learningRate: 3e-3,
    evalSequences: 512,
    seed: 2024,
  };
}

/** The comparison of `npm start` (quick: shorter sequences). */
export function compareConfig(quick: boolean, backend: string, sizes?: number[]): CompareConfig {
  return {
    sizes: sizes ?? (quick ? [512, 1024, 2048] : [1024, 4096, 16384]),
    B: 1,
    H: 4,
    D: 64,
    window: 256,
    timeBudgetMs: quick ? 10_000 : 30_000,
    // wasm's heap tops out at 4 GB (the reference fails outright at n = 8192, H = 8).
    memoryLimitBytes: (backend === 'wasm' ? 3 : 6) * 2 ** 30,
  };
}

export async function runTraining(c: TrainConfig, out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout): Promise<TrainResult> {
  const T = sequenceLength(c.task);
  out.write(`Associative recall: ${c.task.pairs} key-value pairs then ${c.task.queries} queries per sequence (T=${T}), ${c.task.numKeys} keys, ${c.task.numValues} values; fresh random pairs in every sequence.\n`);
  out.write(`Model: ${c.model.numLayers}-layer transformer, width ${c.model.dim}, ${c.model.numHeads} heads, causal MultiHeadAttention (@tessera/layers, attention '${c.model.attention}', RoPE).\n`);
  const bar = new ProgressBar({ total: c.steps, stream: out });
  const r = await trainRecall(c, (s) => bar.update(s));
  bar.done();
  out.write(`Trained ${c.steps} steps in ${r.seconds.toFixed(1)} s (${Math.round(r.tokensPerSecond)} tokens/s), attention ran on: ${r.attentionPath}.\n`);
  out.write(`Held-out accuracy on ${c.evalSequences} new sequences: ${(100 * r.accuracy).toFixed(1)}% (chance ${(100 * r.chance).toFixed(1)}%, ${(r.accuracy / r.chance).toFixed(1)}x chance)\n`);
  return r;
}

export async function runComparison(c: CompareConfig, out: NodeJS.WritableStream = process.stdout): Promise<CompareRow[]> {
  out.write(`\nAttention variants, causal, B=${c.B}, H=${c.H}, D=${c.D}, float32 (forward pass after warm-up, median of 3 when under 1 s; peak = tfjs tensor bytes during the call):\n`);
  const rows = await compareVariants(c, (r) => out.write(`  measured ${r.variant} n=${r.n}${r.skipped ? ' (skipped)' : `: ${(r.timeMs as number).toFixed(0)} ms`}\n`));
  out.write(`\n${formatComparison(rows)}\n`);
  out.write(`\nThe reference materialises B*H*n^2 scores: time and memory grow 4x per doubling of n.\nFlash computes the same result tile by tile in O(n) memory; block-sparse and linear also cut the n^2 time.\n`);
  return rows;
}

async function main(args: QuickstartArgs): Promise<void> {
  const t0 = performance.now();
  const backend = await initBackend(args.backend);
  console.log(`Tessera quickstart - backend: ${backend.reason}; attention engine: ${info().engine}\n`);
  if (!args.noTrain) {
    const r = await runTraining(trainConfig(args.quick, args.steps));
    r.model.dispose();
  }
  if (!args.noCompare) await runComparison(compareConfig(args.quick, backend.name, args.sizes));
  console.log(`\nDone in ${((performance.now() - t0) / 1000).toFixed(0)} s. tfjs tensors alive: ${tf.memory().numTensors}.`);
}

if (require.main === module) {
  let args: QuickstartArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`quickstart: ${e.message}\n${USAGE}`);
    process.exit(2);
  }
  if (args.help) {
    console.log(USAGE);
    process.exit(0);
  }
  main(args).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
