/**
 * The WGSL linear attention kernels on webgpu against the TypeScript math
 * (linearForwardImpl / linearBackwardImpl on the same typed arrays): several
 * non-causal state chunks, causal chunks with Tq < Tk and Tq > Tk, GQA, the
 * binding-size split and its error. The linear suites (test/attention/linear*)
 * also run on webgpu through describeEachBackend.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tessera/attention'; // registers the kernels
import { linearBackwardImpl } from '../../packages/attention/src/linear/linear_backward_impl';
import { linearForwardImpl } from '../../packages/attention/src/linear/linear_forward_impl';
import { TesseraLinearAttention, TesseraLinearAttentionGrad } from '../../packages/attention/src/kernel_names';
import { initBackend, Rng } from '@tessera/tensor';
import { webgpuOverrides } from '../../packages/attention/src/backends/webgpu/gpu_backend';
import { linearAttentionWebGpu } from '../../packages/attention/src/backends/webgpu/kernels/TesseraLinearAttention';
import { expectClose } from '../helpers/close';

// Skipped only where Dawn finds no WebGPU adapter (test/webgpu/dawn_setup.ts probes once per worker);
// CI installs lavapipe and sets TESSERA_REQUIRE_WEBGPU=1, which fails the run instead of skipping.
const hasGpu = process.env.TESSERA_WEBGPU_ADAPTER === 'yes';
const maybe = hasGpu ? describe : describe.skip;

interface Dims { B: number; H: number; Hkv: number; Tq: number; Tk: number; F: number; Dv: number }

function check(d: Dims, causal: boolean, chunkSize: number, seed: number): void {
  const rng = new Rng(seed);
  const pos = (n: number) => Float32Array.from({ length: n }, () => Math.abs(rng.normal()) + 0.05); // mapped features are positive
  const any = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
  const q = pos(d.B * d.H * d.Tq * d.F);
  const k = pos(d.B * d.Hkv * d.Tk * d.F);
  const v = any(d.B * d.Hkv * d.Tk * d.Dv);
  const dy = any(d.B * d.H * d.Tq * d.Dv);
  const attrs = { causal, eps: 1e-6, chunkSize };
  const out = new Float32Array(dy.length);
  const den = new Float32Array(d.B * d.H * d.Tq);
  linearForwardImpl({ dims: d, ...attrs, q, k, v, out, den });
  const dq = new Float32Array(q.length);
  const dk = new Float32Array(k.length);
  const dv = new Float32Array(v.length);
  linearBackwardImpl({ dims: d, ...attrs, q, k, v, out, den, dOut: dy, dq, dk, dv });
  tf.tidy(() => {
    const T = (x: Float32Array, s: number[]) => tf.tensor(x, s);
    const tq = T(q, [d.B, d.H, d.Tq, d.F]);
    const tk = T(k, [d.B, d.Hkv, d.Tk, d.F]);
    const tv = T(v, [d.B, d.Hkv, d.Tk, d.Dv]);
    const [o, dn] = tf.engine().runKernel(TesseraLinearAttention, { q: tq, k: tk, v: tv }, attrs as never) as tf.Tensor[];
    const tol = { atol: 2e-4, rtol: 2e-4 };
    expectClose(o, out, tol, 'out');
    expectClose(dn, den, tol, 'den');
    const g = tf.engine().runKernel(TesseraLinearAttentionGrad, { dy: T(dy, o.shape), q: tq, k: tk, v: tv, out: o, den: dn }, attrs as never) as tf.Tensor[];
    expectClose(g[0], dq, tol, 'dq');
    expectClose(g[1], dk, tol, 'dk');
    expectClose(g[2], dv, tol, 'dv');
  });
}

maybe('linear WGSL kernels [webgpu]', () => {
  beforeAll(async () => {
    await initBackend('webgpu');
  });
  afterEach(() => delete webgpuOverrides.maxBinding);

  it('is the registered kernel on webgpu', () => {
    expect(tf.getKernel(TesseraLinearAttention, 'webgpu')?.kernelFunc).toBe(linearAttentionWebGpu);
  });

  it('non-causal over several state chunks (Tk > 256), GQA, Tq != Tk', () => check({ B: 2, H: 4, Hkv: 2, Tq: 37, Tk: 600, F: 5, Dv: 3 }, false, 64, 1));
  it('causal chunked, Tq < Tk, chunk not dividing Tk', () => check({ B: 1, H: 3, Hkv: 1, Tq: 50, Tk: 70, F: 4, Dv: 6 }, true, 16, 2));
  it('causal, Tq > Tk (early rows see nothing), chunk 1 and chunk > Tk', () => {
    check({ B: 1, H: 2, Hkv: 2, Tq: 9, Tk: 6, F: 3, Dv: 2 }, true, 1, 3);
    check({ B: 1, H: 2, Hkv: 2, Tq: 9, Tk: 6, F: 3, Dv: 2 }, true, 1000, 4);
  });

  it('splits dispatches when a binding would pass the limit, with the same result', () => {
    // Per kv unit: the in-chunk scores of 2 query heads x 20 rows x 8 keys = 1280 bytes; 2000 bytes -> 1 unit per call.
    webgpuOverrides.maxBinding = 2000;
    check({ B: 2, H: 4, Hkv: 2, Tq: 20, Tk: 24, F: 4, Dv: 4 }, true, 8, 5);
  });

  it('throws a clear error (and leaks nothing) when one head cannot fit a binding', () => {
    webgpuOverrides.maxBinding = 64;
    const q = tf.ones([1, 1, 8, 4]);
    const before = tf.memory().numTensors;
    expect(() => tf.engine().runKernel(TesseraLinearAttention, { q, k: q, v: q }, { causal: false, eps: 1e-6, chunkSize: 4 } as never)).toThrow(
      /linearAttention \(webgpu\): one head of '\w+' needs a \d+-byte binding .* over this device's maxStorageBufferBindingSize of 64 bytes/,
    );
    expect(tf.memory().numTensors).toBe(before);
    q.dispose();
  });
});
