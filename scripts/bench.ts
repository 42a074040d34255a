/**
 * Benchmark runner: `npm run bench -- <suite> [options]`.
 *
 *   npm run bench -- attention                         cpu and wasm, n = 512..4096, every variant
 *   npm run bench -- attention --backend wasm --n 1024,2048 --variant reference,flash
 *   npm run bench -- attention --quick                 n = 256, 512 and 2 reps: a smoke run
 *   npm run bench -- attention --json out.json [--plot docs/img]
 *
 * Options:
 *   --backend a,b   tfjs backends (default cpu,wasm)
 *   --n a,b         sequence lengths (default: the suite's)
 *   --variant a,b   variant names or families (default: all)
 *   --pass p        forward | fwdbwd | both (default both)
 *   --reps r        timed runs per configuration (default 5; median reported)
 *   --budget s      a configuration whose single run takes longer than s seconds
 *                   (default 10) is timed once (no warm-up), and so are larger n
 *                   of that variant/pass/backend
 *   --cap s         skip (reason recorded) a configuration predicted, from the
 *                   last over-budget run's CPU time scaled by n^2, to take over s seconds
 *                   (default 900)
 *   --json file     write {suite, machine, config, records} (scripts/bench/plot.ts format)
 *   --plot dir      also render SVG charts there (scripts/bench/plot.ts), named after --json
 *
 * TESSERA_NATIVE_OPS=0 keeps tfjs's own matMul/softmax kernels under the
 * reference (what docs/benchmarks.md's Flash figures use); otherwise
 * @tessera/native replaces them where its addon is built.
 *
 * Per configuration: one warm-up run under tf.profile (measurePeak: peak tfjs
 * bytes), up to 0.5 s more of untimed runs (bench/warm_up.ts), then `reps`
 * timed runs without profiling; outputs are read back (dataSync) inside the
 * timing; wall time and process CPU time are both recorded (medians).
 * GFLOP/s: the variant's forward flops (dense: 4 n^2 D per head), and 3.5x
 * that for forward+backward (FlashAttention-2's convention: the backward
 * costs 2.5 forwards). '% ceil': GFLOP/s against the float32 GEMM ceiling
 * that @tessera/native's sgemm measures at the start of the run. Ratios are
 * against the `reference` variant on the same backend, n and pass, and, for
 * the native flash rows, against onnxruntime-node's fused MHA (ort-mha, the
 * cpu rows) at the same n.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { info as tesseraInfo } from '@tessera/attention';
import { BACKEND_NAMES, initBackend, measurePeak, randomNormal } from '@tessera/tensor';
import type { BenchInputs, BenchVariant } from './bench/types';
import { warmUp } from './bench/warm_up';
import { onesLikeOutput } from './bench/grads_of_sum';
import { gemmCeiling } from './bench/native_addon';

// --- issue 8 (webgpu bundle): variant families load lazily ---
// A family whose optional package (@tessera/native, onnxruntime-node, ...) is
// absent, as on the offline GPU bundle's machine, is skipped with a note
// instead of failing the whole run: it is loaded alone first and, when a
// package (not a relative file) is missing, the suite sees it with no variants.
function loadAttentionSuite(): typeof import('./bench/attention')['attentionSuite'] {
  const dir = path.join(__dirname, 'bench', 'variants');
  for (const f of fs.readdirSync(dir).filter((x) => /\.(ts|js)$/.test(x) && !x.endsWith('.d.ts'))) {
    const file = path.join(dir, f);
    try {
      require(file);
    } catch (e) {
      const missing = /Cannot find module '([^']+)'/.exec((e as Error).message)?.[1];
      if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND' || !missing || missing.startsWith('.') || missing.startsWith('/')) throw e;
      console.error(`note: variant family '${f.replace(/\.(ts|js)$/, '')}' skipped: package ${missing} is not installed`);
      const id = require.resolve(file);
      require.cache[id] = { id, filename: id, loaded: true, exports: { variants: [] } } as unknown as NodeModule;
    }
  }
  return (require('./bench/attention') as typeof import('./bench/attention')).attentionSuite;
}
const attentionSuite = loadAttentionSuite();
// --- end issue 8 ---

interface Rec {
  suite: string;
  variant: string;
  family: string;
  backend: string;
  engine: string;
  pass: 'forward' | 'forwardBackward';
  B: number;
  H: number;
  D: number;
  n: number;
  timeMs: number | null;
  /** Median process CPU time (user + system) of the same runs: robust to other processes on a shared machine (tfjs cpu and wasm run on one thread). */
  cpuMs: number | null;
  reps: number;
  peakBytes: number | null;
  gflops: number | null;
  vsReference?: number | null;
  /** GFLOP/s as a percentage of the machine's float32 GEMM ceiling measured at the start of the run (null without @tessera/native). */
  ceilingPct?: number | null;
  skipped?: string;
  /** The variant's remark on this row (BenchVariant.prepare), e.g. a self-check's result. */
  note?: string;
}

