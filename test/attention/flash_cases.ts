/**
 * Shared fixtures of the flash attention suites: seeded inputs for a shape and
 * a set of options (tensors for the ops, float64 arrays for the oracle), and
 * the flash-vs-reference comparison of outputs, lse and gradients.
 */
import * as tf from '@tensorflow/tfjs-core';
import { alibiSlopes, attentionReference, AttentionEngine, AttentionOptions, flashAttention, getEngine, TYPESCRIPT_ENGINE } from '@tessera/attention';
import { Rng } from '@tessera/tensor';
import { TesseraFlashAttention } from '@tessera/attention';
import { flashAttentionCpuKernel } from '../../packages/attention/src/backends/cpu/kernels/TesseraFlashAttention';
import { flashAttentionHostKernel } from '../../packages/attention/src/backends/shared/kernels/TesseraFlashAttention';
import type { FlashDims } from '../../packages/attention/src/impl/flash_types';
import type { F64Case } from '../helpers/attention_f64';
import { expectClose, F32, Tolerance } from '../helpers/close';

/**
 * The engines to check: the TypeScript one always, and the engine installed at
 * load (the native C++ engine where @tessera/native is built) when it differs.
 * Suites pin one with setEngine and restore with resetEngine.
 */
export const ENGINES: Array<[string, AttentionEngine]> = [['typescript', TYPESCRIPT_ENGINE]];
if (getEngine().name !== TYPESCRIPT_ENGINE.name) ENGINES.push([getEngine().name, getEngine()]);

/**
 * Whether the flash kernel on `backend` runs through the engine (cpu's direct
 * kernel, the shared host path) rather than a program of the backend's own
 * (e.g. WGSL on webgpu), which engines do not affect.
 */
export function kernelUsesEngine(backend: string): boolean {
  const f = tf.getKernel(TesseraFlashAttention, backend)?.kernelFunc;
  return f === flashAttentionCpuKernel || f === flashAttentionHostKernel;
}

/** ENGINES where the kernel uses them; else one pass under the load-time engine, labelled by the backend's program. */
export function enginesFor(backend: string): Array<[string, AttentionEngine | null]> {
  return kernelUsesEngine(backend) ? ENGINES : [[`${backend} program`, null]];
}

/** Sizes of a case: the kernels' own FlashDims (docs/notation.md). */
export type Shape = FlashDims;

export type Opt = 'causal' | 'keyMask' | 'alibi' | 'window' | 'softcap' | 'segments' | 'scale';
export const ALL_OPTS: Opt[] = ['causal', 'keyMask', 'alibi', 'window', 'softcap', 'segments', 'scale'];

export interface FlashCase {
  c: F64Case;
  o: Omit<AttentionOptions, 'returnLse'>;
  q: tf.Tensor;
  k: tf.Tensor;
  v: tf.Tensor;
  dispose(): void;
}

/** Settings for the options (defaults are what the table uses). */
export interface OptSettings {
  window?: [number, number];
  softcap?: number;
  scale?: number;
  /** Probability that a key is kept by the key mask. */
  keep?: number;
  segments?: number;
  maskDtype?: 'bool' | 'int32' | 'float32';
  segDtype?: 'int32' | 'float32';
  alibiAsTensor?: boolean;
}

