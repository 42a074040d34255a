/**
 * Next-token selection for generate(): greedy (argmax) or sampling with a
 * temperature and top-k (Fan et al. 2018), seeded with Tessera's Rng so a
 * seed gives the same tokens on every backend and machine.
 */
import { assertInteger, assertPositive, fail, Rng } from '@tessera/tensor';

export interface SamplingOptions {
  /** 'greedy' (default) or 'sample'. */
  strategy?: 'greedy' | 'sample';
  /** Softmax temperature for 'sample'; default 1. */
  temperature?: number;
  /** Keep only the k most likely tokens for 'sample'; default all. */
  topK?: number;
  /** Seed of the sampling Rng; default 0. */
  seed?: number;
}

/** Picks a token from one row of logits. */
export function pickToken(logits: ArrayLike<number>, o: SamplingOptions, rng: Rng): number {
  const V = logits.length;
  if ((o.strategy ?? 'greedy') === 'greedy') {
    let best = 0;
    for (let i = 1; i < V; i++) if (logits[i] > logits[best]) best = i;
    return best;
  }
  const t = o.temperature ?? 1;
  const k = Math.min(o.topK ?? V, V);
  const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => logits[b] - logits[a]).slice(0, k);
  const m = logits[order[0]];
  const w = order.map((i) => Math.exp((logits[i] - m) / t));
  const total = w.reduce((a, b) => a + b, 0);
  let u = rng.uniform() * total;
  for (let j = 0; j < k; j++) {
    u -= w[j];
    if (u < 0) return order[j];
  }
  return order[k - 1];
}

export function checkSampling(o: SamplingOptions, where: string): void {
  const s = o.strategy ?? 'greedy';
  if (s !== 'greedy' && s !== 'sample') fail(where, `strategy must be "greedy" or "sample", received ${JSON.stringify(s)}`);
  if (o.temperature !== undefined) assertPositive(o.temperature, 'temperature', where);
  if (o.topK !== undefined) assertInteger(o.topK, 'topK', where);
  if (o.seed !== undefined) assertInteger(o.seed, 'seed', where, 0);
}
