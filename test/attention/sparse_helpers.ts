/**
 * Shared by the block-sparse suites: independent element oracles for each
 * builder (written again from the docs, not taken from the library), brute
 * force block classes, and the dense-reference comparison of the op.
 */
import * as tf from '@tensorflow/tfjs-core';
import { attentionReference, BlockMask, blockSparseAttention, BlockSparseAttentionOptions, densifyAll, densifyArray, FlashDims, resetEngine, setEngine } from '@tessera/attention';
import { Rng } from '@tessera/tensor';
import { expectClose, Tolerance } from '../helpers/close';
import { ENGINES } from './flash_cases';

/**
 * Runs `fn` once per engine the block-sparse kernels may use: the TypeScript
 * engine always, and the engine installed at load (@tessera/native's, where
 * built) when it differs (the list is the flash suites' ENGINES).
 */
export function describeEachEngine(fn: (engine: string) => void): void {
  describe.each(ENGINES)('engine %s', (name, engine) => {
    beforeAll(() => setEngine(engine));
    afterAll(() => resetEngine());
    fn(name);
  });
}

/** (i, j) -> visible, for one (b, h). */
export type Oracle = (i: number, j: number, b: number, h: number) => boolean;

export const oracles = {
  window: (Tq: number, Tk: number, left: number, right: number): Oracle => (i, j) => j >= i + Tk - Tq - left && j <= i + Tk - Tq + right,
  causal: (Tq: number, Tk: number): Oracle => (i, j) => j <= i + Tk - Tq,
  dilated: (Tq: number, Tk: number, size: number, d: number, causalOnly: boolean): Oracle => (i, j) => {
    const c = i + Tk - Tq;
    for (let t = 0; t <= size; t++) if (j === c - t * d || (!causalOnly && j === c + t * d)) return true;
    return false;
  },
  global: (Tq: number, Tk: number, idx: number[]): Oracle => (i, j) => idx.includes(j) || idx.includes(i + Tk - Tq),
  prefix: (Tq: number, Tk: number, P: number): Oracle => (i, j) => j < P || j <= i + Tk - Tq,
  documents: (qIds: number[][], kIds: number[][]): Oracle => (i, j, b) => qIds[b][i] === kIds[b][j],
};

/** Asserts densify(mask) equals the oracle element by element for every (b, h). */
export function expectMatchesOracle(mask: BlockMask, oracle: Oracle): void {
  for (let b = 0; b < mask.B; b++)
    for (let h = 0; h < mask.H; h++) {
      const d = densifyArray(mask, b, h);
      for (let i = 0; i < mask.Tq; i++)
        for (let j = 0; j < mask.Tk; j++) {
          const want = oracle(i, j, b, h) ? 1 : 0;
          if (d[i * mask.Tk + j] !== want) throw new Error(`${mask.toString()}: element (b=${b}, h=${h}, i=${i}, j=${j}) is ${d[i * mask.Tk + j]}, expected ${want}`);
        }
    }
}

/**
 * Checks the block invariant against the predicate: an absent block has no
 * visible element, a full block only visible ones; with `exact`, a partial
 * block has both kinds. Also checks the predicate agrees with densify.
 */
export function expectBlockInvariant(mask: BlockMask, exact: boolean): void {
  const { Tq, Tk, blockSize: bs } = mask;
  for (let b = 0; b < mask.B; b++)
    for (let h = 0; h < mask.H; h++) {
      const pred = mask.predicateFor(b, h);
      for (let qb = 0; qb < mask.numQueryBlocks; qb++) {
        const r = mask.row(b, h, qb);
        const cls = new Map<number, number>();
        let prev = -1;
        for (let e = mask.rowPtr[r]; e < mask.rowPtr[r + 1]; e++) {
          if (mask.colIdx[e] <= prev) throw new Error(`${mask.toString()}: row ${r} not strictly ascending`);
          prev = mask.colIdx[e];
          cls.set(mask.colIdx[e], mask.partial[e] ? 1 : 2);
        }
        for (let kb = 0; kb < mask.numKeyBlocks; kb++) {
          let seen = 0;
          let total = 0;
          for (let i = qb * bs; i < Math.min(Tq, qb * bs + bs); i++)
            for (let j = kb * bs; j < Math.min(Tk, kb * bs + bs); j++) {
              total++;
              if (pred(i, j)) seen++;
            }
          const truth = seen === 0 ? 0 : seen === total ? 2 : 1;
          const got = cls.get(kb) ?? 0;
          const ok = exact ? got === truth : truth === 0 ? true : truth === 2 ? got !== 0 : got === 1;
          if (!ok) throw new Error(`${mask.toString()}: block (b=${b}, h=${h}, qb=${qb}, kb=${kb}) classified ${got}, truth ${truth} (0 none, 1 partial, 2 full)`);
        }
      }
    }
}

