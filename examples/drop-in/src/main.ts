/**
 * drop-in: a Keras-style text classifier (tfjs-layers functional model) with
 * Tessera's MultiHeadAttention used exactly as tf.keras users write
 * `layers.MultiHeadAttention(num_heads, key_dim)(x, x)`, compiled and trained
 * with `fit` and callbacks (early stopping + a progress logger).
 *
 * The data is synthetic "reviews": words with a polarity (good, awful, ...),
 * neutral filler and "not", which flips the next word. The label is the sign
 * of the sum. A bag of words cannot see negation; attention can.
 *
 *   npm start -w @tessera/example-drop-in [-- --quick] [-- --backend cpu]
 */
import * as tf from '@tensorflow/tfjs';
import { MultiHeadAttention, multiHeadAttention, tokenAndPositionEmbedding } from '@tessera/layers';
import { BACKEND_NAMES, initBackend, Rng } from '@tessera/tensor';

export const POSITIVE = ['good', 'great', 'fine', 'superb', 'lovely', 'fun'];
export const NEGATIVE = ['bad', 'awful', 'dull', 'poor', 'boring', 'weak'];
export const FILLER = ['the', 'a', 'film', 'plot', 'was', 'and', 'cast', 'very', 'it', 'so', 'story', 'music'];
export const VOCAB = ['not', ...POSITIVE, ...NEGATIVE, ...FILLER];

export interface Reviews {
  /** [N, T] int32 word ids. */
  x: tf.Tensor2D;
  /** [N, 1] float32: 1 positive, 0 negative. */
  y: tf.Tensor2D;
  texts: string[];
}

/** N reviews of T words with 1-4 polar words each, half of them negated; labels balanced, no ties. */
export function makeReviews(N: number, T: number, seed: number): Reviews {
  const rng = new Rng(seed);
  const ids: number[] = [];
  const labels: number[] = [];
  const texts: string[] = [];
  const id = (w: string) => VOCAB.indexOf(w);
  while (labels.length < N) {
    const words = Array.from({ length: T }, () => FILLER[rng.int(FILLER.length)]);
    const polar = 1 + rng.int(4);
    let score = 0;
    const slots = rng.shuffle(Array.from({ length: T / 2 }, (_, i) => 2 * i)).slice(0, polar); // even slots: room for "not" before
    for (const s of slots) {
      const positive = rng.uniform() < 0.5;
      const negated = rng.uniform() < 0.5;
      const list = positive ? POSITIVE : NEGATIVE;
      words[s + 1] = list[rng.int(list.length)];
      if (negated) words[s] = 'not';
      score += (positive ? 1 : -1) * (negated ? -1 : 1);
    }
    if (score === 0) continue;
    const label = score > 0 ? 1 : 0;
    if (labels.filter((l) => l === label).length >= N / 2) continue; // balance the classes
    ids.push(...words.map(id));
    labels.push(label);
    texts.push(words.join(' '));
  }
  return { x: tf.tensor2d(ids, [N, T], 'int32'), y: tf.tensor2d(labels, [N, 1], 'float32'), texts };
}

export interface ClassifierConfig {
  T: number;
  embeddingDim: number;
  numHeads: number;
  /** false: the same model without the attention block (the bag-of-words baseline). */
  attention: boolean;
  seed: number;
}

