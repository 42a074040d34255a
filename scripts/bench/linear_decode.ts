/**
 * Decoding benchmark for linear attention (issue 5): time per generated token
 * with linearAttentionStep at context 1k and 64k. The recurrent state is
 * F x Dv per head whatever the context, so the target is equal times
 * (within 20%). The context is absorbed with linearAttentionPrefill (not timed).
 *
 * Run: npx ts-node --transpile-only scripts/bench/linear_decode.ts
 * (TESSERA_BACKEND=cpu|wasm to choose the backend; default as initBackend).
 * Prints one JSON line per context and a summary line with the ratio. Contexts
 * are measured in interleaved rounds (median), so machine noise hits both alike.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LinearAttentionState, linearAttentionPrefill, linearAttentionStep } from '@tessera/attention';
import { initBackend } from '@tessera/tensor';

const B = 1;
const H = 8;
const HKV = 8;
const D = 64;
const STEPS = 100;
const ROUNDS = 7;
const CONTEXTS = [1024, 65536];

/** Decoder state after `context` random tokens (absorbed by prefill; not timed). */
function stateAfter(context: number): LinearAttentionState {
  const k = tf.randomNormal([B, HKV, context, D]);
  const v = tf.randomNormal([B, HKV, context, D]);
  const state = linearAttentionPrefill(k, v);
  tf.dispose([k, v]);
  return state;
}

/** Runs `steps` decode steps from `state`; returns ms per token and the final state (the input state is kept). */
function run(state: LinearAttentionState, steps: number, x: tf.Tensor[]): { ms: number; state: LinearAttentionState } {
  const [qT, kT, vT] = x;
  let s = state;
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    const { output, state: next } = linearAttentionStep(s, qT, kT, vT);
    output.dataSync(); // a decoder reads each token's output before the next step
    output.dispose();
    if (s !== state) tf.dispose([s.S, s.z]);
    s = next;
  }
  return { ms: (performance.now() - t0) / steps, state: s };
}

async function main(): Promise<void> {
  const info = await initBackend();
  const x = [tf.randomNormal([B, H, 1, D]), tf.randomNormal([B, HKV, 1, D]), tf.randomNormal([B, HKV, 1, D])];
  const states = CONTEXTS.map(stateAfter);
  for (const st of states) tf.dispose(Object.values(run(st, 50, x).state)); // warm-up
  // Interleaved rounds, so machine noise hits both contexts alike; median per context.
  const samples: number[][] = CONTEXTS.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    states.forEach((st, c) => {
      const res = run(st, STEPS, x);
      samples[c].push(res.ms);
      tf.dispose([res.state.S, res.state.z]);
    });
  }
  const median = (a: number[]): number => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
  const ms = samples.map(median);
  CONTEXTS.forEach((context, c) => {
    console.log(JSON.stringify({ bench: 'linear-decode', backend: info.name, B, H, Hkv: HKV, D, context, msPerToken: +ms[c].toFixed(4), tokensPerSecond: Math.round(1000 / ms[c]) }));
  });
  const ratio = ms[1] / ms[0];
  console.log(JSON.stringify({ bench: 'linear-decode', backend: info.name, ratio_64k_1k: +ratio.toFixed(3), target: 'within 20%', withinTarget: Math.abs(ratio - 1) <= 0.2 }));
  tf.dispose([...x, ...states.flatMap((st) => [st.S, st.z])]);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
