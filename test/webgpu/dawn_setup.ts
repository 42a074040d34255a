/**
 * Test setup for WebGPU in Node (imported by test/setup.ts). Makes
 * describeEachBackend include 'webgpu' exactly when Dawn finds an adapter
 * (lavapipe in CI, a real GPU elsewhere): navigator.gpu is set only then.
 *
 * describeEachBackend decides synchronously while jest collects tests, but
 * requestAdapter is async, so the check runs once per jest worker in a child
 * Node process and is remembered in process.env for the worker's later files.
 * TESSERA_TEST_BACKENDS without 'webgpu' skips all of it.
 */
import { execFileSync } from 'child_process';
import { dawnBinaryPath, loadDawn } from '@tessera/tensor';

const KEY = 'TESSERA_WEBGPU_ADAPTER';

function wanted(): boolean {
  const env = process.env.TESSERA_TEST_BACKENDS;
  return !env || env.split(',').map((s) => s.trim()).includes('webgpu');
}

function probe(): string {
  let file: string;
  try {
    file = dawnBinaryPath();
  } catch {
    return 'none';
  }
  const code = `const {create, globals} = require(${JSON.stringify(file)}); Object.assign(globalThis, globals);
create([]).requestAdapter().then((a) => { process.stdout.write(a ? '\\nADAPTER:yes\\n' : '\\nADAPTER:no\\n'); process.exit(0); }, () => { process.stdout.write('\\nADAPTER:no\\n'); process.exit(0); });`;
  try {
    const out = execFileSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 60000, stdio: ['ignore', 'pipe', 'ignore'] });
    return out.includes('ADAPTER:yes') ? 'yes' : 'none';
  } catch {
    return 'none';
  }
}

if (wanted()) {
  if (process.env[KEY] === undefined) process.env[KEY] = probe();
  if (process.env[KEY] === 'yes') loadDawn();
}
