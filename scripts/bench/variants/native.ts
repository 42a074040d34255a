/**
 * Native engine variants for `npm run bench -- attention` (issue 6):
 *  - native-flash / native-flash-causal: flashAttention on @tessera/native's
 *    C++ engine (FlashAttention-2, SIMD + thread pool), forward and
 *    forward+backward, on whatever backend the runner selects (cpu reads and
 *    writes tensor memory in place; wasm on its heap).
 * The engine is installed for the call and the previous one restored, so the
 * TypeScript variants keep measuring TypeScript. `gemmCeiling()` (native_addon.ts) is the
 * machine's float32 GEMM ceiling measured by the addon, for ratios.
 *
 * Standalone (prints the figures recorded in docs/benchmarks.md, with
 * onnxruntime-node's fused MultiHeadAttention and MatMul/Softmax/MatMul graph
 * in the same run when onnxruntime-node is installed):
 *   npx ts-node --transpile-only scripts/bench/variants/native.ts [n,...] [--causal]
 */
import type * as tf from '@tensorflow/tfjs-core';
import * as tfc from '@tensorflow/tfjs-core';
import { flashAttention } from '@tessera/attention';
import * as native from '@tessera/native';
import { nativeEngine } from '../../../packages/attention/src/native_engine';
import { loadOrt, timeOrt } from '../onnx/ort_attention';
import type { BenchInputs, BenchVariant } from '../types';
import { warmUp } from '../warm_up';
import { gemmCeiling } from '../native_addon';
import { gradsOfSum } from '../grads_of_sum';
import { withEngine } from '../with_engine';
import { sizesAndReps } from '../cli_args';

const engine = nativeEngine();

const withNative = <T>(fn: () => T): T => withEngine(engine!, fn);

function variant(name: string, causal: boolean): BenchVariant {
  return {
    name,
    family: 'native',
    engine: 'native',
    flops: (x: BenchInputs) => 4 * x.n * x.n * x.D * x.B * x.H * (causal ? 0.5 : 1),
    supports: (backend: string) => engine !== null && ['cpu', 'wasm', 'tensorflow'].includes(backend),
    forward: (x: BenchInputs): tf.TensorContainer => withNative(() => flashAttention(x.q, x.k, x.v, { causal })),
    // d sum(out) / d(q, k, v) with an explicit dy = 1 made outside the timing (grads_of_sum.ts).
    forwardBackward: (x: BenchInputs): tf.TensorContainer => withNative(() => gradsOfSum((q, k, v) => flashAttention(q, k, v, { causal }), x)),
  };
}

export const variants: BenchVariant[] = [variant('native-flash', false), variant('native-flash-causal', true)];

/** Median wall time of fn over reps runs (after warmUp). */
async function timeIt(fn: () => tf.TensorContainer | Promise<tf.TensorContainer>, reps: number): Promise<number> {
  const once = async (): Promise<number> => {
    const t0 = process.hrtime.bigint();
    const r = await fn();
    for (const t of tfc.util.flatten(r as never) as unknown as tf.Tensor[]) if (t && 'dataSync' in t) t.dataSync();
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    tfc.dispose(r);
    return dt;
  };
  await warmUp(once);
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) ts.push(await once());
  return ts.sort((a, b) => a - b)[Math.floor(ts.length / 2)];
}

async function main(): Promise<void> {
  const { initBackend } = await import('@tessera/tensor');
  await initBackend(process.env.TESSERA_BACKEND ?? 'cpu');
  if (!engine) throw new Error(`@tessera/native unavailable: ${native.loadError()}`);
  const { sizes } = sizesAndReps(process.argv.slice(2), '1024,4096,16384', 1); // reps: per n below
  const causal = process.argv.includes('--causal');
  const ceiling = gemmCeiling()!.gflops;
  console.log(`${engine.name}, backend ${tfc.getBackend()}, GEMM ceiling ${ceiling.toFixed(1)} GFLOP/s (1024^3, best of 5)`);
  const v = variant('native', causal);
  for (const n of sizes) {
    const B = 1, H = 8, D = 64;
    const q = tfc.randomNormal([B, H, n, D]), k = tfc.randomNormal([B, H, n, D]), vv = tfc.randomNormal([B, H, n, D]);
    const x: BenchInputs = { q, k, v: vv, B, H, n, D };
    const reps = n <= 1024 ? 15 : n <= 4096 ? 5 : 1;
    const tf_ = await timeIt(() => v.forward(x), reps);
    const tb = await timeIt(() => v.forwardBackward!(x), reps);
    const gf = v.flops(x) / tf_ / 1e9;
    console.log(
      `n=${n}${causal ? ' causal' : ''}: forward ${(tf_ * 1e3).toFixed(1)} ms = ${gf.toFixed(1)} GFLOP/s (${((100 * gf) / ceiling).toFixed(0)}% of ceiling); ` +
        `fwd+bwd ${(tb * 1e3).toFixed(1)} ms = ${(tb / tf_).toFixed(2)}x forward (${((3.5 * v.flops(x)) / tb / 1e9).toFixed(1)} GFLOP/s at 3.5x fwd flops)`,
    );
    tfc.dispose([q, k, vv]);
    const ort = causal ? null : loadOrt();
    if (ort) {
      const threads = native.info().threads;
      const mha = await timeOrt(ort, 'mha', n, H, D, threads, reps);
      const line = [`  onnxruntime-node MHA ${(mha * 1e3).toFixed(1)} ms = ${(v.flops(x) / mha / 1e9).toFixed(1)} GFLOP/s (native ${(mha / tf_).toFixed(2)}x as fast)`];
      if (n <= 4096) {
        const mm = await timeOrt(ort, 'matmul-softmax', n, H, D, threads, reps);
        line.push(`MatMul/Softmax/MatMul ${(mm * 1e3).toFixed(1)} ms = ${(v.flops(x) / mm / 1e9).toFixed(1)} GFLOP/s`);
      }
      console.log(line.join('; '));
    }
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