function parseArgs(argv: string[]) {
  const out: Record<string, string> = {};
  const positional: string[] = [];
  const flags = new Set(['quick']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) positional.push(a);
    else if (flags.has(a.slice(2))) out[a.slice(2)] = 'true';
    else {
      if (i + 1 >= argv.length) throw new Error(`bench: ${a} needs a value`);
      out[a.slice(2)] = argv[++i];
    }
  }
  const known = ['backend', 'n', 'variant', 'pass', 'reps', 'budget', 'cap', 'json', 'plot', 'quick'];
  for (const k of Object.keys(out)) if (!known.includes(k)) throw new Error(`bench: unknown option --${k} (known: ${known.map((x) => '--' + x).join(', ')})`);
  return { suite: positional[0] ?? 'attention', opts: out };
}

const list = (s: string | undefined) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : null);

function readBack(r: tf.TensorContainer): void {
  const flat: tf.Tensor[] = [];
  const walk = (x: unknown) => {
    if (x instanceof tf.Tensor) flat.push(x);
    else if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') Object.values(x).forEach(walk);
  };
  walk(r);
  for (const t of flat) t.dataSync();
}

async function main(): Promise<void> {
  // --- gpt suite (issue 10): own options and processes, scripts/bench/gpt.ts ---
  if (process.argv[2] === 'gpt') return (await import('./bench/gpt')).runGptSuite(process.argv.slice(3));
  // --- end gpt suite ---
  const { suite, opts } = checkedArgs(process.argv.slice(2));
  const quick = opts.quick === 'true';
  const backends = list(opts.backend) ?? ['cpu', 'wasm'];
  const ns = (list(opts.n) ?? (quick ? attentionSuite.quickNs : attentionSuite.ns).map(String)).map(Number);
  const reps = Number(opts.reps ?? (quick ? 2 : 5));
  const budgetMs = Number(opts.budget ?? 10) * 1000;
  const capMs = Number(opts.cap ?? 900) * 1000;
  const pass = opts.pass ?? 'both';
  const wanted = list(opts.variant);
  const all = attentionSuite.variants();
  // An entry names a variant exactly, else a family ('flash' is the variant; 'sparse' every sparse-* variant).
  const picks = (v: BenchVariant) => !wanted || wanted.some((w) => w === v.name || (w === v.family && !all.some((u) => u.name === w)));
  const variants = all.filter(picks);
  if (variants.length === 0) throw new Error(`bench: --variant ${opts.variant} matches no variant`);
  const { B, H, D } = attentionSuite;
  const machine = `${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`;
  const records: Rec[] = [];
  const ceiling = gemmCeiling();
  console.log(`# ${suite}: B=${B} H=${H} D=${D}, n=${ns.join(',')}, backends=${backends.join(',')}, reps=${reps} (median), budget ${budgetMs / 1000} s | ${machine}`);
  console.log(
    ceiling
      ? `# float32 GEMM ceiling: ${ceiling.gflops.toFixed(1)} GFLOP/s (${ceiling.how}); '% ceil' = GFLOP/s / ceiling`
      : `# float32 GEMM ceiling: not measured (@tessera/native unavailable)`,
  );
  console.log(
    'variant'.padEnd(22) + 'backend'.padEnd(8) + 'pass'.padEnd(9) + 'n'.padStart(6) + 'ms'.padStart(11) + 'cpu ms'.padStart(11) + 'reps'.padStart(5) + 'GFLOP/s'.padStart(9) +
      '% ceil'.padStart(7) + 'peak MB'.padStart(10) + 'vs ref'.padStart(8) + '  engine / note',
  );

  for (const backend of backends) {
    await initBackend(backend);
    const overBudget = new Map<string, { ms: number; n: number }>(); // variant|pass -> its last over-budget run
    for (const n of ns) {
      const x: BenchInputs = { q: randomNormal([B, H, n, D], 1), k: randomNormal([B, H, n, D], 2), v: randomNormal([B, H, n, D], 3), B, H, n, D };
      for (const v of variants) {
        for (const p of ['forward', 'forwardBackward'] as const) {
          if (pass === 'forward' && p !== 'forward') continue;
          if (pass === 'fwdbwd' && p !== 'forwardBackward') continue;
          const fn = p === 'forward' ? v.forward : v.forwardBackward;
          if (!fn) continue;
          const rec: Rec = { suite, variant: v.name, family: v.family, backend, engine: '', pass: p, B, H, D, n, timeMs: null, cpuMs: null, reps: 0, peakBytes: null, gflops: null };
          const key = `${v.name}|${p}`;
          if (!v.supports(backend, n)) rec.skipped = `not supported on ${backend} at n=${n}`;
          const last = overBudget.get(key);
          // Predicted from CPU time, which other processes on a shared machine inflate far less than wall time.
          const predictedMs = last ? last.ms * (n / last.n) ** 2 : 0;
          if (!rec.skipped && predictedMs > capMs) rec.skipped = `predicted ${(predictedMs / 1000).toFixed(0)} s CPU (${(last!.ms / 1000).toFixed(0)} s at n=${last!.n}, x n^2) > cap ${capMs / 1000} s`;
          try {
            if (!rec.skipped && v.prepare) {
              const prep = await v.prepare(x, backend);
              rec.skipped = prep.skip;
              rec.note = prep.note;
            }
            if (!rec.skipped) {
              await measure(v, fn.bind(v), x, rec, last ? 0 : reps, budgetMs);
              if (rec.timeMs !== null && rec.timeMs > budgetMs) overBudget.set(key, { ms: rec.cpuMs ?? rec.timeMs, n });
            }
          } catch (e) {
            rec.skipped = `failed: ${(e as Error).message.split('\n')[0].slice(0, 120)}`; // prepare threw
          } finally {
            await v.release?.();
          }
          rec.engine = engineOf(v, backend);
          const ref = records.find((r) => r.variant === 'reference' && r.backend === backend && r.n === n && r.pass === p);
          if (ref && ref.timeMs && rec.timeMs && v.name !== 'reference') rec.vsReference = +(ref.timeMs / rec.timeMs).toFixed(2);
          rec.ceilingPct = ceiling && rec.gflops ? +((100 * rec.gflops) / ceiling.gflops).toFixed(1) : null;
          records.push(rec);
          print(rec);
          // Written after every record, so an interrupted run keeps what it measured.
          if (opts.json) fs.writeFileSync(opts.json, JSON.stringify({ suite, machine, config: `B=${B} H=${H} D=${D}`, gemmCeilingGflops: ceiling?.gflops ?? null, records }, null, 1) + '\n');
        }
      }
      tf.dispose([x.q, x.k, x.v]);
    }
  }
  printRatios(records);
  printPeerRatios(records);
  const report = { suite, machine, config: `B=${B} H=${H} D=${D}`, gemmCeilingGflops: ceiling?.gflops ?? null, records };
  if (opts.json) {
    fs.writeFileSync(opts.json, JSON.stringify(report, null, 1) + '\n');
    console.log(`wrote ${opts.json}`);
  }
  if (opts.plot) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { plotBenchResults } = require('./bench/plot') as typeof import('./bench/plot');
    // Chart names follow the JSON file's name (e.g. flash.json -> flash-time.svg), else bench-<suite>.
    const prefix = opts.json ? path.basename(opts.json, '.json') : `bench-${suite}`;
    const files = await plotBenchResults(report, opts.plot, prefix);
    console.log(`wrote ${files.join(', ')}`);
  }
}

