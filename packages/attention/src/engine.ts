/**
 * The attention engine: which implementation of the typed-array kernels
 * (impl/flash_types.ts) the tfjs kernels call. The TypeScript engine is the
 * default (portable, browser-safe); @tessera/native installs its C++ engine
 * with `setEngine` in Node. Kernels call `getEngine()` on every invocation,
 * so switching takes effect immediately.
 *
 * Each attention family adds its entry points in its marked section below;
 * an engine installed with `setEngine` may implement only some of them: the
 * missing ones fall back to the TypeScript engine.
 *
 * @example
 * import { getEngine, setEngine, info } from '@tessera/attention';
 * info().engine;                            // 'typescript'
 * setEngine({ name: 'mine', flashForward: (a) => { ... } }); // others fall back
 * getEngine().name;                         // 'mine'
 */
import { fail, formatValue } from '@tessera/tensor';
import { flashBackwardImpl } from './impl/flash_backward_impl';
import { flashForwardImpl } from './impl/flash_forward_impl';
import type { FlashBackwardArgs, FlashForwardArgs } from './impl/flash_types';
import { blockSparseBackwardImpl, BlockSparseBackwardArgs } from './impl/block_sparse_backward_impl';
import { blockSparseForwardImpl, BlockSparseForwardArgs } from './impl/block_sparse_forward_impl';
import { linearBackwardImpl } from './linear/linear_backward_impl';
import type { LinearBackwardArgs, LinearForwardArgs } from './linear/linear_dims';
import { linearForwardImpl } from './linear/linear_forward_impl';
import { featureMapGradImpl, featureMapImpl } from './linear/feature_map_impl';
import type { FeatureMapArgs, FeatureMapGradArgs } from './linear/feature_map_impl';
import { engineFromEnvironment } from './native_engine'; // native engine (issue 6)

export interface AttentionEngine {
  /** Shown by `info()`, e.g. 'typescript' or 'native (avx512, 2 threads)'. */
  name: string;
  // --- flash attention ---
  /** Writes args.out and args.lse (impl/flash_types.ts). */
  flashForward(args: FlashForwardArgs): void;
  /** Writes args.dq, args.dk, args.dv. */
  flashBackward(args: FlashBackwardArgs): void;
  // --- block-sparse attention ---
  /** Writes args.out and args.lse over the key blocks of args.layout (impl/block_sparse_plan_impl.ts). */
  blockSparseForward(args: BlockSparseForwardArgs): void;
  /** Writes args.dq, args.dk, args.dv over the same blocks. */
  blockSparseBackward(args: BlockSparseBackwardArgs): void;
  // --- linear attention ---
  /** Writes args.out and args.den (linear/linear_dims.ts). */
  linearForward(args: LinearForwardArgs): void;
  /** Writes args.dq, args.dk, args.dv. */
  linearBackward(args: LinearBackwardArgs): void;
  /** Writes args.out = phi(args.x) for an elementwise feature map (linear/feature_map_impl.ts). */
  featureMap(args: FeatureMapArgs): void;
  /** Writes args.dx = args.dy * phi'(args.x). */
  featureMapGrad(args: FeatureMapGradArgs): void;
}

/** The TypeScript engine: the default and the fallback for anything an installed engine lacks. */
export const TYPESCRIPT_ENGINE: Readonly<AttentionEngine> = Object.freeze({
  name: 'typescript',
  // --- flash attention ---
  flashForward: flashForwardImpl,
  flashBackward: flashBackwardImpl,
  // --- block-sparse attention ---
  blockSparseForward: blockSparseForwardImpl,
  blockSparseBackward: blockSparseBackwardImpl,
  // --- linear attention ---
  linearForward: linearForwardImpl,
  linearBackward: linearBackwardImpl,
  featureMap: featureMapImpl,
  featureMapGrad: featureMapGradImpl,
});

let active: AttentionEngine = TYPESCRIPT_ENGINE;
// --- native engine (issue 6): installed at load when @tessera/native is available (TESSERA_ENGINE=ts keeps TypeScript; native_engine.ts) ---
const nativeAtLoad = engineFromEnvironment();
if (nativeAtLoad) active = { ...TYPESCRIPT_ENGINE, ...nativeAtLoad };
// --- end native engine ---
/** What `resetEngine` restores: the engine chosen at load (native when installed, else TypeScript). */
const initialEngine: AttentionEngine = active;

/** The engine the kernels use now. */
export function getEngine(): AttentionEngine {
  return active;
}

/**
 * Installs an engine; methods it lacks fall back to the TypeScript engine.
 * @param engine at least `name`; e.g. @tessera/native's engine.
 */
export function setEngine(engine: Partial<AttentionEngine> & { name: string }): void {
  if (typeof engine !== 'object' || engine === null || typeof engine.name !== 'string' || engine.name === '') {
    fail('setEngine', `engine must be an object with a non-empty string name, received ${formatValue(engine)}`);
  }
  for (const [key, value] of Object.entries(engine)) {
    if (key !== 'name' && typeof value !== 'function') fail('setEngine', `engine.${key} must be a function, received ${formatValue(value)}`);
  }
  active = { ...TYPESCRIPT_ENGINE, ...engine };
}

/** Restores the engine chosen at load; `setEngine(TYPESCRIPT_ENGINE)` pins the TypeScript one. */
export function resetEngine(): void {
  active = initialEngine;
}
