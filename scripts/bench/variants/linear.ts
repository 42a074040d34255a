/**
 * Linear attention variants for `npm run bench -- attention` (issue 5):
 *  - linear-elu: elu+1 features, non-causal (Katharopoulos et al. 2020);
 *  - linear-elu-causal: elu+1, causal, chunked (chunkSize 64);
 *  - linear-favor256: FAVOR+ with m = 256 random features (Choromanski et al. 2021), non-causal.
 * Targets: t(64k) / t(16k) <= 4.4 (linear in n). flops() counts the kernel's
 * multiply-adds x 2: building S (2 n F Dv), reading it (2 n F Dv), the causal
 * in-chunk quadratic part (about n C (F + Dv)) and FAVOR+'s projection (4 n D m).
 *
 * Standalone: `npx ts-node --transpile-only scripts/bench/variants/linear.ts`
 * measures these variants alone (B=1, H=8, D=64, n in {1k, 4k, 16k, 64k}) on
 * the default backend (TESSERA_BACKEND to override) and prints one JSON line per row;
 * optional arguments: a variant-name filter and comma-separated sizes (`linear-favor 16384,65536`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { linearAttention, LinearAttentionOptions } from '@tessera/attention';
import { initBackend, measurePeak } from '@tessera/tensor';
import type { BenchInputs, BenchVariant } from '../types';
import { gradsOfSum } from '../grads_of_sum';

const CHUNK = 64;
const M = 256;

function variant(name: string, options: LinearAttentionOptions): BenchVariant {
  const favor = options.featureMap === 'favor+';
  return {
    name,
    family: 'linear',
    flops(x: BenchInputs): number {
      const F = favor ? M : x.D;
      const perHead = 4 * x.n * F * x.D + (options.causal ? x.n * Math.min(CHUNK, x.n) * (F + x.D) : 0) + (favor ? 4 * x.n * x.D * M : 0);
      return perHead * x.B * x.H;
    },
    supports(backend: string): boolean {
      return ['cpu', 'wasm', 'webgpu', 'tensorflow'].includes(backend);
    },
    forward(x: BenchInputs): tf.TensorContainer {
      return linearAttention(x.q, x.k, x.v, options);
    },
    forwardBackward(x: BenchInputs): tf.TensorContainer {
      return gradsOfSum((q, k, v) => linearAttention(q, k, v, options), x);
    },
  };
}

export const variants: BenchVariant[] = [
  variant('linear-elu', {}),
  variant('linear-elu-causal', { causal: true, chunkSize: CHUNK }),
  variant('linear-favor256', { featureMap: 'favor+', numFeatures: M, seed: 0 }),
];

/** Times every variant at n in {1k, 4k, 16k, 64k}; median of `reps` runs (1 at 64k). */
async function main(): Promise<void> {
  const info = await initBackend();
  const B = 1;
  const H = 8;
  const D = 64;
  const times: Record<string, Record<number, number>> = {};
  // Optional filters: argv[2] a variant name substring, argv[3] comma-separated sizes.
  const only = process.argv[2] ?? '';
  const sizes = process.argv[3] ? process.argv[3].split(',').map(Number) : [1024, 4096, 16384, 65536];
  for (const n of sizes) {
    const x: BenchInputs = { q: tf.randomNormal([B, H, n, D]), k: tf.randomNormal([B, H, n, D]), v: tf.randomNormal([B, H, n, D]), B, H, n, D };
    for (const vnt of variants) {
      if (!vnt.supports(info.name, n) || !vnt.name.includes(only)) continue;
      const reps = n >= 65536 ? 1 : n >= 16384 ? 2 : 3;
      const ms: number[] = [];
      let peak = 0;
      tf.dispose(await vnt.forward(x)); // warm-up (compiles, allocates)
      for (let r = 0; r < reps; r++) {
        const m = await measurePeak(async () => {
          const out = await vnt.forward(x);
          for (const t of Array.isArray(out) ? (out as tf.Tensor[]) : [out as tf.Tensor]) t.dataSync();
          return out;
        });
        tf.dispose(m.result as tf.TensorContainer);
        ms.push(m.timeMs);
        peak = Math.max(peak, m.peakNewBytes);
      }
      ms.sort((a, b) => a - b);
      const t = ms[Math.floor(ms.length / 2)];
      (times[vnt.name] ??= {})[n] = t;
      console.log(JSON.stringify({ variant: vnt.name, backend: info.name, B, H, D, n, ms: Math.round(t), peakBytes: peak, gflops: +(vnt.flops(x) / t / 1e6).toFixed(2) }));
    }
    tf.dispose([x.q, x.k, x.v]);
  }
  for (const [name, t] of Object.entries(times)) {
    if (t[65536] && t[16384]) console.log(JSON.stringify({ variant: name, backend: info.name, ratio_t64k_t16k: +(t[65536] / t[16384]).toFixed(2), target: 4.4 }));
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