function engineOf(v: BenchVariant, backend: string): string {
  if (v.external) return v.external; // e.g. onnxruntime-node's WebGPU EP (variants/onnx.ts)
  // issue 8: on webgpu, flash, block-sparse and linear run Tessera's WGSL programs (no engine).
  if (backend === 'webgpu' && (['flash', 'sparse', 'linear'].includes(v.family) || v.engine)) return 'wgsl';
  if (backend === 'webgpu' && v.family === 'reference') return 'tfjs'; // native ops are cpu/wasm kernels
  if (v.engine) return v.engine; // the variant pins it (the TypeScript flash and sparse rows, the native-* rows)
  // The reference runs tfjs kernels; @tessera/native (issue 10) replaces some of them unless TESSERA_NATIVE_OPS=0.
  if (v.family === 'reference') return process.env.TESSERA_NATIVE_OPS === '0' ? 'tfjs' : 'tfjs (+native ops where built)';
  return tesseraInfo().engine;
}

/** Times one configuration: a profiled first run (peak bytes), then `reps` timed runs; with reps = 0 (or a first run over budget) the first run is the measurement. */
async function measure(v: BenchVariant, fn: (x: BenchInputs) => tf.TensorContainer | Promise<tf.TensorContainer>, x: BenchInputs, rec: Rec, reps: number, budgetMs = Infinity): Promise<void> {
  const flops = v.flops(x) * (rec.pass === 'forwardBackward' ? 3.5 : 1);
  try {
    // dy = 1 for forward+backward (grads_of_sum.ts) exists before the profile: an input, not the variant's memory.
    if (rec.pass === 'forwardBackward') onesLikeOutput(x);
    // Warm-up under tf.profile: peak bytes (and the first timing, used alone when it exceeds the budget).
    const c0 = process.cpuUsage();
    const m = await measurePeak(async () => {
      const r = await fn(x);
      readBack(r);
      return r;
    });
    const c1 = process.cpuUsage(c0);
    tf.dispose(m.result as tf.TensorContainer);
    rec.peakBytes = v.external ? null : m.peakNewBytes; // tf.profile sees tfjs tensors only
    const times: number[] = [];
    const cpus: number[] = [];
    if (reps === 0 || m.timeMs > budgetMs) {
      times.push(m.timeMs);
      cpus.push((c1.user + c1.system) / 1000);
    } else {
      // Then up to 0.5 s more untimed (scripts/bench/warm_up.ts: millisecond kernels' first outputs fault fresh pages).
      await warmUp(async () => {
        const r = await fn(x);
        readBack(r);
        tf.dispose(r);
      });
      for (let i = 0; i < reps; i++) {
        const t0 = performance.now();
        const u0 = process.cpuUsage();
        const r = await fn(x);
        readBack(r);
        const u = process.cpuUsage(u0);
        times.push(performance.now() - t0);
        cpus.push((u.user + u.system) / 1000);
        tf.dispose(r);
      }
    }
    times.sort((a, b) => a - b);
    cpus.sort((a, b) => a - b);
    rec.timeMs = +times[Math.floor(times.length / 2)].toFixed(1);
    rec.cpuMs = +cpus[Math.floor(cpus.length / 2)].toFixed(1);
    rec.reps = times.length;
    rec.gflops = +(flops / rec.timeMs / 1e6).toFixed(3);
  } catch (e) {
    rec.skipped = `failed: ${(e as Error).message.split('\n')[0].slice(0, 120)}`;
  }
}

