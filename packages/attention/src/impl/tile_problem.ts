/**
 * The per-call state the tile routines share: the input arrays, the score
 * options resolved to plain numbers, and preallocated scratch (workspace), so
 * the hot loops allocate nothing and read no optional fields.
 */
import type { FlashDims, FlashParams, TileSizes } from './flash_types';

/** Inputs and score options of one call, as the tile routines read them. */
export interface TileProblem {
  dims: FlashDims;
  /** H / Hkv. */
  G: number;
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  scale: number;
  /** 0 = off. */
  softcap: number;
  /** [H] or null. */
  alibiSlopes: Float32Array | null;
  br: number;
  bc: number;
}

/** Scratch of the forward tile routine (float64: JS arithmetic is double anyway, and accumulators keep the extra bits). */
export interface ForwardWorkspace {
  /** Scores, then probabilities, of the tile's rows against one key chunk [br * bc]. */
  s: Float64Array;
  /** Running max and running sum per query row of the tile [br]. */
  m: Float64Array;
  l: Float64Array;
  /** Unnormalised output rows [br * Dv]. */
  acc: Float64Array;
}

/** Scratch of the backward tile routine. */
export interface BackwardWorkspace {
  /** Probabilities p_ij of the tile's rows against one key chunk [br * bc]. */
  p: Float64Array;
  /** dS_ij of the tile against the chunk [br * bc] (already times scale and the softcap factor). */
  ds: Float64Array;
  /** Softcap factors 1 - tanh^2 of the tile against the chunk [br * bc]. */
  capd: Float64Array;
  /** dq of the tile's rows [br * D]. */
  dq: Float64Array;
  /** dk and dv of the current key/value head, summed over its query heads and query tiles [Tk * D], [Tk * Dv]. */
  dk: Float64Array;
  dv: Float64Array;
}

/** Builds the problem from engine args; tile sizes default to `fallback`. */
export function makeTileProblem(p: FlashParams & { q: Float32Array; k: Float32Array; v: Float32Array }, fallback: TileSizes): TileProblem {
  const t = p.tiles ?? fallback;
  return {
    dims: p.dims,
    G: p.dims.H / p.dims.Hkv,
    q: p.q,
    k: p.k,
    v: p.v,
    scale: p.scale,
    softcap: p.softcap ? p.softcap : 0,
    alibiSlopes: p.alibiSlopes,
    br: Math.max(1, Math.min(t.br, p.dims.Tq)),
    bc: Math.max(1, Math.min(t.bc, p.dims.Tk)),
  };
}

export function forwardWorkspace(p: TileProblem): ForwardWorkspace {
  return { s: new Float64Array(p.br * p.bc), m: new Float64Array(p.br), l: new Float64Array(p.br), acc: new Float64Array(p.br * p.dims.Dv) };
}

export function backwardWorkspace(p: TileProblem): BackwardWorkspace {
  const { D, Dv, Tk } = p.dims;
  const t = p.br * p.bc;
  return { p: new Float64Array(t), ds: new Float64Array(t), capd: new Float64Array(t), dq: new Float64Array(p.br * D), dk: new Float64Array(Tk * D), dv: new Float64Array(Tk * Dv) };
}
