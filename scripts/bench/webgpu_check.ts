/**
 * Checks Tessera's WGSL flash kernels against attentionReference on the same
 * WebGPU device (forward, lse and gradients), for the GPU runs where jest is
 * not available (scripts/device/run-bench.sh runs it first). Exits 1 on a mismatch.
 *
 *   node scripts/bench/webgpu_check.js
 */
import * as tf from '@tensorflow/tfjs';
import { attentionReference, flashAttention } from '@tessera/attention';
import { initBackend } from '@tessera/tensor';
import type { FlashDims } from '../../packages/attention/src/impl/flash_types';

interface Case extends FlashDims {
  name: string;
  opts: (b: number, Tq: number, Tk: number, H: number) => Record<string, unknown>;
}

const cases: Case[] = [
  { name: 'plain 64', B: 1, H: 8, Hkv: 8, Tq: 1000, Tk: 1000, D: 64, Dv: 64, opts: () => ({}) },
  { name: 'causal GQA 64', B: 2, H: 4, Hkv: 2, Tq: 333, Tk: 517, D: 64, Dv: 64, opts: () => ({ causal: true }) },
  {
    name: 'keyMask+alibi+softcap+window 64',
    B: 2,
    H: 2,
    Hkv: 1,
    Tq: 300,
    Tk: 300,
    D: 64,
    Dv: 64,
    opts: (B, _Tq, Tk, H) => ({
      keyMask: tf.tensor2d(Array.from({ length: B * Tk }, (_, i) => (i % 7 === 3 ? 0 : 1)), [B, Tk], 'bool'),
      alibiSlopes: tf.tensor1d(Array.from({ length: H }, (_, h) => 0.5 / (h + 1))),
      softcap: 20,
      window: [100, 5],
    }),
  },
  { name: 'padded D 40 Dv 24', B: 1, H: 2, Hkv: 2, Tq: 130, Tk: 70, D: 40, Dv: 24, opts: () => ({ causal: true }) },
  { name: 'D 128 (row programs)', B: 1, H: 2, Hkv: 1, Tq: 200, Tk: 200, D: 128, Dv: 128, opts: () => ({}) },
];

async function main(): Promise<void> {
  await initBackend('webgpu');
  let bad = 0;
  for (const c of cases) {
    const [q, k, v] = [
      tf.randomNormal([c.B, c.H, c.Tq, c.D]),
      tf.randomNormal([c.B, c.Hkv, c.Tk, c.D]),
      tf.randomNormal([c.B, c.Hkv, c.Tk, c.Dv]),
    ];
    const opts = c.opts(c.B, c.Tq, c.Tk, c.H);
    const dy = tf.randomNormal([c.B, c.H, c.Tq, c.Dv]);
    const diff = (f: typeof flashAttention): tf.Tensor[] => {
      const out = f(q, k, v, opts) as tf.Tensor;
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) => f(a, b, d, opts) as tf.Tensor)([q, k, v], dy);
      return [out, ...g];
    };
    const a = diff(flashAttention);
    const r = diff(attentionReference as typeof flashAttention);
    const errs = a.map((t, i) => tf.tidy(() => tf.max(tf.abs(tf.sub(t, r[i]))).dataSync()[0] / Math.max(1e-6, tf.max(tf.abs(r[i])).dataSync()[0])));
    const ok = errs.every((e) => e < 1e-4);
    if (!ok) bad++;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${c.name}: max |diff| / max |ref| out ${errs[0].toExponential(2)} dq ${errs[1].toExponential(2)} dk ${errs[2].toExponential(2)} dv ${errs[3].toExponential(2)}`);
    tf.dispose([q, k, v, dy, ...a, ...r, ...Object.values(opts).filter((x): x is tf.Tensor => x instanceof tf.Tensor)]);
  }
  process.exit(bad ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