function print(r: Rec): void {
  const f = (x: number | null | undefined, d = 1) => (x === null || x === undefined ? '-' : x.toFixed(d));
  const note = (r.skipped ? `skipped: ${r.skipped}` : r.reps === 1 ? `${r.engine} (1 run: over budget, no warm-up)` : r.engine) + (r.note ? `; ${r.note}` : '');
  console.log(
    r.variant.padEnd(22) + r.backend.padEnd(8) + (r.pass === 'forward' ? 'fwd' : 'fwd+bwd').padEnd(9) + String(r.n).padStart(6) +
      f(r.timeMs).padStart(11) + f(r.cpuMs).padStart(11) + String(r.reps).padStart(5) + f(r.gflops, 2).padStart(9) + f(r.ceilingPct, 0).padStart(7) +
      f(r.peakBytes === null ? null : r.peakBytes / 2 ** 20).padStart(10) +
      (r.vsReference ? r.vsReference.toFixed(2) + 'x' : '-').padStart(8) + '  ' + note,
  );
}

function printRatios(records: Rec[]): void {
  const rows = records.filter((r) => r.vsReference);
  if (rows.length === 0) return;
  console.log('\n# speed-up vs reference (reference time / variant time, same backend, n and pass)');
  for (const r of rows) console.log(`${r.variant.padEnd(22)}${r.backend.padEnd(8)}${(r.pass === 'forward' ? 'fwd' : 'fwd+bwd').padEnd(9)}n=${String(r.n).padEnd(6)}${r.vsReference}x`);
}

