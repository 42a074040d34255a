/**
 * flashAttention's contract beyond the numbers: bad input rejected with
 * messages that name the argument and quote the value, no leaked tensors
 * (also when something throws), the engine indirection, and training paths
 * (tf.variableGrads, optimizer.minimize, model.fit) agreeing with the reference.
 */
import * as tf from '@tensorflow/tfjs';
import { attentionReference, AttentionOptions, flashAttention, flashBackwardImpl, flashForwardImpl, getEngine, info, resetEngine, setEngine, TYPESCRIPT_ENGINE } from '@tessera/attention';
import { describeEachBackend } from '../helpers/backends';
import { expectClose } from '../helpers/close';
import { expectNoLeaks, expectThrowsLeakingOnlyArgs, expectThrowsNoLeak } from '../helpers/leaks';
import { ALL_OPTS, kernelUsesEngine, makeCase, Shape } from './flash_cases';

const S: Shape = { B: 2, H: 4, Hkv: 2, Tq: 3, Tk: 5, D: 4, Dv: 3 };

describeEachBackend('flashAttention API', (backend) => {
  // The TypeScript engine is this suite's subject; the engine tests below install others.
  beforeEach(() => setEngine(TYPESCRIPT_ENGINE));
  afterAll(() => resetEngine());

  describe('bad input names the argument and quotes the value, without leaking', () => {
    let tc: ReturnType<typeof makeCase>;
    beforeAll(() => {
      tc = makeCase(S, [], 9);
    });
    afterAll(() => tc.dispose());
    const W = 'flashAttention: ';
    const cases: Array<[string, (arg: <T extends tf.Tensor>(t: T) => T) => unknown, string]> = [
      ['rank', (arg) => flashAttention(arg(tf.zeros([2, 3])), tc.k, tc.v), `${W}q must have rank 4 [B, H, Tq, D], received shape [2,3] (rank 2)`],
      ['D mismatch', () => flashAttention(tc.q, tc.v, tc.v), 'q and k must share head size D, received q [2,4,3,4] and k [2,2,5,3]'],
      ['batch mismatch', (arg) => flashAttention(tc.q, arg(tf.zeros([1, 2, 5, 4])), tc.v), 'q, k and v must share batch size B'],
      ['Tk mismatch', (arg) => flashAttention(tc.q, tc.k, arg(tf.zeros([2, 2, 4, 3]))), 'k and v must share Hkv and Tk, received k [2,2,5,4] and v [2,2,4,3]'],
      ['H % Hkv', (arg) => flashAttention(arg(tf.zeros([2, 3, 3, 4])), tc.k, tc.v), 'query heads H must be a multiple of key/value heads Hkv (GQA/MQA), received H=3'],
      ['q dtype', (arg) => flashAttention(arg(tf.zeros([2, 4, 3, 4], 'int32')), tc.k, tc.v), `${W}q must have dtype float32, received int32`],
      ['v dtype', (arg) => flashAttention(tc.q, tc.k, arg(tf.zeros([2, 2, 5, 3], 'int32'))), `${W}v must have dtype float32, received int32`],
      ['NaN scale', () => flashAttention(tc.q, tc.k, tc.v, { scale: NaN }), `${W}options.scale must be a finite number, received NaN`],
      ['window < -1', () => flashAttention(tc.q, tc.k, tc.v, { window: [-2, 3] }), `${W}options.window must be [left, right] with integers >= -1 (-1 = unbounded), received [-2,3]`],
      ['softcap 0', () => flashAttention(tc.q, tc.k, tc.v, { softcap: 0 }), `${W}options.softcap must be a finite number > 0, received 0`],
      ['softcap < 0', () => flashAttention(tc.q, tc.k, tc.v, { softcap: -1 }), 'options.softcap must be a finite number > 0, received -1'],
      ['alibi length', () => flashAttention(tc.q, tc.k, tc.v, { alibiSlopes: [1, 2] }), 'options.alibiSlopes must have length H=4 (one slope per query head), received length 2: [1,2]'],
      ['alibi tensor shape', (arg) => flashAttention(tc.q, tc.k, tc.v, { alibiSlopes: arg(tf.zeros([3])) }), 'options.alibiSlopes must have length H=4 (one slope per query head), received shape [3]'],
      ['keyMask shape', (arg) => flashAttention(tc.q, tc.k, tc.v, { keyMask: arg(tf.ones([2, 4], 'bool')) }), 'options.keyMask must have shape [2,5], received [2,4]'],
      ['segmentIds.q shape', (arg) => flashAttention(tc.q, tc.k, tc.v, { segmentIds: { q: arg(tf.zeros([2, 4], 'int32')), k: arg(tf.zeros([2, 5], 'int32')) } }), 'options.segmentIds.q must have shape [2,3], received [2,4]'],
      ['segmentIds.k shape', (arg) => flashAttention(tc.q, tc.k, tc.v, { segmentIds: { q: arg(tf.zeros([2, 3], 'int32')), k: arg(tf.zeros([2, 3], 'int32')) } }), 'options.segmentIds.k must have shape [2,5], received [2,3]'],
      ['bias', (arg) => flashAttention(tc.q, tc.k, tc.v, { bias: arg(tf.zeros([1, 4, 3, 5])) }), `${W}options.bias is not supported: a dense [Tq,Tk] bias would bring back the O(n^2) memory; use alibiSlopes, window, causal, segmentIds or a block-sparse mask`],
      ['causal type', () => flashAttention(tc.q, tc.k, tc.v, { causal: 'yes' as unknown as boolean }), 'options.causal must be a boolean, received "yes"'],
      ['unknown option', () => flashAttention(tc.q, tc.k, tc.v, { casual: true } as unknown as AttentionOptions), 'options has an unknown option "casual"'],
    ];
    it.each(cases)('%s', (_n, fn, msg) => expectThrowsLeakingOnlyArgs(fn, msg));
  });

  it('leaks nothing: forward, returnLse, gradients, with every option', async () => {
    const fc = makeCase(S, ALL_OPTS, 4);
    await expectNoLeaks(() => flashAttention(fc.q, fc.k, fc.v, fc.o));
    await expectNoLeaks(() => flashAttention(fc.q, fc.k, fc.v, { ...fc.o, returnLse: true }));
    await expectNoLeaks(() => tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(flashAttention(a, b, c, fc.o)))([fc.q, fc.k, fc.v]));
    await expectNoLeaks(() => tf.grads((a: tf.Tensor) => tf.sum(flashAttention(a, fc.k, fc.v, { ...fc.o, returnLse: true }).lse))([fc.q]));
    fc.dispose();
  });

  // The engine tests apply where the kernel runs through the engine; a backend with its own program (WGSL) skips them visibly.
  const itEngine = kernelUsesEngine(backend) ? it : it.skip;

  itEngine('leaks nothing (tensors or backend buffers) when the engine throws inside the kernel', () => {
    const fc = makeCase(S, ['causal'], 4);
    setEngine({
      name: 'failing',
      flashForward: () => {
        throw new Error('engine failure');
      },
    });
    const dataIds = tf.engine().backend.numDataIds();
    expectThrowsNoLeak(() => flashAttention(fc.q, fc.k, fc.v, fc.o), 'engine failure');
    expect(tf.engine().backend.numDataIds()).toBe(dataIds);
    fc.dispose();
  });

  itEngine('runs through an installed engine, falls back for what it lacks, and info() names it', () => {
    const fc = makeCase(S, ['causal'], 6);
    const calls: string[] = [];
    setEngine({ name: 'counting', flashForward: (a) => (calls.push('fwd'), flashForwardImpl({ ...a, tiles: { br: 2, bc: 3 } })) });
    expect(info().engine).toBe('counting');
    expect(getEngine().flashBackward).toBe(flashBackwardImpl);
    const out = flashAttention(fc.q, fc.k, fc.v, fc.o);
    expect(calls).toEqual(['fwd']);
    const atLoad = (resetEngine(), getEngine().name); // the engine chosen at load: native where built, else TypeScript
    expect(info().engine).toBe(atLoad);
    setEngine(TYPESCRIPT_ENGINE);
    expect(info().engine).toBe('typescript');
    const ref = flashAttention(fc.q, fc.k, fc.v, fc.o);
    expectClose(out, ref, { atol: 1e-6, rtol: 1e-6 });
    tf.dispose([out, ref]);
    expect(() => setEngine({ name: '' })).toThrow('setEngine: engine must be an object with a non-empty string name, received {"name":""}');
    expect(() => setEngine({ name: 'x', flashForward: 3 as unknown as () => void })).toThrow('setEngine: engine.flashForward must be a function, received 3');
    fc.dispose();
  });

  it('tf.variableGrads and optimizer.minimize agree with the reference', () => {
    const fc = makeCase({ B: 1, H: 2, Hkv: 1, Tq: 4, Tk: 6, D: 3, Dv: 2 }, ['causal', 'alibi'], 12);
    const grads = (f: typeof flashAttention) => {
      const vars = [tf.variable(fc.q.clone()), tf.variable(fc.k.clone()), tf.variable(fc.v.clone())];
      const { value, grads: g } = tf.variableGrads(() => tf.sum(tf.square(f(vars[0], vars[1], vars[2], fc.o))) as tf.Scalar, vars);
      const res = vars.map((x) => g[x.name].clone());
      tf.dispose([value, ...Object.values(g), ...vars]);
      return res;
    };
    const a = grads(flashAttention);
    const b = grads(attentionReference as typeof flashAttention);
    a.forEach((x, i) => expectClose(x, b[i], undefined, `variableGrads ${i}`));
    tf.dispose([...a, ...b]);

    const step = (f: typeof flashAttention) => {
      const qv = tf.variable(fc.q.clone());
      tf.train.sgd(0.5).minimize(() => tf.sum(tf.square(f(qv, fc.k, fc.v, fc.o))) as tf.Scalar);
      const out = qv.clone();
      qv.dispose();
      return out;
    };
    const qa = step(flashAttention);
    const qb = step(attentionReference as typeof flashAttention);
    expectClose(qa, qb, undefined, 'q after one SGD step');
    tf.dispose([qa, qb]);
    fc.dispose();
  });

  it('trains inside a tf.layers model with model.fit, step for step like the reference', async () => {
    const T = 5;
    const D = 4;
    class SelfAttention extends tf.layers.Layer {
      static className = 'TestFlashSelfAttention';
      private w!: tf.LayerVariable;
      constructor(private readonly attend: typeof flashAttention, config?: { inputShape?: number[] }) {
        super(config ?? {});
      }
      override build(): void {
        this.w = this.addWeight('w', [D, D], 'float32', tf.initializers.constant({ value: 0 }));
        this.w.write(tf.tidy(() => tf.add(tf.eye(D), tf.mul(0.1, tf.reshape(tf.range(0, D * D), [D, D])))));
      }
      override computeOutputShape(s: tf.Shape): tf.Shape {
        return s;
      }
      override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
        return tf.tidy(() => {
          const x = Array.isArray(inputs) ? inputs[0] : inputs;
          const b = x.shape[0] as number;
          // [b, T, D] x [D, D] -> [b, T, D] -> [b, 1, T, D]
          const h = tf.reshape(tf.matMul(tf.reshape(x, [b * T, D]), this.w.read()), [b, 1, T, D]);
          // [b, 1, T, D] -> [b, T, D]
          return tf.reshape(this.attend(h, h, h, { causal: true }), [b, T, D]);
        });
      }
    }
    const run = async (attend: typeof flashAttention) => {
      const model = tf.sequential({ layers: [new SelfAttention(attend, { inputShape: [T, D] })] });
      model.compile({ optimizer: tf.train.sgd(0.3), loss: 'meanSquaredError' });
      const x = tf.tidy(() => tf.sin(tf.reshape(tf.range(0, 2 * T * D), [2, T, D])));
      const y = tf.tidy(() => tf.cos(tf.reshape(tf.range(0, 2 * T * D), [2, T, D])));
      const h = await model.fit(x, y, { epochs: 2, batchSize: 2, verbose: 0 });
      const w = model.getWeights()[0].clone();
      tf.dispose([x, y]);
      model.dispose();
      return { w, loss: h.history.loss as number[] };
    };
    const a = await run(flashAttention);
    const b = await run(attentionReference as typeof flashAttention);
    expect(a.loss[1]).toBeLessThan(a.loss[0]);
    expectClose(a.loss, b.loss, undefined, 'loss history');
    expectClose(a.w, b.w, undefined, 'weights after fit');
    tf.dispose([a.w, b.w]);
  });
});
