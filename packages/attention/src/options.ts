/**
 * The options every Tessera attention op shares, and their documented defaults.
 * Shapes follow docs/notation.md: q [B,H,Tq,D], k [B,Hkv,Tk,D], v [B,Hkv,Tk,Dv].
 */
import type { Tensor } from '@tensorflow/tfjs-core';

/** Segment (document) ids for packed sequences; tokens attend only within their segment. */
export interface SegmentIds {
  /** [B, Tq] integer ids of the queries. */
  q: Tensor;
  /** [B, Tk] integer ids of the keys. */
  k: Tensor;
}

/** Options shared by `attentionReference`, `flashAttention` and the other attention ops. */
export interface AttentionOptions {
  /** Multiplier of q.k; default 1/sqrt(D). */
  scale?: number;
  /** Causal masking, bottom-right aligned: query i sees keys j <= i + Tk - Tq. Default false. */
  causal?: boolean;
  /** [B, Tk] bool or 0/1: which keys exist (false/0 = padding). */
  keyMask?: Tensor;
  /** Additive score bias broadcastable to [B, H, Tq, Tk] (reference only: it is O(n^2) by nature). */
  bias?: Tensor;
  /** ALiBi slopes, one per query head (length H): adds -slope_h * |j - (i + Tk - Tq)| to the scores. */
  alibiSlopes?: Tensor | ArrayLike<number>;
  /** Local window [left, right] around the aligned query position; -1 = unbounded on that side. */
  window?: readonly [number, number];
  /** Tanh soft-capping of scores: s -> softcap * tanh(s / softcap) (Gemma 2, Grok). Must be > 0. */
  softcap?: number;
  /** Segment ids for packed sequences: q [B, Tq], k [B, Tk]. */
  segmentIds?: SegmentIds;
  /** Also return the row log-sum-exp [B, H, Tq] of the (masked, scaled) scores. Default false. */
  returnLse?: boolean;
}

/** What an attention op returns when `returnLse` is true. */
export interface AttentionWithLse {
  /** [B, H, Tq, Dv] */
  output: Tensor;
  /** [B, H, Tq] natural-log log-sum-exp of each query row's scores; -Infinity for a row that sees no key. */
  lse: Tensor;
}

/** Every option name, for rejecting misspelt options. */
export const ATTENTION_OPTION_NAMES = [
  'scale',
  'causal',
  'keyMask',
  'bias',
  'alibiSlopes',
  'window',
  'softcap',
  'segmentIds',
  'returnLse',
] as const;
