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
import { attentionReference } from '@tessera/attention';
import { measureRun, randomInputs, tiledVariants, Variant, warmUp } from './variants';

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

const GB = 2 ** 30;

/** The variants; `dispose` frees the block masks they built. */
export function variants(c: CompareConfig): { list: Variant[]; dispose(): void } {
  const tiled = tiledVariants(c.window);
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
    ...tiled.list,
  ];
  return { list, dispose: tiled.dispose };
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
  warmUp(vs, c.B, c.H, c.D);
  for (const n of c.sizes) {
    const [q, k, v] = randomInputs(c.B, c.H, n, c.D);
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
        const m = await measureRun(vr, q, k, v, n);
        times.push(m.timeMs);
        peak = Math.max(peak, m.peakBytes);
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
