/**
 * Flash attention's tile plan: which keys each query tile visits, from the
 * causal/window geometry, refined by key-mask and segment statistics per key
 * chunk. Under bottom-right alignment row i sees keys [lo(i), hi(i)) with
 *   lo(i) = max(0, c - left)                    (window left >= 0, else 0)
 *   hi(i) = min(Tk, c + 1 [causal], c + right + 1 [window right >= 0])
 * and c = i + Tk - Tq, both nondecreasing in i. For a tile [i0, i1):
 *   [lo(i0), hi(i1-1))   every key some row sees   (outside: skipped tiles)
 *   [lo(i1-1), hi(i0))   keys every row sees       (the unmasked fast path)
 * The rest is `partial` and goes through the element predicate.
 * Key chunks (multiples of Bc) where keyMask is all zero, or whose segment
 * ids cannot equal any of the tile's (disjoint [min, max]), are skipped; a
 * chunk stays unmasked only if its keys all exist and the tile and chunk hold
 * one and the same segment id.
 */
import type { ElementPredicate, FlashParams } from './flash_types';
import type { RangeList } from './key_ranges';
import type { TilePlan } from './tile_engine';

interface ChunkStats {
  /** Per (b, chunk): 1 if every key exists / if none does. */
  all: Uint8Array;
  none: Uint8Array;
  /** Per (b, chunk): min and max segment id of the keys. */
  segMin: Float64Array;
  segMax: Float64Array;
}

function chunkStats(p: FlashParams, bc: number): ChunkStats {
  const { B, Tk } = p.dims;
  const nc = Math.ceil(Tk / bc);
  const st: ChunkStats = { all: new Uint8Array(B * nc).fill(1), none: new Uint8Array(B * nc).fill(1), segMin: new Float64Array(B * nc).fill(Infinity), segMax: new Float64Array(B * nc).fill(-Infinity) };
  const km = p.keyMask;
  const sk = p.segmentIdsK;
  for (let b = 0; b < B; b++)
    for (let j = 0; j < Tk; j++) {
      const c = b * nc + Math.floor(j / bc);
      if (km === null || km[b * Tk + j] !== 0) st.none[c] = 0;
      else st.all[c] = 0;
      if (sk !== null) {
        const id = sk[b * Tk + j];
        // A NaN id equals nothing; widen the chunk so it is never "one segment" and never skipped.
        if (id < st.segMin[c] || id !== id) st.segMin[c] = id !== id ? -Infinity : id;
        if (id > st.segMax[c] || id !== id) st.segMax[c] = id !== id ? Infinity : id;
      }
    }
  return st;
}

/** The element predicate of every flash mask (used only in partial ranges). */
export function flashPredicate(p: FlashParams): ElementPredicate | null {
  const { Tq, Tk } = p.dims;
  const shift = Tk - Tq;
  const causal = p.causal;
  const wl = p.window ? p.window[0] : -1;
  const wr = p.window ? p.window[1] : -1;
  const km = p.keyMask;
  const sq = p.segmentIdsQ;
  const sk = p.segmentIdsK;
  if (!causal && wl < 0 && wr < 0 && km === null && sq === null) return null;
  return (b, _h, i, j) => {
    const c = i + shift;
    if (causal && j > c) return false;
    if (wl >= 0 && j < c - wl) return false;
    if (wr >= 0 && j > c + wr) return false;
    if (km !== null && km[b * Tk + j] === 0) return false;
    if (sq !== null && sk !== null && sq[b * Tq + i] !== sk[b * Tk + j]) return false;
    return true;
  };
}

/** Builds the plan for one call; `bc` is the key chunk the statistics are kept per. */
export function flashPlan(p: FlashParams, bc: number): TilePlan {
  const { Tq, Tk } = p.dims;
  const shift = Tk - Tq;
  const wl = p.window ? p.window[0] : -1;
  const wr = p.window ? p.window[1] : -1;
  const lo = (i: number): number => Math.min(Tk, Math.max(0, wl >= 0 ? i + shift - wl : 0));
  const hi = (i: number): number => {
    let h = Tk;
    if (p.causal) h = Math.min(h, i + shift + 1);
    if (wr >= 0) h = Math.min(h, i + shift + wr + 1);
    return Math.max(0, h);
  };
  const refine = p.keyMask !== null || p.segmentIdsK !== null;
  const st = refine ? chunkStats(p, bc) : null;
  const nc = Math.ceil(Tk / bc);
  const sq = p.segmentIdsQ;

  // Pushes [start, end) split at chunk boundaries, skipping or downgrading chunks by key mask and segments.
  const pushRefined = (list: RangeList, b: number, start: number, end: number, partial: boolean, qMin: number, qMax: number): void => {
    for (let s = start; s < end; ) {
      const kc = Math.floor(s / bc);
      const e = Math.min(end, (kc + 1) * bc);
      const c = b * nc + kc;
      const skip = st!.none[c] === 1 || (sq !== null && (st!.segMax[c] < qMin || st!.segMin[c] > qMax));
      if (!skip) {
        const oneSegment = sq === null || (qMin === qMax && st!.segMin[c] === qMin && st!.segMax[c] === qMax);
        list.push(s, e, partial || st!.all[c] === 0 || !oneSegment);
      }
      s = e;
    }
  };

  return {
    predicate: flashPredicate(p),
    keyRanges(b: number, _h: number, i0: number, i1: number, list: RangeList): void {
      const uLo = lo(i0);
      const uHi = hi(i1 - 1);
      if (uHi <= uLo) return; // causal/window empty: the whole tile is skipped
      const fLo = Math.max(lo(i1 - 1), uLo);
      const fHi = Math.min(hi(i0), uHi);
      let qMin = 0;
      let qMax = 0;
      if (sq !== null) {
        qMin = Infinity;
        qMax = -Infinity;
        for (let i = i0; i < i1; i++) {
          const id = sq[b * Tq + i];
          if (id !== id) {
            qMin = -Infinity; // NaN: force the predicate path
            qMax = Infinity;
            break;
          }
          if (id < qMin) qMin = id;
          if (id > qMax) qMax = id;
        }
      }
      const push = (s: number, e: number, partial: boolean): void => {
        if (e <= s) return;
        if (refine) pushRefined(list, b, s, e, partial, qMin, qMax);
        else list.push(s, e, partial);
      };
      if (fLo >= fHi) push(uLo, uHi, true);
      else {
        push(uLo, fLo, true);
        push(fLo, fHi, false);
        push(fHi, uHi, true);
      }
    },
  };
}
