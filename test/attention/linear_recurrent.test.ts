/**
 * Recurrent decoding: linearAttentionState / linearAttentionPrefill /
 * linearAttentionStep equal the causal batch form token by token (1,000
 * tokens), state ownership, and rejection of states from other shapes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { linearAttention, LinearAttentionState, linearAttentionPrefill, linearAttentionState, linearAttentionStep } from '@tessera/attention';
import { describeEachBackend } from '../helpers/backends';
import { expectClose } from '../helpers/close';
import { expectThrowsNoLeak } from '../helpers/leaks';
import { LinShape, makeQKV, mapOptions, MapSpec, userMap } from './linear_dense';

/** Token t of x [B, heads, T, d] -> [B, heads, 1, d]. */
const tok = (x: tf.Tensor, t: number): tf.Tensor => tf.slice(x, [0, 0, t, 0], [-1, -1, 1, -1]);

/** Runs `T` steps from `state`, returns the outputs concatenated on the token axis; disposes the intermediate states. */
function decode(state: LinearAttentionState, q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, t0: number, T: number, opts: object): { out: tf.Tensor; state: LinearAttentionState } {
  const outs: tf.Tensor[] = [];
  let s = state;
  for (let t = t0; t < t0 + T; t++) {
    const r = tf.tidy(() => linearAttentionStep(s, tok(q, t), tok(k, t), tok(v, t), opts) as unknown as tf.TensorContainer) as unknown as { output: tf.Tensor; state: LinearAttentionState };
    if (s !== state) tf.dispose([s.S, s.z]);
    s = r.state;
    outs.push(r.output);
  }
  const out = tf.concat(outs, 2);
  tf.dispose(outs);
  return { out, state: s };
}

