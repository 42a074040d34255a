/**
 * The WGSL flash kernels on webgpu against attentionReference (forward, lse,
 * gradients): every option at tiny sizes, plus the binding-size split and
 * its error. The full flash suites (test/attention/flash*.test.ts) also run
 * on webgpu through describeEachBackend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { flashAttention } from '@tessera/attention';
import { initBackend } from '@tessera/tensor';
import { cachedPipelines, isSoftwareAdapter, PIPELINE_CACHE_LIMIT, WebGpuBackend, webgpuOverrides } from '../../packages/attention/src/backends/webgpu/gpu_backend';
import { pickTiledShape, tiledBackwardOn, tiledOverrides, TILED_SHAPES } from '../../packages/attention/src/backends/webgpu/flash_tiled_wgsl';
import { dkdvTiledNC } from '../../packages/attention/src/backends/webgpu/flash_dkdv_tiled_wgsl';
import { dqTiledNC } from '../../packages/attention/src/backends/webgpu/flash_dq_tiled_wgsl';
import { compareWithReference, makeCase, Opt, Shape } from '../attention/flash_cases';

// Skipped only where Dawn finds no WebGPU adapter (test/webgpu/dawn_setup.ts probes once per worker);
// CI installs lavapipe and sets TESSERA_REQUIRE_WEBGPU=1, which fails the run instead of skipping.
const hasGpu = process.env.TESSERA_WEBGPU_ADAPTER === 'yes';
// lavapipe compiles each new pipeline with LLVM on the CPU: the register-blocked programs take
// seconds to a minute each (more when other jobs share the two cores), so these tests get 10 minutes.
jest.setTimeout(600_000);
const maybe = hasGpu ? describe : describe.skip;

/** One case per option set (seeds seed, seed + 1, ...) against the reference, lse-weighted gradients included. */
function expectMatchesReference(shape: Shape, sets: Opt[][], seed: number): void {
  for (const [k, opts] of sets.entries()) {
    const fc = makeCase(shape, opts, seed + k);
    compareWithReference(fc, undefined, { lseWeight: true });
    fc.dispose();
  }
}

maybe('flash WGSL kernels [webgpu]', () => {
  beforeAll(async () => {
    await initBackend('webgpu');
  });

  const shapes: Array<[string, Shape]> = [
    ['GQA Tq < Tk Dv != D', { B: 2, H: 4, Hkv: 2, Tq: 5, Tk: 11, D: 3, Dv: 5 }],
    ['crosses tiles', { B: 1, H: 2, Hkv: 1, Tq: 70, Tk: 37, D: 8, Dv: 4 }],
  ];
  const sets: Opt[][] = [[], ['causal', 'keyMask', 'alibi', 'softcap'], ['window', 'segments', 'scale', 'alibi'], ['causal', 'window', 'keyMask', 'alibi', 'softcap', 'segments', 'scale']];
  describe.each(shapes)('%s', (_n, shape) => {
    it.each(sets.map((o) => [o.join('+') || 'plain', o] as const))('matches the reference with %s', (_l, opts) => {
      const fc = makeCase(shape, opts as Opt[], 7);
      compareWithReference(fc);
      fc.dispose();
    });
  });
});

