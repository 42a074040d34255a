#!/usr/bin/env node
/*
 * `npm run test:asan -w @tessera/native`: builds the addon with
 * -fsanitize=address,undefined in a scratch copy (the normal build/ is left
 * alone, so other processes using the addon are not disturbed), then runs
 * the native test suites against it (TESSERA_NATIVE_ADDON points the loader
 * at the ASan build).
 *
 * Node itself is not built with ASan, so the ASan runtime must be loaded
 * first: LD_PRELOAD=$(g++ -print-file-name=libasan.so). Leak detection is off
 * (V8's heap is not ours and would drown the report); ASan and UBSan reports
 * are fatal. Extra arguments are passed to jest (default: the native suites).
 */
'use strict';
const { spawnSync, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const pkg = path.resolve(__dirname, '..');
const repo = path.resolve(pkg, '..', '..');

const libasan = execFileSync(process.env.CXX || 'g++', ['-print-file-name=libasan.so']).toString().trim();
if (!path.isAbsolute(libasan)) {
  console.error(`libasan.so not found (g++ -print-file-name=libasan.so printed ${JSON.stringify(libasan)}); install the gcc ASan runtime (Debian: libasan8)`);
  process.exit(1);
}

// Scratch copy: binding.gyp + C++ sources; node-addon-api resolves through NODE_PATH.
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-asan-'));
fs.copyFileSync(path.join(pkg, 'binding.gyp'), path.join(work, 'binding.gyp'));
fs.cpSync(path.join(pkg, 'src', 'cc'), path.join(work, 'src', 'cc'), { recursive: true });
const nodePath = [path.join(pkg, 'node_modules'), path.join(repo, 'node_modules'), process.env.NODE_PATH].filter(Boolean).join(path.delimiter);
const gyp = [process.env.npm_config_node_gyp, path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')]
  .concat((() => { try { return [require.resolve('node-gyp/bin/node-gyp.js', { paths: [repo] })]; } catch { return []; } })())
  .find((p) => p && fs.existsSync(p));
if (!gyp) {
  console.error('node-gyp not found');
  process.exit(1);
}
const run = (args, opts) => spawnSync(process.execPath, args, { stdio: 'inherit', ...opts }).status;
let status = run([gyp, 'rebuild', `--jobs=${process.env.TESSERA_BUILD_JOBS || 2}`, '--', '-Dsanitize=true'], { cwd: work, env: { ...process.env, NODE_PATH: nodePath } });
if (status === 0) {
  const suites = process.argv.slice(2).length ? process.argv.slice(2) : ['test/native/', 'test/attention/native_engine.test.ts'];
  const jest = require.resolve('jest/bin/jest', { paths: [repo] });
  status = run([jest, '--runInBand', ...suites], {
    cwd: repo,
    env: {
      ...process.env,
      TESSERA_NATIVE_ADDON: path.join(work, 'build', 'Release', 'tessera_native.node'),
      LD_PRELOAD: libasan,
      ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1:halt_on_error=1',
      UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
    },
  });
}
fs.rmSync(work, { recursive: true, force: true });
process.exit(status);
