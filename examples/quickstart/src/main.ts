/**
 * Tessera quickstart: why standard attention is O(n^2).
 *
 * Runs dense attention (`attentionReference`, which materialises the n x n
 * score matrix) over growing sequence lengths on the default backend and
 * prints time and peak memory. Each doubling of n costs ~4x: that quadratic
 * growth is what the rest of Tessera removes.
 *
 *   npm start                      # default backend (wasm in Node)
 *   npm start -- --backend cpu     # or TESSERA_BACKEND=cpu npm start
 *   npm start -- --quick           # smaller sizes
 */
import * as tf from '@tensorflow/tfjs-core';
import { attentionReference } from '@tessera/attention';
import { initBackend, measurePeak, randomNormal } from '@tessera/tensor';

interface Args {
  backend?: string;
  quick: boolean;
  sizes: number[];
}

const USAGE = 'usage: npm start -- [--backend cpu|wasm|webgpu|tensorflow] [--quick] [--n 256,512,...]';

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, sizes: [256, 512, 1024, 2048] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') {
      args.quick = true;
      args.sizes = [128, 256, 512];
    } else if (a === '--backend') {
      args.backend = argv[++i];
    } else if (a === '--n') {
      const v = argv[++i] ?? '';
      const sizes = v.split(',').map(Number);
      if (!sizes.length || sizes.some((n) => !Number.isInteger(n) || n <= 0)) usage(`--n must be a comma-separated list of positive integers, received ${JSON.stringify(v)}`);
      args.sizes = sizes;
    } else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else {
      usage(`unknown argument ${JSON.stringify(a)}`);
    }
  }
  return args;
}

function usage(message: string): never {
  console.error(`quickstart: ${message}\n${USAGE}`);
  process.exit(2);
}

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let info;
  try {
    info = await initBackend(args.backend);
  } catch (e) {
    usage((e as Error).message);
  }
  const B = 1;
  const H = 8;
  const D = 64;
  console.log(`Tessera quickstart - backend: ${info.reason}`);
  console.log(`Dense attention (attentionReference), B=${B}, H=${H}, D=${D}, float32.\n`);
  const header = ['n', 'time (ms)', 'x prev', 'peak MB', 'x prev', 'score matrix MB', 'GFLOP/s'];
  const rows: string[][] = [];
  let prev: { t: number; m: number } | null = null;
  for (const n of args.sizes) {
    const q = randomNormal([B, H, n, D], 1);
    const k = randomNormal([B, H, n, D], 2);
    const v = randomNormal([B, H, n, D], 3);
    // Warm up (kernel compilation, allocator), then the median of 3 runs.
    tf.dispose(attentionReference(q, k, v, { causal: true }));
    const times: number[] = [];
    let peak = 0;
    for (let r = 0; r < 3; r++) {
      const m = await measurePeak(() => {
        const out = attentionReference(q, k, v, { causal: true });
        out.dataSync(); // wait for the result
        return out;
      });
      times.push(m.timeMs);
      peak = Math.max(peak, m.peakNewBytes);
      tf.dispose(m.result);
    }
    tf.dispose([q, k, v]);
    times.sort((a, b) => a - b);
    const t = times[1];
    const flops = 4 * n * n * D * B * H;
    rows.push([
      String(n),
      t.toFixed(1),
      prev ? (t / prev.t).toFixed(1) : '-',
      mb(peak),
      prev ? (peak / prev.m).toFixed(1) : '-',
      mb(B * H * n * n * 4),
      (flops / (t * 1e6)).toFixed(2),
    ]);
    prev = { t, m: peak };
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  rows.forEach((r) => console.log(line(r)));
  console.log('\nEach doubling of n multiplies time and memory by ~4: the n x n score matrix');
  console.log('(B*H*n^2 floats) dominates. FlashAttention, block-sparse and linear attention');
  console.log('remove it; see docs/concepts.md.');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
