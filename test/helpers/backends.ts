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
 * `only` restricts a suite to the backends its subject exists on (e.g. the
 * native op overrides serve cpu and wasm only): other backends get no suite
 * at all rather than a skipped placeholder.
 * @example
 * describeEachBackend('attentionReference', (backend) => { it('...', () => { ... }); });
 * describeEachBackend('native BatchMatMul', (backend) => { ... }, { only: ['cpu', 'wasm'] });
 */
export function describeEachBackend(name: string, fn: (backend: string) => void, opts: { only?: readonly string[] } = {}): void {
  for (const backend of testBackends().filter((b) => !opts.only || opts.only.includes(b))) {
    describe(`${name} [${backend}]`, () => {
      beforeAll(async () => {
        await initBackend(backend);
        expect(tf.getBackend()).toBe(backend);
      });
      fn(backend);
    });
  }
}
