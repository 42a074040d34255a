/**
 * Loads the compiled addon (build/Release/tessera_native.node, built by
 * node-gyp at install time). Loading never throws: when the addon is missing
 * (no compiler at install, a browser bundle, ...) `binding` is null and
 * `loadError` says why, so callers fall back to the TypeScript engine.
 */
import * as path from 'path';

/** The raw N-API surface (src/cc/addon.cc); use the checked wrappers in index.ts. */
export interface RawBinding {
  flashForward(args: object): void;
  flashBackward(args: object): void;
  blockSparseForward(args: object): void;
  blockSparseBackward(args: object): void;
  linearForward(args: object): void;
  linearBackward(args: object): void;
  featureMap(args: object): void;
  gemmCeiling(n: number, reps: number): number;
  info(): { isa: string; vectorWidth: number; threads: number };
  setNumThreads(n: number): void;
  setIsa(name: string): boolean;
}

function load(): { binding: RawBinding | null; error: string | null } {
  if (typeof process === 'undefined' || !process.versions || !process.versions.node) return { binding: null, error: 'not running in Node.js' };
  // src/ and dist/ are siblings of build/, so the same relative path serves both.
  // TESSERA_NATIVE_ADDON points at another build (the ASan one of scripts/asan.js).
  const file = process.env.TESSERA_NATIVE_ADDON || path.join(__dirname, '..', 'build', 'Release', 'tessera_native.node');
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return { binding: require(file) as RawBinding, error: null };
  } catch (e) {
    return { binding: null, error: `${file}: ${(e as Error).message.split('\n')[0]}` };
  }
}

const loaded = load();
export const binding: RawBinding | null = loaded.binding;
export const loadError: string | null = loaded.error;
