/**
 * Attention variants side by side on long sequences: the dense reference
 * (materialises the n x n scores), flash (exact, tiled), block-sparse (causal
 * sliding window) and linear (elu+1 features, causal). Each row is one timed
 * forward pass after a warm-up (median of 3 when under a second); memory is tfjs's peak tensor bytes during the
 * call. A configuration that cannot run is skipped with the reason: the
 * reference when its score matrices would not fit, any variant whose time,
 * extrapolated from the previous size, would exceed the budget.
 */
import * as tf from '@tensorflow/tfjs';
import { attentionReference, blockSparseAttention, BlockMask, flashAttention, linearAttention, slidingWindow } from '@tessera/attention';
import { measurePeak, randomNormal } from '@tessera/tensor';

export interface CompareConfig {
  sizes: number[];
  B: number;
  H: number;
  D: number;
  /** Sliding window of the block-sparse variant (keys before the query, itself included). */
  window: number;
  /** Skip a run whose extrapolated time exceeds this (ms). */
  timeBudgetMs: number;
  /** Skip the reference when its estimated peak (8 score-sized tensors, as measured on wasm) exceeds this (bytes). */
  memoryLimitBytes: number;
}

export interface CompareRow {
  variant: string;
  n: number;
  timeMs: number | null;
  peakBytes: number | null;
  skipped?: string;
}

interface Variant {
  name: string;
  /** Exponent of n in the cost (2: all pairs; 1: linear in n). */
  order: number;
  run(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, n: number): tf.Tensor;
  /** Why it cannot run at n ('' if it can). */
  cannot?(n: number): string;
}

const GB = 2 ** 30;

/** The variants; `dispose` frees the block masks they built. */
export function variants(c: CompareConfig): { list: Variant[]; dispose(): void } {
  const masks = new Map<number, BlockMask>();
  const maskFor = (n: number): BlockMask => {
    if (!masks.has(n)) masks.set(n, slidingWindow({ left: c.window - 1, right: 0 }, { Tq: n, blockSize: 64 }));
    return masks.get(n) as BlockMask;
  };
  const scoreBytes = (n: number) => c.B * c.H * n * n * 4;
  const list: Variant[] = [
    {
      name: 'reference (dense)',
      order: 2,
      run: (q, k, v) => attentionReference(q, k, v, { causal: true }),
      cannot: (n) => {
        // Measured: the reference's peak is ~8 score-sized [B, H, n, n] tensors (scores, mask, softmax and temporaries).
        const need = 8 * scoreBytes(n);
        return need > c.memoryLimitBytes ? `needs ~${(need / GB).toFixed(1)} GB for its n x n score matrices (limit ${(c.memoryLimitBytes / GB).toFixed(1)} GB)` : '';
      },
    },
    { name: 'flash', order: 2, run: (q, k, v) => flashAttention(q, k, v, { causal: true }) },
    { name: `block-sparse (window ${c.window})`, order: 1, run: (q, k, v, n) => blockSparseAttention(q, k, v, maskFor(n)) },
    { name: 'linear (elu+1)', order: 1, run: (q, k, v) => linearAttention(q, k, v, { causal: true }) },
  ];
  return { list, dispose: () => masks.forEach((m) => m.dispose()) };
}

/** Runs every variant at every size; `onRow` sees each row as soon as it is measured. */
export async function compareVariants(c: CompareConfig, onRow?: (r: CompareRow) => void): Promise<CompareRow[]> {
  const rows: CompareRow[] = [];
  const all = variants(c);
  const vs = all.list;
  const last = new Map<string, { n: number; ms: number }>();
  const push = (r: CompareRow) => {
    rows.push(r);
    onRow?.(r);
  };
  // Warm-up at a small size: kernel compilation and allocators are not what we measure.
  tf.tidy(() => {
    const x = randomNormal([c.B, c.H, 128, c.D], 0);
    vs.forEach((v) => v.run(x, x, x, 128).dataSync());
  });
  for (const n of c.sizes) {
    const q = randomNormal([c.B, c.H, n, c.D], 1);
    const k = randomNormal([c.B, c.H, n, c.D], 2);
    const v = randomNormal([c.B, c.H, n, c.D], 3);
    for (const vr of vs) {
      const reason = vr.cannot?.(n) ?? '';
      const prev = last.get(vr.name);
      const estimate = prev ? prev.ms * (n / prev.n) ** vr.order : 0;
      if (reason) {
        push({ variant: vr.name, n, timeMs: null, peakBytes: null, skipped: reason });
        continue;
      }
      if (estimate > c.timeBudgetMs) {
        push({ variant: vr.name, n, timeMs: null, peakBytes: null, skipped: `would take ~${(estimate / 1000).toFixed(0)} s (budget ${(c.timeBudgetMs / 1000).toFixed(0)} s)` });
        continue;
      }
      // Median of 3 runs when a run is short (< 1 s), else the one run.
      const times: number[] = [];
      let peak = 0;
      do {
        const m = await measurePeak(() => {
          const out = vr.run(q, k, v, n);
          out.dataSync(); // wait for the result
          return out;
        });
        tf.dispose(m.result);
        times.push(m.timeMs);
        peak = Math.max(peak, m.peakNewBytes);
      } while (times.length < 3 && times[0] < 1000);
      times.sort((a, b) => a - b);
      const ms = times[Math.floor(times.length / 2)];
      last.set(vr.name, { n, ms });
      push({ variant: vr.name, n, timeMs: ms, peakBytes: peak });
    }
    tf.dispose([q, k, v]);
  }
  all.dispose();
  return rows;
}

const fmtN = (n: number) => (n % 1024 === 0 ? `${n / 1024}k` : String(n));

/** The rows as a text table: one line per variant, time and memory per size. */
export function formatComparison(rows: CompareRow[]): string {
  const sizes = [...new Set(rows.map((r) => r.n))];
  const names = [...new Set(rows.map((r) => r.variant))];
  const header = ['variant', ...sizes.flatMap((n) => [`n=${fmtN(n)} time`, 'peak MB'])];
  const notes: string[] = [];
  const body = names.map((name) => [
    name,
    ...sizes.flatMap((n) => {
      const r = rows.find((x) => x.variant === name && x.n === n);
      if (!r) return ['', ''];
      if (r.skipped) {
        notes.push(`${name} at n=${fmtN(n)}: skipped, ${r.skipped}`);
        return ['skipped', '-'];
      }
      const t = r.timeMs as number;
      return [t >= 1000 ? `${(t / 1000).toFixed(2)} s` : `${t.toFixed(0)} ms`, ((r.peakBytes as number) / 2 ** 20).toFixed(1)];
    }),
  ]);
  const table = [header, ...body];
  const widths = header.map((_, i) => Math.max(...table.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line), ...(notes.length ? ['', ...notes] : [])].join('\n');
}
