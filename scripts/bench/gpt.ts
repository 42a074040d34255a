/**
 * `npm run bench -- gpt`: trains the issue-10 GPT (vocab 96, context 256,
 * d_model 256, 4 layers, 4 heads, MLP 1024 tanh-GELU, pre-LN, learned
 * positions, untied head, batch 16, Adam) on the project's docs and reports
 * median ms/step, tokens/s, peak RSS and greedy generation tokens/s with and
 * without a KV cache, per configuration, each in its own process (kernel
 * registrations are process-wide, and peak RSS must not mix):
 *   tfjs-wasm     plain tfjs written the obvious way (gpt_plain.ts), native ops off
 *   tessera-wasm  @tessera/layers' Gpt on wasm with @tessera/native's kernels and NativeAdamOptimizer;
 *                 generation with the cache decodes each token in one native call (gptDecodeStep)
 *   torch         scripts/bench/gpt_torch.py under Debian's python3 when `import torch` works
 *
 * Options: --configs a,b (default all) --steps n (timed steps, default 5; the
 * plain baseline runs --plain-steps, default 1: ~50 s each) --gen n (tokens
 * generated with the cache, default 128; without it n/4) --json FILE.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { batchAt, loadCorpus, VOCAB } from './gpt_data';

const ROOT = path.resolve(__dirname, '..', '..');
const SHAPE = { V: VOCAB, T: 256, d: 256, L: 4, H: 4, ff: 1024, B: 16 };
const CONFIGS = ['tfjs-wasm', 'tessera-wasm', 'torch'] as const;

export interface GptResult {
  name: string;
  trainMsPerStep: number | null;
  trainTokensPerSec: number | null;
  steps: number;
  losses: number[];
  peakRssMB: number;
  generateTokensPerSecCached: number | null;
  generateTokensPerSecUncached: number | null;
  note?: string;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function child(name: string, steps: number, gen: number): Promise<GptResult> {
  if (name === 'tfjs-wasm') process.env.TESSERA_NATIVE_OPS = '0';
  const tf = await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend('wasm');
  await tf.ready();
  const corpus = loadCorpus(ROOT);
  const { B, T, V } = SHAPE;
  let opt: import('@tensorflow/tfjs').Optimizer = tf.train.adam(3e-4);
  let logitsOf: (x: import('@tensorflow/tfjs').Tensor2D, training: boolean) => import('@tensorflow/tfjs').Tensor;
  let generate: (prompt: number[], n: number, cache: boolean) => void;
  let vars: import('@tensorflow/tfjs').Variable[] | undefined;
  let note = '';
  if (name === 'tfjs-wasm') {
    const { PlainGpt } = await import('./gpt_plain');
    const m = new PlainGpt(SHAPE);
    vars = m.vars;
    logitsOf = (x) => m.logits(x);
    generate = (prompt, n) => {
      const seq = prompt.slice();
      for (let i = 0; i < n; i++) {
        const next = tf.tidy(() => {
          const l = m.logits(tf.tensor2d([seq], undefined, 'int32'));
          return tf.argMax(tf.slice(l, [seq.length - 1, 0], [1, V]), -1).dataSync()[0];
        });
        seq.push(next);
      }
    };
    note = 'plain tfjs has no KV cache (cached: n/a)';
  } else {
    const { Gpt } = await import('@tessera/layers');
    const native = await import('@tessera/native');
    opt = new native.NativeAdamOptimizer(3e-4);  // tfjs's Adam with one native kernel per variable
    const g = new Gpt({ vocabularySize: V, sequenceLength: T, hiddenDim: SHAPE.d, numLayers: SHAPE.L, numHeads: SHAPE.H, intermediateDim: SHAPE.ff });
    logitsOf = (x, training) => tf.reshape(g.model.apply(x, { training }) as import('@tensorflow/tfjs').Tensor, [-1, V]);
    generate = (prompt, n, cache) => void g.generate([prompt], { maxNewTokens: n, useCache: cache });
    const o = native.nativeOps();
    note = `native ops ${o.enabled ? `on (${o.isa}: ${Array.from(new Set(o.kernels.map((k) => k.kernelName))).join(', ')})` : `off (${o.reason})`}`;
  }
  const times: number[] = [], losses: number[] = [];
  const total = name === 'tfjs-wasm' ? steps : steps + 1;  // one warm-up step, except for the ~50 s baseline
  for (let s = 0; s < total; s++) {
    const { x, y } = batchAt(corpus, B, T, s);
    const xt = tf.tensor2d(x, [B, T], 'int32'), yt = tf.oneHot(tf.tensor1d(y, 'int32'), V);
    const t0 = performance.now();
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(yt, logitsOf(xt, true)) as import('@tensorflow/tfjs').Scalar, true, vars);
    losses.push(loss!.dataSync()[0]);
    const ms = performance.now() - t0;
    if (name === 'tfjs-wasm' || s > 0) times.push(ms);
    tf.dispose([xt, yt, loss!]);
    console.error(`  ${name} step ${s}: ${ms.toFixed(0)} ms, loss ${losses[losses.length - 1].toFixed(4)}`);
  }
  const prompt = Array.from(batchAt(corpus, 1, 16, 999).x);
  const genRate = (n: number, cache: boolean) => {
    generate(prompt, 2, cache);  // warm-up
    const t0 = performance.now();
    generate(prompt, n, cache);
    return (n / (performance.now() - t0)) * 1000;
  };
  const ms = median(times);
  const cached = name === 'tfjs-wasm' ? null : genRate(gen, true);
  const uncached = genRate(Math.max(4, Math.round(gen / (name === 'tfjs-wasm' ? 16 : 4))), false);
  return {
    name, trainMsPerStep: ms, trainTokensPerSec: (B * T) / (ms / 1000), steps: times.length, losses,
    peakRssMB: process.resourceUsage().maxRSS / 1024, generateTokensPerSecCached: cached, generateTokensPerSecUncached: uncached, note,
  };
}

function torchPython(): string | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' });
    if (r.status === 0) return py;
  }
  return null;
}

function runConfig(name: string, o: Record<string, string>): GptResult | { name: string; skipped: string } {
  const steps = name === 'tfjs-wasm' ? o['plain-steps'] ?? '1' : o.steps ?? '5';
  const gen = o.gen ?? '128';
  let cmd: string, args: string[];
  if (name === 'torch') {
    const py = torchPython();
    if (!py) return { name, skipped: 'python3 cannot import torch (apt-get install python3-torch libopenblas0-pthread)' };
    cmd = py;
    args = [path.join(__dirname, 'gpt_torch.py'), '--root', ROOT, '--steps', steps, '--gen', gen];
  } else {
    cmd = process.execPath;
    args = [require.resolve('ts-node/dist/bin.js'), '--transpile-only', __filename, '--child', name, '--steps', steps, '--gen', gen];
  }
  // PyTorch's BLAS is Debian's libblas.so.3 alternative: install libopenblas0-pthread or it is the
  // reference BLAS (~30x slower here). OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE pin OpenBLAS to an older
  // kernel on some machines of this workplace; the benchmark unsets both for the peer's child only.
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' };
  if (name === 'torch') {
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
  }
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('GPTRESULT '));
  if (r.status !== 0 || !line) return { name, skipped: `exited with ${r.status}${r.stdout ? ': ' + r.stdout.slice(-300) : ''}` };
  return JSON.parse(line.slice('GPTRESULT '.length)) as GptResult;
}

function parse(argv: string[]): Record<string, string> {
  const o: Record<string, string> = {};
  const known = ['configs', 'steps', 'plain-steps', 'gen', 'json', 'child'];
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    if (!argv[i].startsWith('--') || !known.includes(k) || i + 1 >= argv.length) throw new Error(`bench gpt: bad option ${JSON.stringify(argv[i])} (known: ${known.map((x) => '--' + x).join(', ')}, each with a value)`);
    o[k] = argv[++i];
  }
  return o;
}

export async function runGptSuite(argv: string[]): Promise<void> {
  const o = parse(argv);
  if (o.child) {
    const r = await child(o.child, Number(o.steps), Number(o.gen));
    console.log('GPTRESULT ' + JSON.stringify(r));
    return;
  }
  const configs = o.configs ? o.configs.split(',') : [...CONFIGS];
  const bad = configs.filter((c) => !(CONFIGS as readonly string[]).includes(c));
  if (bad.length) throw new Error(`bench gpt: unknown configs ${bad.join(', ')} (known: ${CONFIGS.join(', ')})`);
  console.log(`# gpt: V=${SHAPE.V} T=${SHAPE.T} d=${SHAPE.d} L=${SHAPE.L} H=${SHAPE.H} ff=${SHAPE.ff} B=${SHAPE.B}, Adam`);
  const results = configs.map((c) => runConfig(c, o));
  const f = (x: number | null | undefined, d = 0) => (x === null || x === undefined ? 'n/a' : x.toFixed(d));
  console.log('config'.padEnd(14) + 'ms/step'.padStart(10) + 'tokens/s'.padStart(10) + 'peak RSS MB'.padStart(13) + 'gen cached'.padStart(12) + 'gen uncached'.padStart(14) + '  note');
  for (const r of results) {
    if ('skipped' in r) console.log(r.name.padEnd(14) + `  skipped: ${r.skipped}`);
    else console.log(r.name.padEnd(14) + f(r.trainMsPerStep).padStart(10) + f(r.trainTokensPerSec).padStart(10) + f(r.peakRssMB).padStart(13) + f(r.generateTokensPerSecCached).padStart(12) + f(r.generateTokensPerSecUncached, 1).padStart(14) + '  ' + (r.note ?? ''));
  }
  if (o.json) fs.writeFileSync(o.json, JSON.stringify(results, null, 2) + '\n');
}

if (require.main === module) {
  runGptSuite(process.argv.slice(2)).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
