/**
 * initBackend('webgpu') in Node: Dawn from the `webgpu` package, the adapter
 * check and its message, and synchronous readback (dataSync) without
 * OffscreenCanvas. Skipped where no adapter exists (see dawn_setup.ts).
 */
import { execFileSync } from 'child_process';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tessera/tensor';

// Skipped only where Dawn finds no WebGPU adapter (test/webgpu/dawn_setup.ts probes once per worker);
// CI installs lavapipe and sets TESSERA_REQUIRE_WEBGPU=1, which fails the run instead of skipping.
const hasGpu = process.env.TESSERA_WEBGPU_ADAPTER === 'yes';
const maybe = hasGpu ? describe : describe.skip;

maybe('initBackend webgpu (Dawn)', () => {
  beforeAll(async () => {
    await initBackend('webgpu');
  });

  it('is the active backend with a device that has the adapter limits', () => {
    expect(tf.getBackend()).toBe('webgpu');
    const device = (tf.backend() as unknown as { device: { limits: { maxStorageBufferBindingSize: number } } }).device;
    expect(device.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
  });

  it('reads results synchronously (dataSync) and asynchronously, identically', async () => {
    const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = tf.tensor2d([1, 0, -1, 2, 0.5, 3], [3, 2]);
    const c = tf.matMul(a, b);
    const m = tf.greater(c, 5);
    expect(Array.from(c.dataSync())).toEqual([0.5, 13, 2, 28]);
    expect(Array.from(await c.data())).toEqual([0.5, 13, 2, 28]);
    expect(Array.from(m.dataSync())).toEqual([0, 1, 0, 1]);
    expect(Array.from(tf.cast(c, 'int32').dataSync())).toEqual([0, 13, 2, 28]);
    tf.dispose([a, b, c, m]);
  });

  it('a second initBackend call reuses the backend', async () => {
    const before = tf.backend();
    await initBackend('webgpu');
    expect(tf.backend()).toBe(before);
  });
});

describe('initBackend webgpu without a Vulkan driver', () => {
  it('names the missing driver and the lavapipe fix', () => {
    // A fresh Node process whose Vulkan loader sees no driver at all.
    const root = path.resolve(__dirname, '../..');
    const script = `require('ts-node').register({ transpileOnly: true, compilerOptions: { module: 'commonjs' } });
const { initBackend } = require('./packages/tensor/src');
initBackend('webgpu').then(() => console.log('UNEXPECTED: got an adapter'), (e) => console.log('ERROR: ' + e.message)).then(() => process.exit(0));`;
    const out = execFileSync(process.execPath, ['-e', script], {
      cwd: root,
      encoding: 'utf8',
      timeout: 120000,
      env: { ...process.env, VK_DRIVER_FILES: '/nonexistent/icd.json', VK_ICD_FILENAMES: '/nonexistent/icd.json' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const line = out.split('\n').find((l) => l.startsWith('ERROR: ') || l.startsWith('UNEXPECTED'));
    expect(line).toMatch(/no WebGPU adapter/);
    expect(line).toMatch(/bookworm-backports mesa-vulkan-drivers/);
    expect(line).toMatch(/VK_DRIVER_FILES/);
  });
});
