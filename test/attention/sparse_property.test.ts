/**
 * Property suite: 200 seeded random masks (every builder, random parameters,
 * and/or combinations, per-batch and per-head layouts) on random tiny shapes
 * (GQA, Tq != Tk, any power-of-two block size), each checked on every backend
 * for: element semantics against an independent oracle, the block invariant,
 * and forward + gradients equal to the reference with the dense mask.
 */
import {
  alibiSlopes,
  and,
  bigBird,
  BlockMask,
  BlockSparseAttentionOptions,
  causal,
  dilatedWindow,
  documents,
  fromPredicate,
  globalTokens,
  or,
  prefixLM,
  slidingWindow,
} from '@tessera/attention';
import { Rng } from '@tessera/tensor';
import { describeEachBackend } from '../helpers/backends';
import { describeSparseEngines } from '../webgpu/engines'; // one pass on webgpu (WGSL ignores the engine)
import { Dims, expectBlockInvariant, expectMatchesOracle, expectMatchesReference, oracles } from './sparse_helpers';

const CASES = 200;

interface Drawn {
  mask: BlockMask;
  /** Independent element oracle; null where the mask is random by design (BigBird). */
  oracle: ((i: number, j: number, b: number, h: number) => boolean) | null;
}

function extent(rng: Rng, max: number): number {
  return rng.uniform() < 0.15 ? Infinity : rng.int(max + 1);
}

function leaf(rng: Rng, d: Dims, bs: number): Drawn {
  const { Tq, Tk } = d;
  const shape = { Tq, Tk, blockSize: bs };
  const kind = rng.int(8);
  if (kind === 0) {
    const l = extent(rng, Tk);
    const r = extent(rng, Tk);
    return { mask: slidingWindow({ left: l, right: r }, shape), oracle: oracles.window(Tq, Tk, l, r) };
  }
  if (kind === 1) return { mask: causal(shape), oracle: oracles.causal(Tq, Tk) };
  if (kind === 2) {
    const size = rng.int(5);
    const dil = 1 + rng.int(4);
    const c = rng.uniform() < 0.5;
    return { mask: dilatedWindow({ size, dilation: dil, causal: c }, shape), oracle: oracles.dilated(Tq, Tk, size, dil, c) };
  }
  if (kind === 3) {
    const idx = rng.shuffle(Array.from({ length: Tk }, (_, x) => x)).slice(0, rng.int(Math.min(Tk, 4) + 1));
    return { mask: globalTokens(idx, shape), oracle: oracles.global(Tq, Tk, idx) };
  }
  if (kind === 4) {
    const P = rng.int(Tk + 1);
    return { mask: prefixLM(P, shape), oracle: oracles.prefix(Tq, Tk, P) };
  }
  if (kind === 5) {
    // packed documents: sorted ids usually, unsorted sometimes; per batch row
    const ids = (T: number) =>
      Array.from({ length: d.B }, () => {
        const row = Array.from({ length: T }, () => rng.int(3));
        return rng.uniform() < 0.7 ? row.sort((a, b) => a - b) : row;
      });
    const qIds = ids(Tq);
    const kIds = Tq === Tk && rng.uniform() < 0.5 ? qIds : ids(Tk);
    const mask = qIds === kIds ? documents(qIds, { blockSize: bs }) : documents({ q: qIds, k: kIds }, { blockSize: bs });
    return { mask, oracle: oracles.documents(qIds, kIds) };
  }
  if (kind === 6 && Tq <= Tk) {
    const nK = Math.ceil(Tk / bs);
    const cfg = { windowBlocks: 1 + 2 * rng.int(2), globalBlocks: rng.int(Math.min(nK, 2) + 1), randomBlocks: rng.int(3), seed: rng.int(1000) };
    return { mask: bigBird(cfg, shape), oracle: null };
  }
  // fromPredicate: a random hashed pattern, per batch and/or head sometimes
  const B = rng.uniform() < 0.5 ? d.B : 1;
  const H = rng.uniform() < 0.5 ? d.H : 1;
  const salt = rng.int(1 << 20);
  const density = 0.15 + 0.8 * rng.uniform();
  const pred = (b: number, h: number, i: number, j: number) => new Rng(salt + ((b * 31 + h) * 977 + i) * 1009 + j).uniform() < density;
  return { mask: fromPredicate(pred, { B, H, Tq, Tk, blockSize: bs }), oracle: (i, j, b, h) => pred(B === 1 ? 0 : b, H === 1 ? 0 : h, i, j) };
}

function draw(rng: Rng, d: Dims, bs: number): { top: Drawn; owned: BlockMask[] } {
  const u = rng.uniform();
  if (u < 0.6) {
    const x = leaf(rng, d, bs);
    return { top: x, owned: [x.mask] };
  }
  const a = leaf(rng, d, bs);
  const b = leaf(rng, d, bs);
  const both = a.oracle !== null && b.oracle !== null;
  const oa = a.oracle!;
  const ob = b.oracle!;
  const top: Drawn =
    u < 0.8
      ? { mask: and(a.mask, b.mask), oracle: both ? (i, j, bb, h) => oa(i, j, bb, h) && ob(i, j, bb, h) : null }
      : { mask: or(a.mask, b.mask), oracle: both ? (i, j, bb, h) => oa(i, j, bb, h) || ob(i, j, bb, h) : null };
  return { top, owned: [a.mask, b.mask, top.mask] };
}

function drawCase(seed: number): { dims: Dims; bs: number; options: BlockSparseAttentionOptions } {
  const rng = new Rng(seed);
  const Tq = 1 + rng.int(24);
  const Tk = rng.uniform() < 0.5 ? Tq : 1 + rng.int(24);
  const Hkv = 1 + rng.int(2);
  const H = Hkv * (1 + rng.int(2));
  const dims: Dims = { B: 1 + rng.int(2), H, Hkv, Tq, Tk, D: 1 + rng.int(5), Dv: 1 + rng.int(5) };
  const bs = 2 ** rng.int(Math.floor(Math.log2(Math.max(Tq, Tk))) + 1);
  const options: BlockSparseAttentionOptions = {};
  if (rng.uniform() < 0.3) options.scale = 0.2 + rng.uniform();
  if (rng.uniform() < 0.3) options.softcap = 0.5 + 3 * rng.uniform();
  if (rng.uniform() < 0.3) options.alibiSlopes = alibiSlopes(H);
  return { dims, bs, options };
}

describeEachBackend('blockSparseAttention property suite', (backend) => {
  describeSparseEngines(backend, () => {
    it(`${CASES} random masks and shapes match their oracles and the reference (forward and gradients)`, () => {
      for (let c = 0; c < CASES; c++) {
        const seed = 1000 + c;
        const { dims, bs, options } = drawCase(seed);
        const { top, owned } = draw(new Rng(seed * 7 + 1), dims, bs);
        try {
          if (top.oracle) expectMatchesOracle(top.mask, top.oracle);
          expectBlockInvariant(top.mask, false);
          expectMatchesReference(top.mask, dims, seed, options);
        } catch (e) {
          throw new Error(`case ${c} (seed ${seed}, dims ${JSON.stringify(dims)}, blockSize ${bs}, options ${JSON.stringify(options)}, mask ${top.mask.toString()}): ${(e as Error).message}`);
        } finally {
          owned.forEach((m) => m.dispose());
        }
      }
    });
  });
});
