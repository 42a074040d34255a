/**
 * tiny-gpt: a character-level GPT from @tessera/layers trained on Ambrose
 * Bierce's "The Devil's Dictionary" (public domain, shipped in data/), then
 * sampled with and without the KV cache (same seed, same text, tokens/s of
 * each), saved with file:// and reloaded (identical logits).
 *
 *   npm start -w @tessera/example-tiny-gpt [-- --quick] [-- --backend cpu] [-- --steps N] [-- --out DIR]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { BACKEND_NAMES, initBackend, Rng } from '@tessera/tensor';
import { CharData } from './data';
import { createGpt, evalLoss, sample, saveAndReload, TinyGptConfig, train } from './gpt';

export { CharData, TEXT_PATH } from './data';
export { createGpt, crossEntropy, evalLoss, sample, saveAndReload, train } from './gpt';
export type { TinyGptConfig, SampleResult, TrainStats } from './gpt';

export function tinyGptConfig(quick: boolean, steps?: number): TinyGptConfig {
  return {
    model: { sequenceLength: 64, hiddenDim: 64, numLayers: 2, numHeads: 4, intermediateDim: 256, attention: 'flash', positional: 'rope' },
    steps: steps ?? (quick ? 60 : 300),
    batchSize: 16,
    learningRate: 3e-3,
    seed: 1,
  };
}

const USAGE = `usage: npm start -w @tessera/example-tiny-gpt -- [--quick] [--backend ${BACKEND_NAMES.join('|')}] [--steps N] [--out DIR]`;

interface Args {
  quick: boolean;
  backend?: string;
  steps?: number;
  out?: string;
}

export function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    if (f === '--quick') a.quick = true;
    else if (f === '--backend') {
      a.backend = argv[++i];
      if (!(BACKEND_NAMES as readonly string[]).includes(a.backend)) throw new Error(`--backend must be one of ${BACKEND_NAMES.join(', ')}, received ${JSON.stringify(a.backend ?? null)}`);
    } else if (f === '--steps') {
      const v = argv[++i];
      if (!/^\d+$/.test(v ?? '') || Number(v) <= 0) throw new Error(`--steps must be a positive integer, received ${JSON.stringify(v ?? null)}`);
      a.steps = Number(v);
    } else if (f === '--out') {
      a.out = argv[++i];
      if (!a.out) throw new Error('--out needs a directory');
    } else throw new Error(`unknown argument ${JSON.stringify(f)}`);
  }
  return a;
}

async function main(args: Args): Promise<void> {
  const backend = await initBackend(args.backend);
  const data = CharData.load();
  const c = tinyGptConfig(args.quick, args.steps);
  const T = c.model.sequenceLength;
  console.log(`tiny-gpt - backend: ${backend.reason}`);
  console.log(`Text: "The Devil's Dictionary" (Ambrose Bierce, 1911, public domain): ${data.text.length} characters, vocabulary ${data.vocabularySize}.`);
  const gpt = createGpt(data, c);
  console.log(`Model: ${c.model.numLayers} TransformerDecoder blocks, width ${c.model.hiddenDim}, ${c.model.numHeads} heads, context ${T}, attention '${c.model.attention}', ${gpt.model.countParams()} parameters.`);
  console.log(`Loss before training: ${evalLoss(gpt, data, T, 4, 99).toFixed(3)} nats/char (uniform guess: ${Math.log(data.vocabularySize).toFixed(3)}).`);
  const t0 = performance.now();
  const every = Math.max(1, Math.floor(c.steps / 10));
  await train(gpt, data, c, (s) => {
    if (s.step % every === 0 || s.step === c.steps) {
      const sec = (performance.now() - t0) / 1000;
      console.log(`  step ${String(s.step).padStart(4)}/${c.steps}  loss ${s.loss.toFixed(3)}  ${Math.round(s.tokens / sec)} tok/s  ETA ${Math.round((sec / s.step) * (c.steps - s.step))} s`);
    }
  });
  console.log(`Loss after ${c.steps} steps: ${evalLoss(gpt, data, T, 4, 99).toFixed(3)} nats/char.`);

  const prompt = 'LAWYER, n.';
  const n = args.quick ? 120 : 300;
  sample(gpt, data, prompt, 4, true, 0); // warm-up: first-call kernel setup is not decoding speed
  sample(gpt, data, prompt, 4, false, 0);
  const cached = sample(gpt, data, prompt, n, true, 7);
  const uncached = sample(gpt, data, prompt, n, false, 7);
  console.log(`\nSample (seed 7, temperature 0.8, top-10):\n${cached.text}\n`);
  console.log(`Generation of ${n} characters: with KV cache ${Math.round(cached.tokensPerSecond)} tokens/s, without ${Math.round(uncached.tokensPerSecond)} tokens/s (${(cached.tokensPerSecond / uncached.tokensPerSecond).toFixed(1)}x); same text: ${cached.text === uncached.text ? 'yes' : 'NO'}.`);

  const dir = args.out ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-tiny-gpt-'));
  const reloaded = await saveAndReload(gpt, dir);
  const { x: probe, y: probeTargets } = data.batch(4, T, new Rng(5)); // [4, T] windows of the text
  probeTargets.dispose(); // only the inputs are compared; the targets would leak
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(gpt.logits(probe), reloaded.predict(probe) as tf.Tensor))).dataSync()[0]);
  console.log(`Saved to file://${dir} and reloaded: max |logit difference| = ${diff}.`);
  tf.dispose(probe);
  reloaded.dispose();
  gpt.dispose();
}

if (require.main === module) {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`tiny-gpt: ${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  main(args).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
