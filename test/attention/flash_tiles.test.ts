/**
 * The typed-array engine itself (no tfjs): results independent of the tile
 * sizes, forward and backward, with every option on; and the tile engine's
 * key-range contract that block-sparse attention relies on (a plan of explicit
 * ranges, full or partial, gives flash's result).
 */
import { DEFAULT_TILES, flashBackwardImpl, flashForwardImpl, FlashParams, RangeList, runTiledBackward, runTiledForward, TilePlan } from '@tessera/attention';
import { Rng } from '@tessera/tensor';
import { flashPredicate } from '../../packages/attention/src/impl/flash_plan';
import { expectClose } from '../helpers/close';

const dims = { B: 2, H: 4, Hkv: 2, Tq: 45, Tk: 71, D: 6, Dv: 5 };

function problem(seed: number): FlashParams & { q: Float32Array; k: Float32Array; v: Float32Array } {
  const rng = new Rng(seed);
  const f = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
  const { B, H, Hkv, Tq, Tk, D, Dv } = dims;
  return {
    dims,
    q: f(B * H * Tq * D),
    k: f(B * Hkv * Tk * D),
    v: f(B * Hkv * Tk * Dv),
    scale: 0.45,
    causal: true,
    window: [40, 3],
    softcap: 2.5,
    alibiSlopes: Float32Array.from([0.3, 0.1, 0.05, 0.01]),
    keyMask: Uint8Array.from({ length: B * Tk }, (_, i) => (i % Tk < 60 || i % 3 === 0 ? 1 : 0)),
    segmentIdsQ: Int32Array.from({ length: B * Tq }, (_, i) => Math.floor((i % Tq) / 20)),
    segmentIdsK: Int32Array.from({ length: B * Tk }, (_, i) => Math.floor(((i % Tk) - 26) / 20)),
  };
}

function run(p: ReturnType<typeof problem>, tiles?: { br: number; bc: number }, plan?: TilePlan) {
  const { B, H, Tq, Dv } = dims;
  const out = new Float32Array(B * H * Tq * Dv);
  const lse = new Float32Array(B * H * Tq);
  if (plan) runTiledForward({ ...p, out, lse, tiles }, plan);
  else flashForwardImpl({ ...p, out, lse, tiles });
  const rng = new Rng(7);
  const dOut = Float32Array.from(out, () => rng.normal());
  const dLse = Float32Array.from(lse, () => rng.normal());
  const dq = new Float32Array(p.q.length).fill(NaN); // outputs must be overwritten, not accumulated into
  const dk = new Float32Array(p.k.length).fill(NaN);
  const dv = new Float32Array(p.v.length).fill(NaN);
  const args = { ...p, out, lse, dOut, dLse, dq, dk, dv, tiles };
  if (plan) runTiledBackward(args, plan);
  else flashBackwardImpl(args);
  return { out, lse, dq, dk, dv };
}

const TIGHT = { atol: 2e-6, rtol: 2e-6 };

describe('flash engine (typed arrays)', () => {
  const p = problem(1);
  const base = run(p);

  it('has rows that see no key (so that path is covered) and rows that see many', () => {
    expect(Array.from(base.lse).some((x) => x === -Infinity)).toBe(true);
    expect(Array.from(base.lse).filter(Number.isFinite).length).toBeGreaterThan(dims.B * dims.H * dims.Tq * 0.5);
  });

  it.each([
    [1, 1],
    [1, 64],
    [7, 3],
    [16, 16],
    [64, 128],
    [200, 200],
  ])('gives the same output, lse, dq, dk, dv with Br=%i, Bc=%i as with the default tiles', (br, bc) => {
    const got = run(p, { br, bc });
    for (const key of ['out', 'lse', 'dq', 'dk', 'dv'] as const) expectClose(got[key], base[key], TIGHT, key);
  });

  it('runs a hand-written plan of explicit key ranges (the block-sparse contract) to the same result', () => {
    // Every key in 13-key ranges, all partial: the predicate does all the masking.
    const allPartial: TilePlan = {
      predicate: flashPredicate(p),
      keyRanges(_b, _h, _i0, _i1, list: RangeList) {
        for (let s = 0; s < dims.Tk; s += 13) list.push(s, Math.min(dims.Tk, s + 13), true);
      },
    };
    const got = run(p, { br: 8, bc: 5 }, allPartial);
    for (const key of ['out', 'lse', 'dq', 'dk', 'dv'] as const) expectClose(got[key], base[key], TIGHT, key);
  });

  it('trusts full ranges: a range marked full is not masked', () => {
    const plain = { ...p, causal: false, window: null, keyMask: null, segmentIdsQ: null, segmentIdsK: null };
    const fullPlan: TilePlan = { predicate: () => false, keyRanges: (_b, _h, _i0, _i1, list) => list.push(0, dims.Tk, false) };
    const got = run(plain, undefined, fullPlan);
    const want = run(plain);
    for (const key of ['out', 'lse', 'dq', 'dk', 'dv'] as const) expectClose(got[key], want[key], TIGHT, key);
    // ...and keys in no range are masked: an empty plan gives zeros and -Infinity.
    const none = run(plain, undefined, { predicate: null, keyRanges: () => undefined });
    expect(none.out.every((x) => x === 0)).toBe(true);
    expect(none.lse.every((x) => x === -Infinity)).toBe(true);
    expect(none.dq.every((x) => x === 0) && none.dk.every((x) => x === 0)).toBe(true);
  });

  it('uses 64 x 64 tiles by default', () => {
    expect(DEFAULT_TILES).toEqual({ br: 64, bc: 64 });
  });
});
