/**
 * Kernel-level benchmark of @tessera/native's linear attention (issue 6):
 * float32 typed arrays straight into the addon (no tfjs, no feature-map ops),
 * elu+1 features precomputed once, B = 1, H = Hkv = 8, F = D = Dv = 64, and
 * the machine's GEMM ceiling (`gemmCeiling()`, the addon's own sgemm) measured
 * in the same run, so every figure is also a share of it.
 *
 * FLOP counts (multiply-adds x 2, per head; n keys = queries, chunk C = 64;
 * the lower-order normaliser terms, O(n F), are left out):
 *  - forward, non-causal: S = K^T V (2 n F Dv) + Q S (2 n F Dv) = 4 n F Dv;
 *  - forward, causal (chunked): the same state work, 4 n F Dv (Q_c S_prev and
 *    S += K_c^T V_c), plus the visible half of each chunk's tiles: Q_c K_c^T
 *    (n C F) and mask(.) V_c (n C Dv) = 4 n F Dv + n C (F + Dv);
 *    this is scripts/bench/variants/linear.ts's count too;
 *  - backward, non-causal: S = K^T V, dQ = G S^T, R = Q^T G, dK = V R^T,
 *    dV = K R: 10 n F Dv;
 *  - backward, causal: the same five state products (10 n F Dv) plus the
 *    visible half of five chunk products: W = G V_c^T (n C Dv), dQ += W K_c
 *    (n C F), dK_c += W^T Q_c (n C F), A = Q_c K_c^T (n C F), dV_c += A^T G
 *    (n C Dv): 10 n F Dv + n C (3 F + 2 Dv).
 *
 * Run: npx ts-node --transpile-only scripts/bench/linear_native.ts [n,...] [--reps R] [--backward]
 * (default n = 16384,65536, R = 5; prints min and median wall ms per case, the
 * minimum process CPU time (all threads) with the rate per CPU-second against
 * the GEMM's rate per CPU-second, which other processes on the cores do not
 * distort, and the load average before and after).
 */
import * as os from 'os';
import * as native from '@tessera/native';
import { Rng } from '@tessera/tensor';
import { sizesAndReps } from './cli_args';

const B = 1;
const H = 8;
const F = 64;
const DV = 64;
const C = 64;

function flopsPerHead(n: number, causal: boolean, backward: boolean): number {
  if (backward) return 10 * n * F * DV + (causal ? n * C * (3 * F + 2 * DV) : 0);
  return 4 * n * F * DV + (causal ? n * C * (F + DV) : 0);
}

/** Seeded standard normals (@tessera/tensor's Rng), then elu(x) + 1 when `elu`. */
function fill(len: number, seed: number, elu: boolean): Float32Array {
  const a = new Float32Array(len);
  new Rng(seed).fillNormal(a);
  if (elu) for (let i = 0; i < len; i++) a[i] = a[i] > 0 ? a[i] + 1 : Math.exp(a[i]);
  return a;
}

/** Wall and process CPU ms (all threads) of fn over reps runs after one warm-up: min and median of each. */
function time(fn: () => void, reps: number): { min: number; median: number; cpuMin: number; cpuMedian: number } {
  fn(); // warm-up: pool threads, scratch
  const ms: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    fn();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e3);
  }
  ms.sort((x, y) => x - y);
  cpu.sort((x, y) => x - y);
  const mid = Math.floor(reps / 2);
  return { min: ms[0], median: ms[mid], cpuMin: cpu[0], cpuMedian: cpu[mid] };
}

/**
 * The same GEMM's rate per CPU-second (GFLOP per core-second): the CPU time of
 * gemmCeiling(1024, 1 + R) minus that of gemmCeiling(1024, 1) is R GEMMs' worth
 * (the set-up cancels), best of 3 tries.
 */
function ceilingPerCore(): number {
  const cpuOf = (reps: number): number => {
    const c0 = process.cpuUsage();
    native.gemmCeiling(1024, reps);
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1e6;
  };
  let best = 0;
  for (let i = 0; i < 3; i++) {
    const extra = cpuOf(9) - cpuOf(1);
    if (extra > 0) best = Math.max(best, (8 * 2 * 1024 ** 3) / extra / 1e9);
  }
  return best;
}

function main(): void {
  if (!native.available()) throw new Error(`@tessera/native unavailable: ${native.loadError()}`);
  const args = process.argv.slice(2);
  const { sizes, reps } = sizesAndReps(args, '16384,65536', 5);
  const withBackward = args.includes('--backward');
  const load0 = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const ceiling = native.gemmCeiling(1024, 5);
  const perCoreCeiling = ceilingPerCore();
  const info = native.info();
  console.log(
    `@tessera/native ${info.isa}, ${info.threads} threads; GEMM ceiling ${ceiling.toFixed(1)} GFLOP/s (1024^3, best of 5), ` +
      `${perCoreCeiling.toFixed(1)} GFLOP per CPU-second; load ${load0}`,
  );
  for (const n of sizes) {
    const dims = { B, H, Hkv: H, Tq: n, Tk: n, F, Dv: DV };
    const q = fill(B * H * n * F, 1, true);
    const k = fill(B * H * n * F, 2, true);
    const v = fill(B * H * n * DV, 3, false);
    const dOut = fill(B * H * n * DV, 4, false);
    const out = new Float32Array(B * H * n * DV);
    const den = new Float32Array(B * H * n);
    const dq = new Float32Array(q.length), dk = new Float32Array(k.length), dv = new Float32Array(v.length);
    for (const causal of [false, true]) {
      const fwd = { dims, causal, eps: 1e-6, chunkSize: C, q, k, v, out, den };
      const passes: [string, () => void][] = [['forward', () => native.linearForward(fwd)]];
      if (withBackward) passes.push(['backward', () => native.linearBackward({ ...fwd, dOut, dq, dk, dv })]);
      for (const [pass, fn] of passes) {
        if (pass === 'backward') native.linearForward(fwd); // out, den for the backward
        const t = time(fn, reps);
        const flops = flopsPerHead(n, causal, pass === 'backward') * B * H;
        const gf = flops / (t.min / 1e3) / 1e9;
        // Per CPU-second: what the kernel does with the core time it gets, against the GEMM's rate
        // per CPU-second; robust to other processes taking cores (close to the wall ratio when idle).
        const perCore = flops / (t.cpuMin / 1e3) / 1e9;
        console.log(
          `n=${n} elu+1 ${causal ? 'causal    ' : 'non-causal'} ${pass.padEnd(8)}: min ${t.min.toFixed(2)} ms, median ${t.median.toFixed(2)} ms; ` +
            `${gf.toFixed(1)} GFLOP/s at min (${((100 * gf) / ceiling).toFixed(0)}% of ceiling); ` +
            `CPU min ${t.cpuMin.toFixed(2)} ms = ${perCore.toFixed(1)} GFLOP per CPU-second (${((100 * perCore) / perCoreCeiling).toFixed(0)}% of the GEMM's)`,
        );
      }
    }
  }
  console.log(`load after ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

main();
