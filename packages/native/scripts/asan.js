#!/usr/bin/env node
/*
 * `npm run test:asan -w @tessera/native`: rebuilds the addon with
 * -fsanitize=address,undefined, runs the native test suites under it, then
 * rebuilds the normal (optimised) addon, whatever the outcome.
 *
 * Node itself is not built with ASan, so the ASan runtime must be loaded
 * first: LD_PRELOAD=$(g++ -print-file-name=libasan.so). Leak detection is off
 * (V8's heap is not ours and would drown the report); UBSan reports are fatal.
 * Extra arguments are passed to jest (default: the native suites).
 */
'use strict';
const { spawnSync, execFileSync } = require('child_process');
const path = require('path');

const pkg = path.resolve(__dirname, '..');
const repo = path.resolve(pkg, '..', '..');
const run = (args, env) => spawnSync(process.execPath, args, { cwd: repo, stdio: 'inherit', env: { ...process.env, ...env } }).status;

const libasan = execFileSync(process.env.CXX || 'g++', ['-print-file-name=libasan.so']).toString().trim();
if (!path.isAbsolute(libasan)) {
  console.error(`libasan.so not found (g++ -print-file-name=libasan.so printed ${JSON.stringify(libasan)}); install the gcc ASan runtime (Debian: libasan8)`);
  process.exit(1);
}
let status = run([path.join(pkg, 'scripts', 'build.js'), '--strict', '--asan']);
if (status === 0) {
  const suites = process.argv.slice(2).length ? process.argv.slice(2) : ['test/native', 'test/attention/native_engine.test.ts'];
  const jest = require.resolve('jest/bin/jest', { paths: [repo] });
  status = run([jest, '--runInBand', ...suites], {
    LD_PRELOAD: libasan,
    ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1:halt_on_error=1',
    UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
  });
}
const rebuilt = run([path.join(pkg, 'scripts', 'build.js'), '--strict']);
process.exit(status !== 0 ? status : rebuilt);