describeEachBackend('linear attention, recurrent form', () => {
  it('equals the causal batch form for 1,000 tokens (elu+1, GQA)', () => {
    const s: LinShape = { B: 1, H: 4, Hkv: 2, Tq: 1000, Tk: 1000, D: 8, Dv: 8 };
    const { q, k, v, dispose } = makeQKV(s, 1);
    const batch = linearAttention(q, k, v, { causal: true });
    const init = linearAttentionState({ B: 1, Hkv: 2, D: 8, Dv: 8 });
    const before = tf.memory().numTensors;
    const { out, state } = decode(init, q, k, v, 0, 1000, {});
    expect(tf.memory().numTensors).toBe(before + 3); // out + the final state; nothing else survives
    expect(init.S.isDisposed).toBe(false); // the caller's state is never disposed by a step
    expectClose(out, batch, { atol: 1e-4, rtol: 1e-4 });
    tf.dispose([batch, out, state.S, state.z, init.S, init.z]);
    dispose();
  });

  it.each<[string, MapSpec, number]>([
    ['relu', { kind: 'relu' }, 8],
    ['favor+', { kind: 'favor+', m: 32, seed: 4 }, 32],
    ['user map', { kind: 'fn' }, 16],
  ])('prefill + steps equal the batch form (%s)', (_l, spec, F) => {
    const s: LinShape = { B: 2, H: 2, Hkv: 1, Tq: 60, Tk: 60, D: 8, Dv: 3 };
    const { q, k, v, dispose } = makeQKV(s, 2);
    const opts = mapOptions(spec);
    const batch = linearAttention(q, k, v, { ...opts, causal: true, chunkSize: 16 });
    const kp = tf.slice(k, [0, 0, 0, 0], [-1, -1, 40, -1]);
    const vp = tf.slice(v, [0, 0, 0, 0], [-1, -1, 40, -1]);
    const prefix = linearAttentionPrefill(kp, vp, opts);
    expect(prefix.S.shape).toEqual([2, 1, F, 3]);
    const { out, state } = decode(prefix, q, k, v, 40, 20, opts);
    expectClose(out, tf.slice(batch, [0, 0, 40, 0], [-1, -1, 20, -1]), { atol: 1e-4, rtol: 1e-4 });
    // Prefill in two pieces equals prefill in one.
    const half = linearAttentionPrefill(tf.slice(kp, [0, 0, 0, 0], [-1, -1, 15, -1]), tf.slice(vp, [0, 0, 0, 0], [-1, -1, 15, -1]), opts);
    const rest = linearAttentionPrefill(tf.slice(kp, [0, 0, 15, 0], [-1, -1, 25, -1]), tf.slice(vp, [0, 0, 15, 0], [-1, -1, 25, -1]), opts, half);
    expectClose(rest.S, prefix.S, { atol: 1e-4, rtol: 1e-4 }, 'S');
    expectClose(rest.z, prefix.z, { atol: 1e-4, rtol: 1e-4 }, 'z');
    tf.dispose([batch, kp, vp, prefix.S, prefix.z, out, state.S, state.z, half.S, half.z, rest.S, rest.z]);
    dispose();
  });

  it('is differentiable (gradients flow to q, k, v and the state)', () => {
    const { q, k, v, dispose } = makeQKV({ B: 1, H: 2, Hkv: 1, Tq: 1, Tk: 1, D: 4, Dv: 2 }, 3);
    const st = linearAttentionState({ B: 1, Hkv: 1, D: 4, Dv: 2 });
    const S0 = tf.add(st.S, 0.5);
    const gs = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, S: tf.Tensor) => tf.sum(linearAttentionStep({ S, z: st.z }, a, b, c).output))([q, k, v, S0]);
    for (const g of gs) expect(Array.from(g.dataSync()).some((x) => x !== 0)).toBe(true);
    tf.dispose([...gs, S0, st.S, st.z]);
    dispose();
  });

  describe('rejects bad states and tokens, naming the argument, without leaking', () => {
    let x: ReturnType<typeof makeQKV>;
    let good: LinearAttentionState;
    let other: LinearAttentionState;
    beforeAll(() => {
      x = makeQKV({ B: 1, H: 2, Hkv: 1, Tq: 1, Tk: 1, D: 4, Dv: 3 }, 7);
      good = linearAttentionState({ B: 1, Hkv: 1, D: 4, Dv: 3 });
      other = linearAttentionState({ B: 1, Hkv: 1, D: 4, Dv: 5 });
    });
    afterAll(() => {
      x.dispose();
      tf.dispose([good.S, good.z, other.S, other.z]);
    });
    const cases: Array<[string, () => unknown, string | RegExp]> = [
      ['state from other shapes', () => linearAttentionStep(other, x.q, x.k, x.v), 'linearAttentionStep: state.S must have shape [1,1,4,3] [B, Hkv, F, Dv] to match q, k, v and the feature map, received [1,1,4,5]'],
      ['state for another feature map', () => linearAttentionStep(good, x.q, x.k, x.v, { featureMap: 'favor+', numFeatures: 16 }), 'state.S must have shape [1,1,16,3]'],
      ['user map with a state of the wrong F', () => linearAttentionStep(good, x.q, x.k, x.v, { featureMap: userMap }), 'with F = the feature map\'s 8 features, received [1,1,4,3]'],
      ['not a state', () => linearAttentionStep({ S: 1 } as unknown as LinearAttentionState, x.q, x.k, x.v), 'linearAttentionStep: state must be {S: [B, Hkv, F, Dv], z: [B, Hkv, F]}'],
      ['disposed state', () => {
        const d = linearAttentionState({ B: 1, Hkv: 1, D: 4, Dv: 3 });
        tf.dispose([d.S, d.z]);
        return linearAttentionStep(d, x.q, x.k, x.v);
      }, 'state.S has already been disposed'],
      ['two tokens', () => linearAttentionStep(good, tf.concat([x.q, x.q], 2), x.k, x.v), 'q, k and v must hold one token each'],
      ['eps 0', () => linearAttentionStep(good, x.q, x.k, x.v, { eps: 0 }), 'options.eps must be a finite number > 0, received 0'],
      ['causal is not a step option', () => linearAttentionStep(good, x.q, x.k, x.v, { causal: true } as object), 'options has an unknown option "causal"'],
      ['state spec without features for a function map', () => linearAttentionState({ B: 1, Hkv: 1, D: 4, Dv: 3, featureMap: userMap }), 'linearAttentionState: spec.features (F) is needed with a function featureMap'],
      ['state spec Hkv 0', () => linearAttentionState({ B: 1, Hkv: 0, D: 4, Dv: 3 }), 'spec.Hkv must be an integer >= 1, received 0'],
      ['state spec H % Hkv', () => linearAttentionState({ B: 1, H: 3, Hkv: 2, D: 4, Dv: 3 }), 'spec.H must be a multiple of spec.Hkv (GQA/MQA), received H=3 and Hkv=2'],
      ['prefill with a mismatched state', () => linearAttentionPrefill(x.k, x.v, {}, other), 'linearAttentionPrefill: state.S must have shape [1,1,4,3]'],
    ];
    it.each(cases)('%s', (_l, fn, msg) => {
      // The 'two tokens' case builds its input before the check; measure only the call.
      expectThrowsNoLeak(() => tf.tidy(() => fn() as never), msg);
    });
  });
});
