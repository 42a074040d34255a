import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@tessera/tensor';
import { MultiHeadAttention, multiHeadAttention } from '@tessera/layers';
import { describeEachBackend } from '../helpers/backends';
import { expectClose } from '../helpers/close';
import { expectThrowsNoLeak } from '../helpers/leaks';

function pair(args: ConstructorParameters<typeof MultiHeadAttention>[0], dim: number): [MultiHeadAttention, MultiHeadAttention] {
  const a = new MultiHeadAttention({ ...args, attention: 'flash' });
  const b = new MultiHeadAttention({ ...args, attention: 'reference' });
  a.build([null, null, dim] as never);
  b.build([null, null, dim] as never);
  b.setWeights(a.getWeights());
  return [a, b];
}

describeEachBackend('MultiHeadAttention flash vs reference', () => {
  it('same outputs and gradients (causal + padding, GQA, rope)', () => {
    const [fl, ref] = pair({ numHeads: 4, numKeyValueHeads: 2, keyDim: 4, positional: 'rope' }, 8);
    const x = tf.randomNormal([2, 6, 8], 0, 1, 'float32', 1);
    const pad = tf.tensor2d([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]], [2, 6], 'bool');
    const run = (l: MultiHeadAttention) => (xx: tf.Tensor) => l.apply(xx, { useCausalMask: true, attentionMask: pad }) as tf.Tensor;
    expectClose(run(fl)(x), run(ref)(x), { atol: 1e-5, rtol: 1e-5 }, 'outputs');
    expect(fl.lastAttentionPath).toBe('flash');
    expect(ref.lastAttentionPath).toBe('reference');
    const w = tf.randomNormal([2, 6, 8], 0, 1, 'float32', 2);
    const grads = (l: MultiHeadAttention) =>
      tf.variableGrads(() => tf.sum(tf.mul(run(l)(x), w)) as tf.Scalar, l.trainableWeights.map((v) => (v as unknown as { val: tf.Variable }).val));
    const gf = grads(fl);
    const gr = grads(ref);
    const names = Object.keys(gf.grads);
    expect(names.length).toBe(8);
    Object.values(gf.grads).forEach((g, i) => expectClose(g, Object.values(gr.grads)[i], { atol: 1e-4, rtol: 1e-4 }, `grad ${names[i]}`));
    const gx = tf.grad(run(fl))(x);
    const gxr = tf.grad(run(ref))(x);
    expectClose(gx, gxr, { atol: 1e-4, rtol: 1e-4 }, 'grad x');
  });
});

describe('MultiHeadAttention vs Keras einsum formulation [cpu: tfjs einsum has no wasm kernel]', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('matches a hand-written Keras computation (einsum projections + softmax attention)', () => {
    const mha = multiHeadAttention({ numHeads: 2, keyDim: 3, valueDim: 5, outputShape: 7 });
    const q = tf.randomNormal([2, 4, 6], 0, 1, 'float32', 3);
    const v = tf.randomNormal([2, 5, 6], 0, 1, 'float32', 4);
    const [out, scores] = mha.apply([q, v], { returnAttentionScores: true }) as tf.Tensor[];
    expect(out.shape).toEqual([2, 4, 7]);
    expect(scores.shape).toEqual([2, 2, 4, 5]);
    expect(mha.lastAttention).toMatchObject({ requested: 'auto', path: 'reference', reason: 'returnAttentionScores needs the attention probabilities' });
    const w = Object.fromEntries(mha.weights.map((x) => [x.originalName.split('/').slice(-2).join('/'), x.read()]));
    // Keras: einsum('abc,cde->abde'), softmax(q.k / sqrt(keyDim)), einsum('abcd,cde->abe').
    const proj = (x: tf.Tensor, name: string) => tf.add(tf.einsum('abc,cde->abde', x, w[`${name}/kernel`]), w[`${name}/bias`]);
    const qh = tf.transpose(proj(q, 'query'), [0, 2, 1, 3]);
    const kh = tf.transpose(proj(v, 'key'), [0, 2, 1, 3]);
    const vh = tf.transpose(proj(v, 'value'), [0, 2, 1, 3]);
    const p = tf.softmax(tf.div(tf.matMul(qh, kh, false, true), Math.sqrt(3)));
    expectClose(scores, p, { atol: 1e-5, rtol: 1e-5 }, 'scores');
    const o = tf.transpose(tf.matMul(p, vh), [0, 2, 1, 3]);
    const expected = tf.add(tf.einsum('abcd,cde->abe', o, w['attention_output/kernel']), w['attention_output/bias']);
    expectClose(out, expected, { atol: 1e-5, rtol: 1e-5 }, 'output');
  });

  it('Keras masks: [B,Tq,Tk] padding+causal runs flash; a general mask falls back to the reference and says why', () => {
    const mha = multiHeadAttention({ numHeads: 2, keyDim: 4 });
    const x = tf.randomNormal([2, 5, 8], 0, 1, 'float32', 5);
    const lens = [5, 3];
    const keras = tf.tensor3d(Array.from({ length: 2 * 25 }, (_, e) => {
      const [b, i, j] = [Math.floor(e / 25), Math.floor(e / 5) % 5, e % 5];
      return j <= i && j < lens[b] ? 1 : 0;
    }), [2, 5, 5]);
    const y1 = mha.apply(x, { attentionMask: keras }) as tf.Tensor;
    expect(mha.lastAttention).toMatchObject({ path: 'flash', reason: '' });
    const pad = tf.tensor2d([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]]);
    const y2 = mha.apply(x, { attentionMask: pad, useCausalMask: true }) as tf.Tensor;
    expectClose(y1, y2, { atol: 1e-6, rtol: 1e-6 });
    // A mask that is neither: each query sees only itself.
    const eye = tf.reshape(tf.tile(tf.reshape(tf.eye(5), [1, 5, 5]), [2, 1, 1]), [2, 5, 5]);
    const y3 = mha.apply(x, { attentionMask: eye }) as tf.Tensor;
    expect(mha.lastAttention).toMatchObject({ path: 'reference', reason: 'attentionMask is not a padding mask (its rows differ beyond the causal pattern)' });
    // Seeing only itself, each output is the projection of its own value.
    const w = Object.fromEntries(mha.weights.map((v) => [v.originalName.split('/').slice(-2).join('/'), v.read()]));
    const val = tf.add(tf.einsum('abc,cde->abde', x, w['value/kernel']), w['value/bias']);
    const expected = tf.add(tf.einsum('abcd,cde->abe', val, w['attention_output/kernel']), w['attention_output/bias']);
    expectClose(y3, expected, { atol: 1e-5, rtol: 1e-5 });
    // Keras's causal mask is top-left aligned: with Tq > Tk query i sees keys j <= i.
    const q = tf.randomNormal([1, 4, 8], 0, 1, 'float32', 6);
    const v = tf.randomNormal([1, 2, 8], 0, 1, 'float32', 7);
    const [, s] = mha.apply([q, v], { useCausalMask: true, returnAttentionScores: true }) as tf.Tensor[];
    expect(Array.from(s.dataSync()).slice(0, 2)).toEqual([1, 0]);
    const yc = mha.apply([q, v], { useCausalMask: true }) as tf.Tensor;
    expect(mha.lastAttentionPath).toBe('flash');
    const yr = (mha.apply([q, v], { useCausalMask: true, returnAttentionScores: true }) as tf.Tensor[])[0];
    expectClose(yc, yr, { atol: 1e-5, rtol: 1e-5 });
  });

});

