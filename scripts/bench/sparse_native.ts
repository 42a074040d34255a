/**
 * Kernel-level benchmark of @tessera/native's block-sparse forward (issue 6):
 * float32 typed arrays straight into the addon, the output and lse arrays
 * allocated once and reused, so the figure is the kernel's own, without the
 * fresh output pages a tfjs call faults in (128 MB at n = 65,536; on our
 * virtual machines first touch costs ~1.4 us per 4 KB page). `npm run bench
 * -- attention --variant native-sparse-window256,native-sparse-bigbird` times
 * the same layouts through tfjs, fresh output included. B = 1, H = 8,
 * D = 64, the benchmark's layouts: sliding window 256 (128 left, 128 right)
 * and BigBird (3 window, 2 global, 2 random blocks, seed 0) over 64-key
 * blocks. FLOPs: 4 D per (query, key) pair of visited blocks (the attention
 * suite's count); the GEMM ceiling (`gemmCeiling()`) is measured in the run.
 *
 * Run: npx ts-node --transpile-only scripts/bench/sparse_native.ts [n,...] [--reps R]
 * (default n = 16384,65536, R = 8; prints the median wall ms after 2 warm-up calls).
 */
import * as native from '@tessera/native';
import { Rng } from '@tessera/tensor';
import { SPARSE_LAYOUTS, sparseFlops } from './sparse_layouts';
import { sizesAndReps } from './cli_args';
import { gemmCeiling } from './native_addon';

const H = 8;
const D = 64;

function main(): void {
  if (!native.available()) throw new Error(`@tessera/native unavailable: ${native.loadError()}`);
  const { sizes, reps } = sizesAndReps(process.argv.slice(2), '16384,65536', 8);
  const ceiling = gemmCeiling()!;
  console.log(`GEMM ceiling ${ceiling.gflops.toFixed(1)} GFLOP/s (${ceiling.how})`);
  for (const n of sizes) {
    const rng = new Rng(n);
    const rand = (m: number) => rng.fillNormal(new Float32Array(m)) as Float32Array;
    const q = rand(H * n * D), k = rand(H * n * D), v = rand(H * n * D);
    const out = new Float32Array(H * n * D), lse = new Float32Array(H * n);
    for (const [name, layout] of Object.entries(SPARSE_LAYOUTS)) {
      const mask = layout(n);
      const flops = sparseFlops(mask, 1, H, D);
      const args_: native.BlockSparseForwardArgs = {
        ...native.plainParams({ B: 1, H, Hkv: H, Tq: n, Tk: n, D, Dv: D }),
        q,
        k,
        v,
        out,
        lse,
        layout: mask as unknown as native.BlockSparseLayout, // a BlockMask carries the layout fields the addon reads
      };
      const ms: number[] = [];
      for (let r = 0; r < reps + 2; r++) {
        const t0 = process.hrtime.bigint();
        native.blockSparseForward(args_);
        if (r >= 2) ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      ms.sort((a, b) => a - b);
      const med = ms[ms.length >> 1];
      const gf = flops / med / 1e6;
      console.log(`${name.padEnd(10)} n=${n}: ${med.toFixed(1)} ms median of ${reps} = ${gf.toFixed(1)} GFLOP/s (${((100 * gf) / ceiling.gflops).toFixed(0)}% of the ceiling)`);
      mask.dispose();
    }
  }
}

main();