// The register-blocked forward (flash_forward_tiled_wgsl.ts) in every tile shape it
// can pick, forced, with head sizes whose tiles fit lavapipe's 32 KiB of workgroup
// memory: tails in both dimensions, padded head sizes, GQA, every option.
maybe('flash WGSL kernels [webgpu]: register-blocked forward', () => {
  beforeAll(async () => {
    await initBackend('webgpu');
  });
  afterEach(() => {
    delete tiledOverrides.shape;
    delete webgpuOverrides.subgroups;
  });
  const cases: Array<[string, Shape]> = [
    ['D 16, Dv 64, GQA, tails', { B: 1, H: 4, Hkv: 2, Tq: 70, Tk: 101, D: 16, Dv: 64 }],
    ['D 20, Dv 32 (padded), Tq > Tk', { B: 2, H: 2, Hkv: 1, Tq: 67, Tk: 50, D: 20, Dv: 32 }],
  ];
  const sets: Opt[][] = [[], ['causal', 'keyMask', 'alibi', 'softcap'], ['causal', 'window', 'keyMask', 'alibi', 'softcap', 'segments', 'scale']];
  // Row maxima through subgroup shuffles where a subgroup spans the NC threads of a row quad
  // (lavapipe's subgroups are 8 wide: the NC = 8 shapes), else through workgroup memory.
  const sgModes: Array<[string, boolean]> = [['subgroups where they fit', true], ['workgroup-memory reduction', false]];
  for (const shape of TILED_SHAPES) {
    describe.each(sgModes)(`tile ${shape.NC} threads per row quad x ${shape.BC} keys, %s`, (_m, sg) => {
      it.each(cases)('%s: matches the reference with every option set', (_n, s) => {
        tiledOverrides.shape = shape;
        if (!sg) webgpuOverrides.subgroups = false;
        // A forced shape this device cannot hold (64-key tiles need 16-lane subgroups) or that cannot
        // split the head sizes (Dv 32 over 16 column threads) falls back to the row-per-thread program: checked the same way.
        expectMatchesReference(s, sets, 11);
      });
    });
  }

  it('picks a tile shape for D = Dv = 64 within the device memory, else the row-per-thread program', () => {
    expect(pickTiledShape(64, 64, 49152, 32)).toEqual({ NC: 16, BC: 64 });
    expect(pickTiledShape(64, 64, 49152)).toEqual({ NC: 16, BC: 48 });
    expect(pickTiledShape(64, 64, 32768)).toEqual({ NC: 8, BC: 16 });
    expect(pickTiledShape(128, 64, 65536)).toBeNull();
    expect(pickTiledShape(64, 64, 16384)).toBeNull();
  });

  it('propagates NaN to exactly the rows that see it', () => {
    const q = tf.randomNormal([1, 1, 70, 64]);
    const kv = tf.randomNormal([1, 1, 70, 64]).bufferSync();
    kv.set(NaN, 0, 0, 40, 3); // key 40
    const k = kv.toTensor();
    const v = tf.randomNormal([1, 1, 70, 64]);
    const out = flashAttention(q, k, v, { causal: true }).arraySync() as number[][][][];
    out[0][0].forEach((row, i) => expect(row.some(Number.isNaN)).toBe(i >= 40));
    tf.dispose([q, k, v]);
  });
});

// The register-blocked backward programs (flash_dq_tiled_wgsl.ts, flash_dkdv_tiled_wgsl.ts).
// They are off by default on a CPU rasterizer (lavapipe's LLVM takes 7-31 s per pipeline),
// so these tests force them, at head sizes whose tiles fit lavapipe's 32 KiB and
// compile fastest there (4 threads per quad); the 8-thread programs the H200 runs at D = 64 are
// checked on the GPU by scripts/bench/webgpu_check.ts (docs/bench/h200/check.txt).
maybe('flash WGSL kernels [webgpu]: register-blocked backward', () => {
  beforeAll(async () => {
    await initBackend('webgpu');
  });
  beforeEach(() => (tiledOverrides.backward = true));
  afterEach(() => delete tiledOverrides.backward);
  const all: Opt[] = ['causal', 'window', 'keyMask', 'alibi', 'softcap', 'segments', 'scale'];
  const cases: Array<[string, Shape, Opt[][]]> = [
    ['D 16, Dv 32 (vec4 loads), GQA, tails', { B: 1, H: 4, Hkv: 2, Tq: 70, Tk: 101, D: 16, Dv: 32 }, [[], all]],
    ['D 13, Dv 30 (padded, scalar loads), Tq < Tk', { B: 2, H: 2, Hkv: 2, Tq: 33, Tk: 65, D: 13, Dv: 30 }, [all]],
  ];
  it.each(cases)('%s: gradients match the reference', (_n, s, sets) => {
    const b = tf.backend() as unknown as WebGpuBackend;
    expect(dkdvTiledNC(s.D, s.Dv, b.device.limits.maxComputeWorkgroupStorageSize)).toBe(4);
    expect(dqTiledNC(s.D, s.Dv, b.device.limits.maxComputeWorkgroupStorageSize)).toBe(4);
    expectMatchesReference(s, sets, 21);
  });

  it('runs by default on GPUs, not on CPU rasterizers, and never with the row programs forced', () => {
    delete tiledOverrides.backward;
    expect(isSoftwareAdapter({ vendor: 'mesa', architecture: 'software' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: '', description: 'NVIDIA: 580.159.04' })).toBe(false);
    expect(tiledBackwardOn(true)).toBe(false);
    expect(tiledBackwardOn(false)).toBe(true);
    tiledOverrides.shape = null;
    expect(tiledBackwardOn(false)).toBe(false);
    delete tiledOverrides.shape;
  });

  it('picks 8 or 4 threads per row quad within the device memory, else the row-per-thread programs', () => {
    expect(dqTiledNC(64, 64, 49152)).toBe(8);
    expect(dqTiledNC(64, 64, 32768)).toBe(0);
    expect(dqTiledNC(16, 64, 32768)).toBe(4);
    expect(dqTiledNC(128, 64, 65536)).toBe(0);
    expect(dkdvTiledNC(64, 64, 49152)).toBe(8);
    expect(dkdvTiledNC(64, 64, 32768)).toBe(0);
    expect(dkdvTiledNC(16, 32, 32768)).toBe(4);
    expect(dkdvTiledNC(128, 64, 65536)).toBe(0);
  });
});