/** The functional model, Keras style. */
export function buildClassifier(c: ClassifierConfig): { model: tf.LayersModel; mha: MultiHeadAttention | null } {
  const inputs = tf.input({ shape: [c.T], dtype: 'int32' });
  let x = tokenAndPositionEmbedding({ vocabularySize: VOCAB.length, sequenceLength: c.T, embeddingDim: c.embeddingDim }).apply(inputs) as tf.SymbolicTensor;
  let mha: MultiHeadAttention | null = null;
  if (c.attention) {
    mha = multiHeadAttention({ numHeads: c.numHeads, keyDim: c.embeddingDim / c.numHeads, kernelInitializer: tf.initializers.glorotUniform({ seed: c.seed }) });
    // Self-attention, as Keras users write mha(x, x).
    const attended = mha.apply([x, x]) as tf.SymbolicTensor;
    x = tf.layers.add().apply([x, attended]) as tf.SymbolicTensor; // residual
  }
  x = tf.layers.globalAveragePooling1d().apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: 32, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: c.seed + 1 }) }).apply(x) as tf.SymbolicTensor;
  const outputs = tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: c.seed + 2 }) }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs, outputs });
  model.compile({ optimizer: tf.train.adam(5e-3), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return { model, mha };
}

export interface FitResult {
  history: tf.History;
  testAccuracy: number;
  epochsRun: number;
  attentionPath: string | null;
}

/** fit() with EarlyStopping on validation accuracy and a one-line-per-epoch logger, then evaluate on fresh reviews. */
export async function trainClassifier(c: ClassifierConfig, o: { train: number; test: number; epochs: number; log?: (s: string) => void }): Promise<FitResult> {
  const { model, mha } = buildClassifier(c);
  const train = makeReviews(o.train, c.T, c.seed);
  const test = makeReviews(o.test, c.T, c.seed + 1000);
  const log = o.log ?? (() => undefined);
  let epochsRun = 0;
  try {
    const history = await model.fit(train.x, train.y, {
      epochs: o.epochs,
      batchSize: 32,
      validationSplit: 0.2,
      shuffle: true,
      verbose: 0,
      callbacks: [
        tf.callbacks.earlyStopping({ monitor: 'val_acc', patience: 5, mode: 'max' }),
        new tf.CustomCallback({
          onEpochEnd: async (epoch, logs) => {
            epochsRun = epoch + 1;
            log(`  epoch ${String(epoch + 1).padStart(2)}  loss ${logs?.loss.toFixed(3)}  acc ${logs?.acc.toFixed(3)}  val_loss ${logs?.val_loss.toFixed(3)}  val_acc ${logs?.val_acc.toFixed(3)}`);
          },
        }),
      ],
    });
    const scores = model.evaluate(test.x, test.y, { batchSize: 64 }) as tf.Scalar[]; // [loss, accuracy]
    const testAccuracy = (await scores[1].data())[0];
    tf.dispose(scores);
    return { history, testAccuracy, epochsRun, attentionPath: mha?.lastAttentionPath ?? null };
  } finally {
    tf.dispose([train.x, train.y, test.x, test.y]);
    model.optimizer.dispose(); // an optimizer instance passed to compile() is not disposed with the model
    model.dispose();
  }
}

const USAGE = `usage: npm start -w @tessera/example-drop-in -- [--quick] [--backend ${BACKEND_NAMES.join('|')}]`;

async function main(argv: string[]): Promise<void> {
  let quick = false;
  let backendName: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--quick') quick = true;
    else if (argv[i] === '--backend' && (BACKEND_NAMES as readonly string[]).includes(argv[i + 1])) backendName = argv[++i];
    else {
      const what = argv[i] === '--backend' ? `--backend must be one of ${BACKEND_NAMES.join(', ')}, received ${JSON.stringify(argv[i + 1] ?? null)}` : `unknown argument ${JSON.stringify(argv[i])}`;
      console.error(`drop-in: ${what}\n${USAGE}`);
      process.exit(2);
    }
  }
  const backend = await initBackend(backendName);
  console.log(`drop-in - backend: ${backend.reason}`);
  const sample = makeReviews(4, 12, 5);
  console.log(`Synthetic reviews (label 1 = positive), e.g.:\n${sample.texts.map((t, i) => `  [${sample.y.dataSync()[i]}] ${t}`).join('\n')}`);
  tf.dispose([sample.x, sample.y]);
  const o = { train: quick ? 2048 : 4096, test: 1000, epochs: quick ? 10 : 30, log: console.log };
  const results: Array<[string, FitResult]> = [];
  for (const attention of [true, false]) {
    console.log(`\n${attention ? 'With MultiHeadAttention (flash)' : 'Baseline: same model without attention (bag of words)'}:`);
    const r = await trainClassifier({ T: 12, embeddingDim: 32, numHeads: 4, attention, seed: 3 }, o);
    results.push([attention ? 'with MultiHeadAttention' : 'without attention', r]);
  }
  console.log('\nTest accuracy on 1000 new reviews:');
  for (const [name, r] of results) console.log(`  ${name.padEnd(24)} ${(100 * r.testAccuracy).toFixed(1)}%  (${r.epochsRun} epochs${r.attentionPath ? `, attention ran on: ${r.attentionPath}` : ''})`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
