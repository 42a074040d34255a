/**
 * Test setup for WebGPU in Node (imported by test/setup.ts). Makes
 * describeEachBackend include 'webgpu' exactly when Dawn finds an adapter
 * (lavapipe in CI, a real GPU elsewhere): navigator.gpu is set only then.
 *
 * describeEachBackend decides synchronously while jest collects tests, but
 * requestAdapter is async, so the check runs once per jest worker in a child
 * Node process and is remembered in process.env for the worker's later files.
 * TESSERA_TEST_BACKENDS without 'webgpu' skips all of it.
 *
 * TESSERA_REQUIRE_WEBGPU=1 (set by .ci/run) turns "no adapter" into a failure
 * of every test file, with the reason, so CI cannot silently skip webgpu.
 *
 * Each test file gets its own tfjs (jest's module registry), hence its own
 * WebGPU device; the device is destroyed after the file, or a worker would
 * keep every file's device, pipelines and buffer pool until it exits.
 */
import { execFileSync } from 'child_process';
import * as tf from '@tensorflow/tfjs-core';
import { dawnBinaryPath, loadDawn } from '@tessera/tensor';
import { explainNoAdapter } from '../../packages/tensor/src/webgpu_node';

const KEY = 'TESSERA_WEBGPU_ADAPTER';
const WHY = 'TESSERA_WEBGPU_ADAPTER_WHY';

function wanted(): boolean {
  const env = process.env.TESSERA_TEST_BACKENDS;
  return !env || env.split(',').map((s) => s.trim()).includes('webgpu');
}

/** 'yes', or 'none' with the reason in process.env[WHY]. */
function probe(): string {
  let file: string;
  try {
    file = dawnBinaryPath();
  } catch (e) {
    process.env[WHY] = (e as Error).message;
    return 'none';
  }
  const code = `const {create, globals} = require(${JSON.stringify(file)}); Object.assign(globalThis, globals);
create([]).requestAdapter().then((a) => { process.stdout.write(a ? '\\nADAPTER:yes\\n' : '\\nADAPTER:no\\n'); process.exit(0); }, (e) => { process.stdout.write('\\nADAPTER:error ' + e + '\\n'); process.exit(0); });`;
  try {
    const out = execFileSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 60000, stdio: ['ignore', 'pipe', 'pipe'] });
    if (out.includes('ADAPTER:yes')) return 'yes';
    const err = out.match(/ADAPTER:error (.*)/);
    process.env[WHY] = err ? `requestAdapter failed: ${err[1]}` : explainNoAdapter();
  } catch (e) {
    const x = e as { message: string; stderr?: string };
    process.env[WHY] = `the adapter probe (a child Node process loading ${file}) failed: ${x.message.split('\n')[0]} ${(x.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`;
  }
  return 'none';
}

if (wanted()) {
  if (process.env[KEY] === undefined) process.env[KEY] = probe();
  if (process.env[KEY] === 'yes') {
    loadDawn();
  } else if (process.env.TESSERA_REQUIRE_WEBGPU === '1') {
    throw new Error(
      `TESSERA_REQUIRE_WEBGPU=1 but no WebGPU adapter: ${process.env[WHY] ?? 'unknown reason'} ` +
        '(unset TESSERA_REQUIRE_WEBGPU, or set TESSERA_TEST_BACKENDS=cpu,wasm, to run without webgpu)',
    );
  }
}

afterAll(() => {
  const engine = tf.engine() as unknown as { registry: Record<string, { device?: { destroy?(): void } } | undefined> };
  const backend = engine.registry.webgpu;
  if (!backend) return;
  const device = backend.device;
  tf.removeBackend('webgpu'); // disposes the buffer pool
  device?.destroy?.();
});
