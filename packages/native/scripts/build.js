#!/usr/bin/env node
/*
 * Builds the addon with node-gyp (run by `npm install` as this package's
 * install script, and by `npm run build -w @tessera/native`).
 *
 *  - node-gyp: the one npm provides to install scripts (npm_config_node_gyp),
 *    else a locally installed one, else the one bundled with npm.
 *  - Node headers: when the running node ships its own (PREFIX/include/node,
 *    e.g. distribution packages), they are used via --nodedir, so no header
 *    download is needed; otherwise node-gyp's usual behaviour applies.
 *  - `--asan`: -fsanitize=address,undefined build (see docs/native.md).
 *  - Without `--strict` a failed build only warns: the engine is optional and
 *    @tessera/attention falls back to its TypeScript kernels.
 */
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const strict = process.argv.includes('--strict');
const asan = process.argv.includes('--asan');

function findNodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js', { paths: [root, process.cwd()] }));
  } catch {}
  const npmDir = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm');
  candidates.push(path.join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((p) => p && fs.existsSync(p)) || null;
}

function localNodeDir() {
  if (process.env.npm_config_nodedir) return null;
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  const header = path.join(prefix, 'include', 'node', 'node_version.h');
  if (!fs.existsSync(header)) return null;
  const text = fs.readFileSync(header, 'utf8');
  const num = (name) => (text.match(new RegExp(`#define ${name} (\\d+)`)) || [])[1];
  const version = `${num('NODE_MAJOR_VERSION')}.${num('NODE_MINOR_VERSION')}.${num('NODE_PATCH_VERSION')}`;
  return `v${version}` === process.version ? prefix : null;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  return r.status === 0;
}

function main() {
  const gyp = findNodeGyp();
  if (!gyp) return 'node-gyp not found';
  const args = [gyp, 'rebuild', `--jobs=${process.env.TESSERA_BUILD_JOBS || 2}`];
  const nodedir = localNodeDir();
  if (nodedir) args.push(`--nodedir=${nodedir}`);
  if (asan) args.push('--', '-Dsanitize=true');
  if (!run(process.execPath, args)) return 'node-gyp rebuild failed';
  // Compile the TypeScript wrapper too when TypeScript is at hand (a workspace install).
  try {
    const tsc = require.resolve('typescript/bin/tsc', { paths: [root, process.cwd()] });
    if (!run(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')])) return 'tsc failed';
  } catch {}
  return null;
}

const err = main();
if (err) {
  const msg = `@tessera/native: ${err}; Tessera will use its TypeScript kernels.`;
  if (strict) {
    console.error(msg);
    process.exit(1);
  }
  console.warn(`warning: ${msg}`);
}