/** Each native forward row against onnxruntime-node's fused MHA (ort-mha) at the same n: peer time / variant time (> 1: faster than the peer). */
function printPeerRatios(records: Rec[]): void {
  const rows: string[] = [];
  for (const r of records) {
    if (r.family !== 'native' || r.pass !== 'forward' || !r.timeMs || r.variant.includes('sparse') || r.variant.includes('causal')) continue;
    const peer = records.find((p) => p.variant === 'ort-mha' && p.n === r.n && p.timeMs);
    if (peer) rows.push(`${r.variant.padEnd(22)}${r.backend.padEnd(8)}n=${String(r.n).padEnd(6)}${(peer.timeMs! / r.timeMs).toFixed(2)}x (ort-mha ${peer.timeMs} ms)`);
  }
  if (rows.length === 0) return;
  console.log('\n# speed vs onnxruntime-node fused MultiHeadAttention (ort-mha time / variant time, forward, same n)');
  for (const l of rows) console.log(l);
}

// --- CLI validation (issue 9): bad flags -> one-line error + usage, exit code 2, nothing written ---
const USAGE = 'usage: npm run bench -- <suite: attention|gpt> [--backend cpu,wasm,...] [--n 512,1024,...] [--variant a,b] [--pass forward|fwdbwd|both] [--reps r] [--budget s] [--json file] [--plot dir] [--quick]';
class UsageError extends Error {
  // ts-node compiles this file for ES5 (the root tsconfig has no compilerOptions), where
  // `instanceof` fails for Error subclasses: main's catch checks this flag instead.
  readonly usage = true;
}
function checkedArgs(argv: string[]): ReturnType<typeof parseArgs> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { suite, opts } = parsed;
  const bad = (m: string): never => {
    throw new UsageError(`bench: ${m}`);
  };
  if (suite !== attentionSuite.name) bad(`unknown suite ${JSON.stringify(suite)} (known: ${attentionSuite.name}, gpt)`);
  const ints = (flag: string, v: string | undefined) => {
    if (v !== undefined && !v.split(',').every((x) => /^\d+$/.test(x.trim()) && Number(x) > 0)) bad(`--${flag} must be positive integers (comma-separated), received ${JSON.stringify(v)}`);
  };
  ints('n', opts.n);
  ints('reps', opts.reps);
  for (const b of list(opts.backend) ?? []) if (!(BACKEND_NAMES as readonly string[]).includes(b)) bad(`unknown backend ${JSON.stringify(b)} in --backend ${JSON.stringify(opts.backend)} (known: ${BACKEND_NAMES.join(', ')})`);
  if (opts.pass !== undefined && !['forward', 'fwdbwd', 'both'].includes(opts.pass)) bad(`--pass must be forward, fwdbwd or both, received ${JSON.stringify(opts.pass)}`);
  if (opts.budget !== undefined && !(Number(opts.budget) > 0)) bad(`--budget must be a positive number of seconds, received ${JSON.stringify(opts.budget)}`);
  const wanted = list(opts.variant);
  const all = attentionSuite.variants();
  for (const w of wanted ?? []) if (!all.some((v) => v.name === w || v.family === w)) bad(`--variant ${JSON.stringify(w)} matches no variant (known: ${all.map((v) => v.name).join(', ')})`);
  return parsed;
}
// --- end CLI validation (issue 9) ---

main().catch((e) => {
  if ((e as Partial<UsageError>).usage === true) {
    console.error(`${e.message}\n${USAGE}`);
    process.exit(2);
  }
  console.error((e as Error).message);
  process.exit(1);
});
