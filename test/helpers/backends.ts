/**
 * Runs a suite once per real backend: `cpu` and `wasm` always, `webgpu` where
 * an adapter exists (TESSERA_TEST_BACKENDS=cpu,wasm narrows the list).
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tessera/tensor';

export const ALL_TEST_BACKENDS = ['cpu', 'wasm', 'webgpu'] as const;

/** The backends this run tests on. */
export function testBackends(): string[] {
  const env = process.env.TESSERA_TEST_BACKENDS;
  const wanted = env ? env.split(',').map((s) => s.trim()).filter(Boolean) : ['cpu', 'wasm', 'webgpu'];
  return wanted.filter((b) => b !== 'webgpu' || webgpuAvailable());
}

let webgpuChecked: boolean | null = null;
function webgpuAvailable(): boolean {
  if (webgpuChecked === null) {
    const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
    webgpuChecked = Boolean(nav && nav.gpu);
  }
  return webgpuChecked;
}

/**
 * `describe` for each backend; inside, tfjs's active backend is that one.
 * @example
 * describeEachBackend('attentionReference', (backend) => { it('...', () => { ... }); });
 */
export function describeEachBackend(name: string, fn: (backend: string) => void): void {
  for (const backend of testBackends()) {
    describe(`${name} [${backend}]`, () => {
      beforeAll(async () => {
        await initBackend(backend);
        expect(tf.getBackend()).toBe(backend);
      });
      fn(backend);
    });
  }
}
