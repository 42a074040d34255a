/**
 * Where the time of reading a WebGPU tensor back to the host goes in Node
 * (Dawn), issue 8: the wall-clock benchmark rows at n <= 16,384 are mostly
 * read-back. For each size (MiB of float32), over `reps` fresh GPU-resident
 * tensors (a read caches the values on the CPU, so every read needs a new
 * tensor), it times:
 *  - `dataSync()`: the whole synchronous read (Tessera's Dawn read-back,
 *    packages/tensor/src/webgpu_node.ts);
 *  - `await data()`: tfjs-webgpu's asynchronous read;
 *  - the steps of the synchronous read done by hand: recording and submitting
 *    the copy into a staging buffer, waiting for its mapping (which waits for
 *    the copy; Dawn's ticks pumped in place, as dataSync does), getMappedRange,
 *    and copying the mapped bytes out (ArrayBuffer.slice); the mapping waited
 *    for by running Dawn's ticks in a busy loop (no sleeps between rounds); and
 *    the mapping awaited through the event loop;
 *  - copying an ordinary ArrayBuffer of the same size (the host's memcpy rate).
 *
 *   node scripts/bench/webgpu_readback.js [MiB,...] [--reps 5]
 *   (or npx ts-node --transpile-only scripts/bench/webgpu_readback.ts ...)
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@tessera/tensor';
import { pumpDawnUntil, submitStagingCopy } from '../../packages/tensor/src/webgpu_node';
import { sizesAndReps } from './cli_args';

interface GpuBuffer {
  size: number;
  mapState: string;
  mapAsync(mode: number): Promise<void>;
  getMappedRange(): ArrayBuffer;
  unmap(): void;
  destroy(): void;
}
interface Backend {
  device: {
    createBuffer(d: { size: number; usage: number }): GpuBuffer;
  };
  tensorMap: { get(dataId: object): { resource: unknown } };
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  commandEncoder: { copyBufferToBuffer(a: unknown, ao: number, b: unknown, bo: number, n: number): void };
  submitQueue(): void;
}

const g = globalThis as unknown as { GPUBufferUsage: { MAP_READ: number; COPY_DST: number }; GPUMapMode: { READ: number } };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** A GPU-resident float32 tensor of `floats` elements made by a kernel (never uploaded, never read). */
function fresh(floats: number, i: number): tf.Tensor {
  return tf.tidy(() => tf.add(tf.fill([floats], 1), i));
}

/** A fresh tensor whose kernel has run, so that only its read is timed. */
function ready(floats: number, i: number): tf.Tensor {
  const t = fresh(floats, i);
  tf.tidy(() => t.slice([0], [1]).dataSync());
  return t;
}

/** ms to submit t's copy into a new staging buffer and have it mapped, waiting with `wait`; then releases both. */
async function stagedMapMs(backend: Backend, t: tf.Tensor, wait: (staging: GpuBuffer) => void | Promise<void>): Promise<number> {
  const t0 = performance.now();
  const staging = stage(backend, t);
  await wait(staging);
  const ms = performance.now() - t0;
  staging.unmap();
  staging.destroy();
  t.dispose();
  return ms;
}

/** A staging buffer holding a copy of t's GPU buffer, the copy submitted (not waited for). */
function stage(backend: Backend, t: tf.Tensor): GpuBuffer {
  const src = backend.tensorMap.get(t.dataId).resource as GpuBuffer;
  const staging = backend.device.createBuffer({ size: src.size, usage: g.GPUBufferUsage.MAP_READ | g.GPUBufferUsage.COPY_DST });
  submitStagingCopy(backend, src, staging);
  return staging;
}

async function main(): Promise<void> {
  const { sizes, reps } = sizesAndReps(process.argv.slice(2), '8,32,128', 5);
  await initBackend('webgpu');
  const backend = tf.backend() as unknown as Backend;
  console.log(`# WebGPU read-back in Node (Dawn), median of ${reps} fresh tensors per size; ms`);
  for (const mib of sizes) {
    const floats = (mib * 2 ** 20) / 4;
    const rows: Record<string, number[]> = {
      dataSync: [],
      'await data()': [],
      'submit copy': [],
      'map (pumped)': [],
      getMappedRange: [],
      'slice (copy out)': [],
      'submit + map spun': [],
      'submit + map awaited': [],
      'host memcpy': [],
    };
    for (let r = 0; r < reps + 1; r++) {
      const keep = r > 0; // the first round warms the pipelines and buffer pools
      let t = ready(floats, r);
      let t0 = performance.now();
      t.dataSync();
      if (keep) rows.dataSync.push(performance.now() - t0);
      t.dispose();

      t = ready(floats, r);
      t0 = performance.now();
      await t.data();
      if (keep) rows['await data()'].push(performance.now() - t0);
      t.dispose();

      t = ready(floats, r);
      t0 = performance.now();
      const staging = stage(backend, t);
      const t1 = performance.now();
      staging.mapAsync(g.GPUMapMode.READ).catch(() => undefined);
      pumpDawnUntil(() => staging.mapState === 'mapped', 'the staging mapping');
      const t2 = performance.now();
      const range = staging.getMappedRange();
      const t3 = performance.now();
      const bytes = range.slice(0);
      const t4 = performance.now();
      staging.unmap();
      staging.destroy();
      t.dispose();

      const spun = await stagedMapMs(backend, ready(floats, r), (st) => {
        st.mapAsync(g.GPUMapMode.READ).catch(() => undefined);
        pumpDawnUntil(() => st.mapState === 'mapped', 'the staging mapping', 60000, false);
      });
      const awaited = await stagedMapMs(backend, ready(floats, r), (st) => st.mapAsync(g.GPUMapMode.READ));
      const host = new ArrayBuffer(bytes.byteLength);
      new Uint8Array(host).fill(1);
      const t5 = performance.now();
      host.slice(0);
      const t6 = performance.now();
      if (keep) {
        rows['submit copy'].push(t1 - t0);
        rows['map (pumped)'].push(t2 - t1);
        rows['submit + map spun'].push(spun);
        rows['submit + map awaited'].push(awaited);
        rows.getMappedRange.push(t3 - t2);
        rows['slice (copy out)'].push(t4 - t3);
        rows['host memcpy'].push(t6 - t5);
      }
    }
    const parts = Object.entries(rows).map(([k, v]) => `${k} ${median(v).toFixed(2)}`);
    console.log(`${mib} MiB: ${parts.join('; ')}  (${(mib / 1024 / (median(rows.dataSync) / 1e3)).toFixed(2)} GiB/s by dataSync)`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
