/**
 * The native engine: @tessera/native's C++ FlashAttention-2 kernels (SIMD,
 * multi-threaded) behind the typed-array contract of impl/flash_types.ts.
 * engine.ts installs it when the package loads, so every tfjs backend's flash
 * block-sparse and linear kernels (cpu zero-copy, wasm on the heap, the rest
 * through the host path) use it in Node.
 *
 * TESSERA_ENGINE selects: unset or 'auto' (native when it loads, else
 * TypeScript), 'ts'/'typescript' (always TypeScript), 'native' (native or an
 * error saying why not).
 *
 * @example
 * // TESSERA_ENGINE=ts node app.js    -> info().engine === 'typescript'
 * import { info } from '@tessera/attention';
 * info().engine; // 'native (avx512, 2 threads)' where the addon is built
 */
import { fail, formatValue } from '@tessera/tensor';
import type { AttentionEngine } from './engine';
import type { BlockSparseBackwardArgs } from './impl/block_sparse_backward_impl';
import type { BlockSparseForwardArgs } from './impl/block_sparse_forward_impl';
import type { FlashBackwardArgs, FlashForwardArgs } from './impl/flash_types';
import type { LinearBackwardArgs, LinearForwardArgs } from './linear/linear_dims';
import type { FeatureMapArgs, FeatureMapGradArgs } from './linear/feature_map_impl';

/** The part of @tessera/native this engine uses (the package is an optional dependency, loaded at run time). */
interface NativeModule {
  available(): boolean;
  loadError(): string | null;
  info(): { isa: string; vectorWidth: number; threads: number };
  flashForward(args: FlashForwardArgs): void;
  flashBackward(args: FlashBackwardArgs): void;
  blockSparseForward(args: BlockSparseForwardArgs): void;
  blockSparseBackward(args: BlockSparseBackwardArgs): void;
  linearForward(args: LinearForwardArgs): void;
  linearBackward(args: LinearBackwardArgs): void;
  featureMap(args: FeatureMapArgs): void;
  featureMapGrad(args: FeatureMapGradArgs): void;
}

/** The feature maps are optional: an addon built before they existed lacks them (the TypeScript loops serve). */
export type NativeEngine = Pick<AttentionEngine, 'name' | 'flashForward' | 'flashBackward' | 'blockSparseForward' | 'blockSparseBackward' | 'linearForward' | 'linearBackward'> &
  Partial<Pick<AttentionEngine, 'featureMap' | 'featureMapGrad'>>;

const ENGINE_CHOICES = ['auto', 'ts', 'typescript', 'native'] as const;

/** `require` that bundlers leave alone (browser builds never see the addon). */
function nodeRequire(id: string): unknown {
  const req = typeof require === 'function' ? require : (new Function('return require')() as NodeRequire);
  return req(id);
}

function loadModule(): { mod: NativeModule | null; why: string } {
  if (typeof process === 'undefined' || !process.versions?.node) return { mod: null, why: 'not running in Node.js' };
  try {
    const mod = nodeRequire('@tessera/native') as NativeModule;
    if (!mod.available()) return { mod: null, why: mod.loadError() ?? 'addon not built' };
    return { mod, why: '' };
  } catch (e) {
    return { mod: null, why: `@tessera/native is not installed (${(e as Error).message.split('\n')[0]})` };
  }
}

/** The native engine, or null when @tessera/native is unavailable (`why` says why). */
export function nativeEngine(): NativeEngine | null {
  const { mod } = loadModule();
  if (!mod) return null;
  const i = mod.info();
  return {
    name: `native (${i.isa}, ${i.threads} thread${i.threads === 1 ? '' : 's'})`,
    flashForward: (a) => mod.flashForward(a),
    flashBackward: (a) => mod.flashBackward(a),
    blockSparseForward: (a) => mod.blockSparseForward(a),
    blockSparseBackward: (a) => mod.blockSparseBackward(a),
    linearForward: (a) => mod.linearForward(a),
    linearBackward: (a) => mod.linearBackward(a),
    ...(typeof mod.featureMap === 'function' && typeof mod.featureMapGrad === 'function'
      ? { featureMap: (a: FeatureMapArgs) => mod.featureMap(a), featureMapGrad: (a: FeatureMapGradArgs) => mod.featureMapGrad(a) }
      : {}),
  };
}

/**
 * The engine TESSERA_ENGINE asks for at load: the native engine, or null for the TypeScript one.
 * @throws when TESSERA_ENGINE is unknown, or 'native' and the addon cannot be loaded.
 */
export function engineFromEnvironment(): NativeEngine | null {
  const env = typeof process !== 'undefined' && process.env ? process.env.TESSERA_ENGINE : undefined;
  const choice = env === undefined || env === '' ? 'auto' : env;
  if (!(ENGINE_CHOICES as readonly string[]).includes(choice)) {
    fail('@tessera/attention', `TESSERA_ENGINE must be one of ${ENGINE_CHOICES.map((c) => `'${c}'`).join(', ')}, received ${formatValue(env)}`);
  }
  if (choice === 'ts' || choice === 'typescript') return null;
  const engine = nativeEngine();
  if (!engine && choice === 'native') fail('@tessera/attention', `TESSERA_ENGINE=native but the native engine is unavailable: ${loadModule().why}`);
  return engine;
}
