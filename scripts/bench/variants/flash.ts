/**
 * Flash variants for `npm run bench -- attention` (issue 3): flashAttention on
 * the TypeScript engine (pinned, so an installed native engine does not
 * change what this row measures), full and causal.
 */
import * as tf from '@tensorflow/tfjs-core';
import { AttentionOptions, flashAttention, TYPESCRIPT_ENGINE } from '@tessera/attention';
import type { BenchInputs, BenchVariant } from '../types';
import { gradsOfSum } from '../grads_of_sum';
import { withEngine } from '../with_engine';

const withTypeScript = <T>(fn: () => T): T => withEngine(TYPESCRIPT_ENGINE, fn);

function variant(name: string, options: AttentionOptions & { returnLse?: false }): BenchVariant {
  return {
    name,
    family: 'flash',
    engine: 'typescript',
    // Causal visits about half the score tiles (skipped tiles cost nothing).
    flops: (x: BenchInputs) => 4 * x.n * x.n * x.D * x.B * x.H * (options.causal ? 0.5 : 1),
    supports: (backend: string) => ['cpu', 'wasm', 'webgpu', 'tensorflow', 'webgl'].includes(backend),
    forward: (x: BenchInputs) => withTypeScript(() => flashAttention(x.q, x.k, x.v, options)),
    forwardBackward: (x: BenchInputs) => withTypeScript(() => gradsOfSum((q, k, v) => flashAttention(q, k, v, options), x)),
  };
}

export const variants: BenchVariant[] = [variant('flash', {}), variant('flash-causal', { causal: true })];
