/**
 * Validation of attention inputs, shared by every op so that each one rejects
 * bad input with the same messages (naming the argument, quoting the value).
 * Nothing here allocates a tensor, so a rejected call cannot leak.
 */
import type { Tensor } from '@tensorflow/tfjs-core';
import {
  assertBoolean,
  assertDtype,
  assertFiniteNumber,
  assertKnownOptions,
  assertPositive,
  assertRank,
  assertShape,
  assertTensor,
  assertWindow,
  assertBroadcastable,
  fail,
  formatShape,
  formatValue,
} from '@tessera/tensor';
import type { FlashDims } from './impl/flash_types';
import { ATTENTION_OPTION_NAMES, AttentionOptions } from './options';

/** Sizes of one attention call (docs/notation.md), with G = H / Hkv. */
export interface AttentionDims extends FlashDims {
  /** Query heads per key/value head, H / Hkv. */
  G: number;
}

/** Options after validation, with defaults applied. */
export interface ResolvedAttention {
  dims: AttentionDims;
  scale: number;
  causal: boolean;
  /** null when no window was given. */
  window: readonly [number, number] | null;
  /** null when no softcap was given. */
  softcap: number | null;
  /** null when no slopes were given; a tensor's values are read on the host. */
  alibiSlopes: Tensor | ArrayLike<number> | null;
  keyMask: Tensor | null;
  bias: Tensor | null;
  segmentIds: { q: Tensor; k: Tensor } | null;
  returnLse: boolean;
}

const FLOAT = ['float32'] as const;
const MASK_DTYPES = ['bool', 'int32', 'float32'] as const;
const ID_DTYPES = ['int32', 'float32'] as const;

/**
 * Validates q, k, v and options for an attention op named `where`.
 * `allowed` restricts the options the op supports (others are rejected with `rejectMessage`).
 */
export function validateAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: AttentionOptions | undefined,
  where: string,
  unsupported: Partial<Record<keyof AttentionOptions, string>> = {},
): ResolvedAttention {
  assertRank(q, 4, 'q', where, '[B, H, Tq, D]');
  assertRank(k, 4, 'k', where, '[B, Hkv, Tk, D]');
  assertRank(v, 4, 'v', where, '[B, Hkv, Tk, Dv]');
  assertDtype(q, FLOAT, 'q', where);
  assertDtype(k, FLOAT, 'k', where);
  assertDtype(v, FLOAT, 'v', where);
  const [B, H, Tq, D] = q.shape;
  const [Bk, Hkv, Tk, Dk] = k.shape;
  const [Bv, Hv, Tv, Dv] = v.shape;
  if (Bk !== B || Bv !== B) fail(where, `q, k and v must share batch size B, received q ${formatShape(q.shape)}, k ${formatShape(k.shape)}, v ${formatShape(v.shape)}`);
  if (Dk !== D) fail(where, `q and k must share head size D, received q ${formatShape(q.shape)} and k ${formatShape(k.shape)}`);
  if (Hv !== Hkv || Tv !== Tk) fail(where, `k and v must share Hkv and Tk, received k ${formatShape(k.shape)} and v ${formatShape(v.shape)}`);
  if (Hkv === 0 || H % Hkv !== 0) fail(where, `query heads H must be a multiple of key/value heads Hkv (GQA/MQA), received H=${H} (q ${formatShape(q.shape)}) and Hkv=${Hkv} (k ${formatShape(k.shape)})`);
  if ([B, H, Tq, D, Tk, Dv].some((d) => d === 0)) fail(where, `every dimension must be > 0, received q ${formatShape(q.shape)}, k ${formatShape(k.shape)}, v ${formatShape(v.shape)}`);
  const dims: AttentionDims = { B, H, Hkv, G: H / Hkv, Tq, Tk, D, Dv };

  const o = options ?? {};
  assertKnownOptions(options, ATTENTION_OPTION_NAMES, 'options', where);
  for (const [key, why] of Object.entries(unsupported)) {
    if ((o as Record<string, unknown>)[key] !== undefined) fail(where, `options.${key} is not supported: ${why}`);
  }

  let scale = 1 / Math.sqrt(D);
  if (o.scale !== undefined) {
    assertFiniteNumber(o.scale, 'options.scale', where);
    scale = o.scale;
  }
  if (o.causal !== undefined) assertBoolean(o.causal, 'options.causal', where);
  if (o.returnLse !== undefined) assertBoolean(o.returnLse, 'options.returnLse', where);
  if (o.window !== undefined) assertWindow(o.window, 'options.window', where);
  if (o.softcap !== undefined) assertPositive(o.softcap, 'options.softcap', where);

  if (o.keyMask !== undefined) {
    assertTensor(o.keyMask, 'options.keyMask', where);
    assertDtype(o.keyMask, MASK_DTYPES, 'options.keyMask', where);
    assertShape(o.keyMask, [B, Tk], 'options.keyMask', where);
  }
  if (o.bias !== undefined) {
    assertTensor(o.bias, 'options.bias', where);
    assertDtype(o.bias, FLOAT, 'options.bias', where);
    assertBroadcastable(o.bias, [B, H, Tq, Tk], 'options.bias', where);
  }
  if (o.alibiSlopes !== undefined) {
    const s = o.alibiSlopes as unknown;
    if (typeof s === 'object' && s !== null && 'dataId' in s) {
      const t = s as Tensor;
      assertTensor(t, 'options.alibiSlopes', where);
      assertDtype(t, FLOAT, 'options.alibiSlopes', where);
      if (t.rank !== 1 || t.shape[0] !== H) fail(where, `options.alibiSlopes must have length H=${H} (one slope per query head), received shape ${formatShape(t.shape)}`);
    } else {
      const arr = s as ArrayLike<number>;
      const ok = (Array.isArray(s) || ArrayBuffer.isView(s)) && Array.from(arr).every((x) => typeof x === 'number' && Number.isFinite(x));
      if (!ok) fail(where, `options.alibiSlopes must be a tensor or an array of ${H} finite numbers, received ${formatValue(s)}`);
      if (arr.length !== H) fail(where, `options.alibiSlopes must have length H=${H} (one slope per query head), received length ${arr.length}: ${formatValue(s)}`);
    }
  }
  if (o.segmentIds !== undefined) {
    const seg = o.segmentIds as unknown;
    if (typeof seg !== 'object' || seg === null || !('q' in seg) || !('k' in seg)) fail(where, `options.segmentIds must be {q: [B, Tq], k: [B, Tk]} tensors, received ${formatValue(seg)}`);
    const { q: sq, k: sk } = seg as { q: Tensor; k: Tensor };
    assertTensor(sq, 'options.segmentIds.q', where);
    assertTensor(sk, 'options.segmentIds.k', where);
    assertDtype(sq, ID_DTYPES, 'options.segmentIds.q', where);
    assertDtype(sk, ID_DTYPES, 'options.segmentIds.k', where);
    assertShape(sq, [B, Tq], 'options.segmentIds.q', where);
    assertShape(sk, [B, Tk], 'options.segmentIds.k', where);
  }

  return {
    dims,
    scale,
    causal: o.causal ?? false,
    window: o.window ?? null,
    softcap: o.softcap ?? null,
    alibiSlopes: o.alibiSlopes ?? null,
    keyMask: o.keyMask ?? null,
    bias: o.bias ?? null,
    segmentIds: o.segmentIds ?? null,
    returnLse: o.returnLse ?? false,
  };
}