export function makeCase(s: Shape, opts: Opt[], seed: number, mag = 1, set: OptSettings = {}): FlashCase {
  const rng = new Rng(seed);
  const arr = (n: number) => Float64Array.from({ length: n }, () => Math.fround(rng.normal() * mag));
  const q = arr(s.B * s.H * s.Tq * s.D);
  const k = arr(s.B * s.Hkv * s.Tk * s.D);
  const v = arr(s.B * s.Hkv * s.Tk * s.Dv);
  const c: F64Case = { ...s, q, k, v };
  const o: Omit<AttentionOptions, 'returnLse'> = {};
  const owned: tf.Tensor[] = [];
  const t = (data: ArrayLike<number>, shape: number[], dtype: 'float32' | 'int32' | 'bool' = 'float32') => {
    const x = tf.tensor(dtype === 'float32' ? Float32Array.from(data) : Int32Array.from(data), shape, dtype);
    owned.push(x);
    return x;
  };
  for (const opt of opts) {
    if (opt === 'causal') c.causal = o.causal = true;
    if (opt === 'scale') c.scale = o.scale = set.scale ?? 0.37;
    if (opt === 'softcap') c.softcap = o.softcap = set.softcap ?? 1.5;
    if (opt === 'window') {
      c.window = set.window ?? [2, 1];
      o.window = c.window;
    }
    if (opt === 'alibi') {
      const sl = alibiSlopes(s.H).map(Math.fround);
      c.alibiSlopes = sl;
      o.alibiSlopes = set.alibiAsTensor === false ? sl : t(sl, [s.H]);
    }
    if (opt === 'keyMask') {
      const keep = set.keep ?? 0.7;
      const km = Array.from({ length: s.B * s.Tk }, (_, i) => (i % s.Tk === 0 || rng.uniform() < keep ? 1 : 0));
      c.keyMask = km;
      o.keyMask = t(km, [s.B, s.Tk], set.maskDtype ?? 'bool');
    }
    if (opt === 'segments') {
      const n = set.segments ?? 3;
      const sq = Array.from({ length: s.B * s.Tq }, (_, i) => Math.floor(((i % s.Tq) * n) / s.Tq));
      const sk = Array.from({ length: s.B * s.Tk }, (_, i) => Math.floor(((i % s.Tk) * n) / s.Tk));
      c.segQ = sq;
      c.segK = sk;
      const dt = set.segDtype ?? 'int32';
      o.segmentIds = { q: t(sq, [s.B, s.Tq], dt), k: t(sk, [s.B, s.Tk], dt) };
    }
  }
  return {
    c,
    o,
    q: t(q, [s.B, s.H, s.Tq, s.D]),
    k: t(k, [s.B, s.Hkv, s.Tk, s.D]),
    v: t(v, [s.B, s.Hkv, s.Tk, s.Dv]),
    dispose: () => tf.dispose(owned),
  };
}

/**
 * Forward (output, lse) and gradients (dq, dk, dv of sum(out * W), W seeded) of
 * flashAttention against attentionReference. With `lseWeight`, the loss also
 * has sum(lse * W2), which checks the gradient through the lse output.
 */
export function compareWithReference(fc: FlashCase, tol: Tolerance = F32, opts: { grads?: boolean; lseWeight?: boolean; seed?: number } = {}): void {
  const { o, q, k, v } = fc;
  tf.tidy(() => {
    const got = flashAttention(q, k, v, { ...o, returnLse: true });
    const want = attentionReference(q, k, v, { ...o, returnLse: true });
    expectClose(got.output, want.output, tol, 'output');
    expectClose(got.lse, want.lse, tol, 'lse');
    const plain = flashAttention(q, k, v, o);
    expectClose(plain, got.output, { atol: 0, rtol: 0 }, 'output without lse');
    if (opts.grads === false) return;
    const rng = new Rng(opts.seed ?? 99);
    const w = tf.tensor(Float32Array.from({ length: got.output.size }, () => rng.normal()), got.output.shape);
    const w2 = tf.tensor(Float32Array.from({ length: got.lse.size }, () => rng.normal()), got.lse.shape);
    const loss = (f: typeof flashAttention) => (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
      const r = f(a, b, c, { ...o, returnLse: true });
      const l = tf.sum(tf.mul(r.output, w));
      return opts.lseWeight ? tf.add(l, tf.sum(tf.mul(r.lse, w2))) : l;
    };
    const g = tf.grads(loss(flashAttention))([q, k, v]);
    const gr = tf.grads(loss(attentionReference as typeof flashAttention))([q, k, v]);
    ['dq', 'dk', 'dv'].forEach((name, i) => expectClose(g[i], gr[i], tol, name));
  });
}