describe('MultiHeadAttention semantics [wasm]', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('GQA: key/value kernels have numKeyValueHeads heads; query head h uses kv head floor(h / G)', () => {
    const mha = multiHeadAttention({ numHeads: 4, numKeyValueHeads: 2, keyDim: 3, useBias: false });
    const x = tf.randomNormal([1, 5, 6], 0, 1, 'float32', 8);
    const y = mha.apply(x) as tf.Tensor;
    const shapes = Object.fromEntries(mha.weights.map((v) => [v.originalName.split('/').slice(-2).join('/'), v.shape]));
    expect(shapes).toEqual({ 'query/kernel': [6, 4, 3], 'key/kernel': [6, 2, 3], 'value/kernel': [6, 2, 3], 'attention_output/kernel': [4, 3, 6] });
    // Same as MHA with 4 kv heads whose key/value kernels repeat each GQA head twice.
    const mha4 = multiHeadAttention({ numHeads: 4, keyDim: 3, useBias: false });
    mha4.build([null, 5, 6] as never);
    const [qk, kk, vk, ok] = mha.getWeights();
    const rep = (k: tf.Tensor) => tf.reshape(tf.tile(tf.reshape(k, [6, 2, 1, 3]), [1, 1, 2, 1]), [6, 4, 3]);
    mha4.setWeights([qk, rep(kk), rep(vk), ok]);
    expectClose(mha4.apply(x) as tf.Tensor, y, { atol: 1e-5, rtol: 1e-5 });
  });

  it('functional API with [query, value, key, mask] inputs, and tf.sequential self-attention', async () => {
    const q = tf.input({ shape: [4, 6] });
    const v = tf.input({ shape: [5, 6] });
    const k = tf.input({ shape: [5, 6] });
    const m = tf.input({ shape: [5] });
    const mha = multiHeadAttention({ numHeads: 2, keyDim: 3 });
    const model = tf.model({ inputs: [q, v, k, m], outputs: mha.apply([q, v, k, m]) as tf.SymbolicTensor });
    const xs = [tf.randomNormal([2, 4, 6]), tf.randomNormal([2, 5, 6]), tf.randomNormal([2, 5, 6]), tf.tensor2d([[1, 1, 1, 1, 1], [1, 1, 0, 0, 0]])];
    const y = model.predict(xs) as tf.Tensor;
    expect(y.shape).toEqual([2, 4, 6]);
    const seq = tf.sequential({ layers: [multiHeadAttention({ numHeads: 2, keyDim: 3, inputShape: [4, 6] }), tf.layers.dense({ units: 2 })] });
    expect((seq.predict(tf.randomNormal([3, 4, 6])) as tf.Tensor).shape).toEqual([3, 4, 2]);
  });

  it('dropout during training runs on the probabilities (reference path, says so); inference uses flash', () => {
    const mha = multiHeadAttention({ numHeads: 2, keyDim: 4, dropout: 0.5, seed: 1 });
    const x = tf.randomNormal([1, 4, 8]);
    tf.dispose(mha.apply(x, { training: true }) as tf.Tensor);
    expect(mha.lastAttention).toMatchObject({ path: 'reference', reason: 'attention dropout during training acts on the attention probabilities' });
    tf.dispose(mha.apply(x) as tf.Tensor);
    expect(mha.lastAttentionPath).toBe('flash');
  });

  it('bad input: errors name the argument and quote the value; nothing leaks; state unchanged', () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ numHeads: 0, keyDim: 4 }, /numHeads must be an integer >= 1, received 0/],
      [{ numHeads: 2, keyDim: 2.5 }, /keyDim must be an integer >= 1, received 2.5/],
      [{ numHeads: 2, keyDim: '4' }, /keyDim must be an integer >= 1, received "4"/],
      [{ numHeads: 4, numKeyValueHeads: 3, keyDim: 4 }, /numHeads must be divisible by numKeyValueHeads, received numHeads 4 and numKeyValueHeads 3/],
      [{ numHeads: 2, keyDim: 4, attention: 'fastest' }, /attention must be one of "auto", "flash", "sparse", "linear", "reference", received "fastest"/],
      [{ numHeads: 2, keyDim: 4, positional: 'learned' }, /positional must be one of "none", "rope", "alibi", received "learned"/],
      [{ numHeads: 2, keyDim: 4, dropout: 1.5 }, /dropout must be a number in \[0, 1\), received 1.5/],
      [{ numHeads: 2, keyDim: 4, attentionOptions: { windw: [1, 0] } }, /attentionOptions has an unknown option "windw"/],
      [{ numHeads: 2, keyDim: 4, kernelInitializer: 'notAnInit' }, /kernelInitializer names an unknown initializer "NotAnInit"/],
      [{ numHeads: 2, keyDim: 3, positional: 'rope' }, /positional 'rope' needs an even keyDim, received keyDim 3/],
    ];
    for (const [args, msg] of bad) expect(() => multiHeadAttention(args as never)).toThrow(msg);
    const mha = multiHeadAttention({ numHeads: 2, keyDim: 4 });
    const q = tf.randomNormal([2, 3, 8]);
    tf.dispose(mha.apply(q) as tf.Tensor);
    const before = mha.getWeights().map((w) => w.dataSync().slice());
    const v6 = tf.randomNormal([2, 5, 6]);
    const v8 = tf.randomNormal([2, 5, 8]);
    const k4 = tf.randomNormal([2, 4, 8]);
    const maskBad = tf.ones([2, 3, 4]);
    const rank2 = tf.randomNormal([2, 8]);
    expectThrowsNoLeak(() => mha.apply([q, v6]), /value last dimension must be 8 \(as built\), received value \[2,5,6\]/);
    expectThrowsNoLeak(() => mha.apply([q, v8, k4]), /key and value must share the sequence length, received key \[2,4,8\] and value \[2,5,8\]/);
    expectThrowsNoLeak(() => mha.apply([q, v8], { attentionMask: maskBad }), /attentionMask must have shape \[B, Tq, Tk\] = \[2,3,5\] \(or a padding mask \[B, Tk\] = \[2,5\]\), received \[2,3,4\]/);
    expectThrowsNoLeak(() => mha.apply(rank2), /query must have rank 3 \[B, Tq, dim\], received shape \[2,8\] \(rank 2\)/);
    mha.getWeights().forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(Array.from(before[i])));
    const lin = multiHeadAttention({ numHeads: 2, keyDim: 4, attention: 'linear' });
    const pad = tf.ones([2, 3]);
    tf.dispose(lin.apply(q) as tf.Tensor);
    expectThrowsNoLeak(() => lin.apply(q, { attentionMask: pad }), /attention 'linear' cannot apply a padding mask/);
    expectThrowsNoLeak(() => lin.apply(q, { returnAttentionScores: true }), /attention 'linear' cannot apply returnAttentionScores/);
  });

  it('ALiBi: the probabilities path and attentionReference path agree; probabilities sum to 1', () => {
    const mha = multiHeadAttention({ numHeads: 2, keyDim: 4, positional: 'alibi', attention: 'reference', useBias: false });
    const x = tf.randomNormal([1, 5, 8], 0, 1, 'float32', 9);
    const [y, s] = mha.apply(x, { useCausalMask: true, returnAttentionScores: true }) as tf.Tensor[];
    const y2 = mha.apply(x, { useCausalMask: true }) as tf.Tensor;
    expectClose(y, y2, { atol: 1e-5, rtol: 1e-5 });
    expectClose(tf.sum(s, -1), tf.ones([1, 2, 5]), { atol: 1e-5, rtol: 1e-5 });
  });
});