export type Dims = FlashDims;

/** Seeded q, k, v (host-generated: identical on every backend). */
export function makeQkv(s: Dims, seed: number): { q: tf.Tensor; k: tf.Tensor; v: tf.Tensor; dispose(): void } {
  const rng = new Rng(seed);
  const t = (shape: number[]) => tf.tensor(rng.fillNormal(new Float32Array(shape.reduce((a, c) => a * c, 1))), shape);
  const q = t([s.B, s.H, s.Tq, s.D]);
  const k = t([s.B, s.Hkv, s.Tk, s.D]);
  const v = t([s.B, s.Hkv, s.Tk, s.Dv]);
  return { q, k, v, dispose: () => tf.dispose([q, k, v]) };
}

/** The reference's equivalent of a BlockMask: bias 0 where visible, -Infinity elsewhere ([mB, mH, Tq, Tk]). */
export function denseBias(mask: BlockMask): tf.Tensor {
  return tf.tidy(() => {
    const d = densifyAll(mask);
    return tf.where(d, tf.zeros(d.shape), tf.fill(d.shape, -Infinity));
  });
}

/**
 * Asserts blockSparseAttention == attentionReference(bias from the mask): output, lse,
 * and (unless `grads` is false) dq, dk, dv of a weighted sum of output and lse.
 */
export function expectMatchesReference(mask: BlockMask, s: Dims, seed: number, options: BlockSparseAttentionOptions = {}, grads = true, tol: Tolerance = { atol: 1e-4, rtol: 1e-4 }): void {
  const { q, k, v, dispose } = makeQkv(s, seed);
  const bias = denseBias(mask);
  const got = blockSparseAttention(q, k, v, mask, { ...options, returnLse: true });
  const want = attentionReference(q, k, v, { ...options, bias, returnLse: true });
  expectClose(got.output, want.output, tol, `${mask.description}: output`);
  expectClose(got.lse, want.lse, tol, `${mask.description}: lse`);
  // Rows that see no key have lse -Infinity in both; the loss skips them (a constant condition, off the tape).
  const fin = tf.isFinite(want.lse);
  tf.dispose([got.output, got.lse, want.output, want.lse]);
  if (grads) {
    const rng = new Rng(seed + 1);
    const w = tf.tensor(rng.fillNormal(new Float32Array(s.B * s.H * s.Tq * s.Dv)), [s.B, s.H, s.Tq, s.Dv]);
    const wl = tf.tensor(rng.fillNormal(new Float32Array(s.B * s.H * s.Tq)), [s.B, s.H, s.Tq]);
    const loss = (r: { output: tf.Tensor; lse: tf.Tensor }) => tf.add(tf.sum(tf.mul(r.output, w)), tf.sum(tf.mul(tf.where(fin, r.lse, tf.zerosLike(r.lse)), wl)));
    const g1 = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => loss(blockSparseAttention(a, b, c, mask, { ...options, returnLse: true })))([q, k, v]);
    const g2 = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => loss(attentionReference(a, b, c, { ...options, bias, returnLse: true })))([q, k, v]);
    ['dq', 'dk', 'dv'].forEach((n, x) => expectClose(g1[x], g2[x], tol, `${mask.description}: ${n}`));
    tf.dispose([...g1, ...g2, w, wl]);
  }
  tf.dispose([bias, fin]);
  dispose();
}
