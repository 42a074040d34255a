/**
 * GPU time of Tessera's WGSL flash kernels without host transfers (issue 8):
 * `reps` calls queued back to back, then one 1-element read that waits for
 * them all, so the figure is the kernels' time per call; the readback of one
 * whole output is timed separately. B = 1, H = 8, D = Dv = 64. Up to n = 8192
 * the naive attentionReference (tfjs-webgpu matMul/softmax/matMul, an n x n
 * score matrix per head) is timed the same way, for the kernel-to-kernel ratio.
 *
 * With --passes, the backward's GPU time is split into its passes (row statistics, dQ,
 * dK/dV) by timing forward+backward again with the dQ pass, then the dK/dV pass, left out
 * (the script skips their dispatches; those results are wrong and only timed).
 *
 *   node scripts/bench/webgpu_kernels.js [n,...] [--tile NCxBC|row] [--no-subgroups] [--reps 10] [--causal] [--passes]
 *   (or npx ts-node --transpile-only scripts/bench/webgpu_kernels.ts ...)
 */
import * as tf from '@tensorflow/tfjs';
// The library from its sources, like the hooks below: one module instance whether this runs
// under ts-node (where '@tessera/attention' would be the compiled dist) or from the GPU bundle.
import { attentionReference, flashAttention } from '../../packages/attention/src';
import { initBackend } from '@tessera/tensor';
import { tiledOverrides } from '../../packages/attention/src/backends/webgpu/flash_tiled_wgsl';
import * as gpuBackend from '../../packages/attention/src/backends/webgpu/gpu_backend';
import { sizesAndReps } from './cli_args';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const { sizes: ns, reps } = sizesAndReps(args, '4096,16384', 10);
const { webgpuOverrides } = gpuBackend;
const causal = args.includes('--causal');
const tile = opt('--tile');
if (tile === 'row') tiledOverrides.shape = null;
else if (tile) {
  const [NC, BC] = tile.split('x').map(Number);
  tiledOverrides.shape = { NC, BC };
}
if (args.includes('--no-subgroups')) webgpuOverrides.subgroups = false;

// --passes: dispatches of pipelines whose label matches `skipPass` are dropped (timing only).
let skipPass: RegExp | null = null;
if (args.includes('--passes')) {
  const real = gpuBackend.dispatch;
  (gpuBackend as { dispatch: typeof real }).dispatch = (b, pipeline, ...rest) => {
    if (skipPass && skipPass.test(String((pipeline as { label?: string }).label))) return;
    real(b, pipeline, ...rest);
  };
}

const sync = (t: tf.Tensor): number => tf.tidy(() => t.slice(new Array(t.rank).fill(0), new Array(t.rank).fill(1)).dataSync()[0]);

function timeCalls(make: () => tf.Tensor[]): number {
  for (let w = 0; w < 2; w++) {
    const ts = make();
    sync(ts[0]);
    tf.dispose(ts);
  }
  const t0 = performance.now();
  let last: tf.Tensor[] = [];
  for (let r = 0; r < reps; r++) {
    tf.dispose(last);
    last = make();
  }
  sync(last[0]);
  const ms = (performance.now() - t0) / reps;
  tf.dispose(last);
  return ms;
}

async function main(): Promise<void> {
  await initBackend('webgpu');
  console.log(`# WGSL flash kernels, GPU time per call (${reps} queued calls, one sync), B=1 H=8 D=64${causal ? ' causal' : ''}, tile ${tile ?? 'auto'}, subgroups ${webgpuOverrides.subgroups === false ? 'off' : 'auto'}`);
  for (const n of ns) {
    const [q, k, v, dy] = [0, 1, 2, 3].map(() => tf.randomNormal([1, 8, n, 64]));
    const fl = (causal ? 2 : 4) * n * n * 64 * 8;
    const fwd = timeCalls(() => [flashAttention(q, k, v, { causal }) as tf.Tensor]);
    // One forward and its backward: the output and the gradients of one tape (tf.valueAndGrads).
    // (Before 2026-11-29 16:40 UTC this ran flashAttention once more beside tf.grads, which
    // records its own forward, so the fwd+bwd figures counted two forwards.)
    const valueAndGrads = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => flashAttention(a, b, c, { causal }) as tf.Tensor);
    const fwdBwd = (): tf.Tensor[] => {
      const { value, grads } = valueAndGrads([q, k, v], dy);
      return [...grads, value];
    };
    const both = timeCalls(fwdBwd);
    let passes = '';
    if (args.includes('--passes')) {
      const without = (re: RegExp): number => {
        skipPass = re;
        try {
          return timeCalls(fwdBwd);
        } finally {
          skipPass = null;
        }
      };
      const noDq = without(/^TesseraFlashDq/);
      const noDkdv = without(/^TesseraFlashDkDv/);
      const neither = without(/^TesseraFlash(Dq|DkDv)/);
      passes = `; backward passes: dQ ${(both - noDq).toFixed(2)} ms, dK/dV ${(both - noDkdv).toFixed(2)} ms, the rest (forward, row statistics) ${neither.toFixed(2)} ms`;
    }
    const out = flashAttention(q, k, v, { causal }) as tf.Tensor;
    sync(out);
    const t0 = performance.now();
    out.dataSync();
    const readMs = performance.now() - t0;
    out.dispose();
    let naive = '';
    if (n <= 8192) {
      const ref = timeCalls(() => [attentionReference(q, k, v, { causal }) as tf.Tensor]);
      naive = `; naive reference forward ${ref.toFixed(2)} ms (flash ${(ref / fwd).toFixed(1)}x faster)`;
    }
    console.log(
      `n=${n}: forward ${fwd.toFixed(2)} ms = ${(fl / fwd / 1e9).toFixed(2)} TFLOP/s; forward+backward ${both.toFixed(2)} ms = ${(both / fwd).toFixed(2)}x forward; reading the ${(4 * n * 8 * 64) / 2 ** 20} MiB output ${readMs.toFixed(2)} ms${naive}${passes}`,
    );
    tf.dispose([q, k, v, dy]);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
