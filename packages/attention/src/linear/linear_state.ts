/**
 * The recurrent state of causal linear attention (Katharopoulos et al. 2020,
 * sec. 3.4, "Transformers are RNNs"): after t tokens, S = sum_{j<t} phi(k_j) v_j^T
 * and z = sum_{j<t} phi(k_j), per batch and key/value head. Its size does not
 * grow with t, so decoding costs O(F * Dv) time and memory per token.
 */
import type { Tensor } from '@tensorflow/tfjs-core';
import { assertDtype, assertTensor, fail, formatShape, formatValue } from '@tessera/tensor';

/**
 * A plain object of two tensors, carried between calls by the caller, who owns
 * them: `linearAttentionStep` returns a new state and never disposes the one it
 * was given (dispose it yourself, e.g. `tf.dispose(old)`, or work inside tf.tidy).
 */
export interface LinearAttentionState {
  /** [B, Hkv, F, Dv]: sum of phi(k_j) v_j^T. */
  S: Tensor;
  /** [B, Hkv, F]: sum of phi(k_j). */
  z: Tensor;
}

/** Sizes a state must have; F null = any (a user feature map, checked after mapping). */
export interface StateShape {
  B: number;
  Hkv: number;
  F: number | null;
  Dv: number;
}

/** Checks that `state` is a live state of the given sizes; names `state.S` / `state.z` and quotes what it got. */
export function checkState(state: unknown, want: StateShape, where: string): asserts state is LinearAttentionState {
  if (typeof state !== 'object' || state === null || !('S' in state) || !('z' in state)) {
    fail(where, `state must be {S: [B, Hkv, F, Dv], z: [B, Hkv, F]} (from linearAttentionState or linearAttentionPrefill), received ${formatValue(state)}`);
  }
  const { S, z } = state as LinearAttentionState;
  assertTensor(S, 'state.S', where);
  assertTensor(z, 'state.z', where);
  assertDtype(S, 'float32', 'state.S', where);
  assertDtype(z, 'float32', 'state.z', where);
  const F = want.F ?? (S.rank === 4 ? (S.shape as number[])[2] : -1);
  const wantS = [want.B, want.Hkv, F, want.Dv];
  const wantZ = [want.B, want.Hkv, F];
  const same = (a: readonly number[], b: number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);
  if (!same(S.shape as number[], wantS)) {
    fail(where, `state.S must have shape ${formatShape(wantS)} [B, Hkv, F, Dv] to match q, k, v and the feature map, received ${formatShape(S.shape)} (a state from other shapes)`);
  }
  if (!same(z.shape as number[], wantZ)) fail(where, `state.z must have shape ${formatShape(wantZ)} [B, Hkv, F], received ${formatShape(z.shape)}`);
}