maybe('flash WGSL kernels [webgpu]: fallbacks and limits', () => {
  beforeAll(async () => {
    await initBackend('webgpu');
  });
  afterEach(() => {
    delete webgpuOverrides.subgroups;
    delete webgpuOverrides.maxBinding;
  });
  const shape: Shape = { B: 2, H: 4, Hkv: 2, Tq: 5, Tk: 11, D: 3, Dv: 5 };

  it('matches the reference without subgroups (the fallback WGSL)', () => {
    webgpuOverrides.subgroups = false;
    expectMatchesReference(shape, [['causal', 'alibi']], 3);
  });

  it('splits dispatches over heads when a binding would pass the limit, with the same result', () => {
    // q/out/dq per head 1280 bytes, k/v per kv head 1536: 3500 bytes gives chunks of 2 heads (4 per call), unaligned windows.
    webgpuOverrides.maxBinding = 3500;
    expectMatchesReference({ B: 2, H: 4, Hkv: 2, Tq: 40, Tk: 48, D: 8, Dv: 8 }, [['window', 'keyMask', 'softcap']], 4);
  });

  it('throws a clear error (and leaks nothing) when one head cannot fit a binding', () => {
    webgpuOverrides.maxBinding = 64;
    const fc = makeCase(shape, [], 5);
    const before = tf.memory().numTensors;
    expect(() => flashAttention(fc.q, fc.k, fc.v)).toThrow(/one head of 'q' needs a 60-byte binding \(plus up to \d+ bytes of offset alignment\), over this device's maxStorageBufferBindingSize of 64 bytes/);
    expect(tf.memory().numTensors).toBe(before);
    fc.dispose();
  });
});

maybe('flash WGSL kernels [webgpu]: pipelines', () => {
  beforeAll(async () => {
    await initBackend('webgpu');
  });

  it('option combinations of one kind share a pipeline; the cache stays bounded', () => {
    const b = tf.backend() as unknown as WebGpuBackend;
    const shape: Shape = { B: 1, H: 2, Hkv: 1, Tq: 6, Tk: 7, D: 3, Dv: 2 };
    const run = (opts: Opt[]) => {
      const fc = makeCase(shape, opts, 1);
      compareWithReference(fc, undefined, { grads: false });
      fc.dispose();
    };
    run(['causal']);
    const before = cachedPipelines(b);
    // causal/window are runtime bits of the same compiled "mask" program, D=3 and D=4 share padded registers.
    run(['window']);
    run(['causal', 'window']);
    run(['causal']);
    expect(cachedPipelines(b)).toBe(before);
    expect(cachedPipelines(b)).toBeLessThanOrEqual(PIPELINE_CACHE_LIMIT);
  });
});
