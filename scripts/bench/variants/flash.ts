/**
 * Flash variants for `npm run bench -- attention` (issue 3): flashAttention on
 * the TypeScript engine (pinned, so an installed native engine does not
 * change what this row measures), full and causal.
 */
import * as tf from '@tensorflow/tfjs-core';
import { AttentionOptions, flashAttention, getEngine, setEngine, TYPESCRIPT_ENGINE } from '@tessera/attention';
import type { BenchInputs, BenchVariant } from '../types';
import { gradsOfSum } from '../grads_of_sum';

function withTypeScript<T>(fn: () => T): T {
  const prev = getEngine();
  setEngine(TYPESCRIPT_ENGINE);
  try {
    return fn();
  } finally {
    setEngine(prev);
  }
}

function variant(name: string, options: AttentionOptions & { returnLse?: false }): BenchVariant {
  return {
    name,
    family: 'flash',
    // Causal visits about half the score tiles (skipped tiles cost nothing).
    flops: (x: BenchInputs) => 4 * x.n * x.n * x.D * x.B * x.H * (options.causal ? 0.5 : 1),
    supports: (backend: string) => ['cpu', 'wasm', 'webgpu', 'tensorflow', 'webgl'].includes(backend),
    forward: (x: BenchInputs) => withTypeScript(() => flashAttention(x.q, x.k, x.v, options)),
    forwardBackward: (x: BenchInputs) => withTypeScript(() => gradsOfSum((q, k, v) => flashAttention(q, k, v, options), x)),
  };
}

export const variants: BenchVariant[] = [variant('flash', {}), variant('flash-causal', { causal: true })];
