/**
 * The WGSL block-sparse kernels on webgpu: blocks larger than a workgroup's
 * 64 rows, the BlockMask's GPU copy (uploaded once, released on dispose), the
 * binding-size split and the errors. The block-sparse suites
 * (test/attention/sparse_*) also run on webgpu through describeEachBackend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { blockSparseAttention, causal, slidingWindow } from '@tessera/attention';
import { initBackend } from '@tessera/tensor';
import { TesseraBlockSparseAttention } from '../../packages/attention/src/kernel_names';
import { WebGpuBackend, webgpuOverrides } from '../../packages/attention/src/backends/webgpu/gpu_backend';
import { blockSparseAttentionWebGpu } from '../../packages/attention/src/backends/webgpu/kernels/TesseraBlockSparseAttention';
import { gpuMask, gpuMaskCount } from '../../packages/attention/src/backends/webgpu/sparse_mask';
import { expectMatchesReference, makeQkv } from '../attention/sparse_helpers';

// Skipped only where Dawn finds no WebGPU adapter (test/webgpu/dawn_setup.ts probes once per worker);
// CI installs lavapipe and sets TESSERA_REQUIRE_WEBGPU=1, which fails the run instead of skipping.
const hasGpu = process.env.TESSERA_WEBGPU_ADAPTER === 'yes';
const maybe = hasGpu ? describe : describe.skip;

maybe('block-sparse WGSL kernels [webgpu]', () => {
  beforeAll(async () => {
    await initBackend('webgpu');
  });
  afterEach(() => delete webgpuOverrides.maxBinding);

  it('is the registered kernel on webgpu', () => {
    expect(tf.getKernel(TesseraBlockSparseAttention, 'webgpu')?.kernelFunc).toBe(blockSparseAttentionWebGpu);
  });

  it('blocks of 128 (two workgroups per block), partial blocks, GQA: forward and gradients equal the reference', () => {
    const mask = slidingWindow({ left: 70, right: 5 }, { Tq: 150, Tk: 170, blockSize: 128 });
    expectMatchesReference(mask, { B: 1, H: 2, Hkv: 1, Tq: 150, Tk: 170, D: 3, Dv: 2 }, 11);
    mask.dispose();
  });

  it('uploads a mask once per device and releases it on dispose', () => {
    const b = tf.backend() as unknown as WebGpuBackend;
    const mask = causal({ Tq: 20, blockSize: 4 });
    const { q, k, v, dispose } = makeQkv({ B: 1, H: 1, Hkv: 1, Tq: 20, Tk: 20, D: 4, Dv: 4 }, 1);
    tf.dispose(blockSparseAttention(q, k, v, mask));
    const first = gpuMask(b, mask);
    tf.dispose(blockSparseAttention(q, k, v, mask));
    expect(gpuMask(b, mask)).toBe(first);
    expect(gpuMaskCount(b, [mask])).toBe(1);
    mask.dispose();
    expect(gpuMaskCount(b, [mask])).toBe(0);
    dispose();
  });

  it('splits dispatches when a binding would pass the limit, with the same result', () => {
    // q per head 24 x 8 x 4 = 768 bytes; 2100 bytes leaves room for 1-2 heads per call.
    webgpuOverrides.maxBinding = 2100;
    const mask = slidingWindow({ left: 5, right: 2 }, { Tq: 24, blockSize: 8 });
    expectMatchesReference(mask, { B: 2, H: 4, Hkv: 2, Tq: 24, Tk: 24, D: 8, Dv: 8 }, 5, { softcap: 3 });
    mask.dispose();
  });

  it('throws clearly (and leaks nothing) when the block lists or one head cannot fit a binding', () => {
    const mask = slidingWindow({ left: 3, right: 0 }, { Tq: 64, blockSize: 4 });
    const { q, k, v, dispose } = makeQkv({ B: 1, H: 1, Hkv: 1, Tq: 64, Tk: 64, D: 8, Dv: 8 }, 2);
    const before = tf.memory().numTensors;
    webgpuOverrides.maxBinding = 300;
    expect(() => blockSparseAttention(q, k, v, mask)).toThrow(/blockSparseAttention \(webgpu\): the block lists of BlockMask\(.*\) take \d+ bytes, over this device's maxStorageBufferBindingSize of 300 bytes/);
    webgpuOverrides.maxBinding = 1500;
    expect(() => blockSparseAttention(q, k, v, mask)).toThrow(/one head of 'q' needs a 2048-byte binding/);
    expect(tf.memory().numTensors).toBe(before);
    mask.dispose();
    dispose();
  });
});
