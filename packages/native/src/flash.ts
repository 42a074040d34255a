/**
 * The checked flash attention entry points: validate every buffer, convert
 * key masks / segment ids to the kernels' types, then call the addon.
 */
import { binding, loadError, RawBinding } from './binding';
import { checkArray, checkParams, fail, kindOf } from './checks';
import type { FlashBackwardArgs, FlashForwardArgs, FlashParams, KeyMaskArray, SegmentIdArray } from './flash_args';

/** The addon, or an Error saying why it is missing. */
export function need(where: string): RawBinding {
  if (binding === null) fail(where, `the native addon is not available (${loadError}); run \`npm run build -w @tessera/native\``);
  return binding;
}

function keyMaskBytes(m: KeyMaskArray): Uint8Array {
  if (kindOf(m) === 'Uint8Array') return m as Uint8Array;
  const out = new Uint8Array(m.length);
  for (let i = 0; i < m.length; i++) out[i] = m[i] !== 0 ? 1 : 0;
  return out;
}

/** Segment ids as int32 codes: equal ids get equal codes (float ids are mapped, not truncated). */
function segmentCodes(q: SegmentIdArray, k: SegmentIdArray): [Int32Array, Int32Array] {
  if (kindOf(q) === 'Int32Array' && kindOf(k) === 'Int32Array') return [q as Int32Array, k as Int32Array];
  const codes = new Map<number, number>();
  let nanCode = -1; // NaN equals nothing, not even NaN: each gets its own negative code
  const code = (x: number): number => {
    if (Number.isNaN(x)) return nanCode--;
    let c = codes.get(x); // Map keys treat -0 and 0 as one id, like ===
    if (c === undefined) codes.set(x, (c = codes.size));
    return c;
  };
  return [Int32Array.from(q, code), Int32Array.from(k, code)];
}

/** Validates the parameters and arrays shared by both passes; returns the raw binding's option fields. */
function commonArgs(a: FlashParams & { q: unknown; k: unknown; v: unknown; out: unknown; lse: unknown }, where: string): Record<string, unknown> {
  const d = checkParams(a, where);
  const { B, H, Hkv, Tq, Tk, D, Dv } = d;
  checkArray(a.q, 'q', ['Float32Array'], B * H * Tq * D, '[B, H, Tq, D]', where);
  checkArray(a.k, 'k', ['Float32Array'], B * Hkv * Tk * D, '[B, Hkv, Tk, D]', where);
  checkArray(a.v, 'v', ['Float32Array'], B * Hkv * Tk * Dv, '[B, Hkv, Tk, Dv]', where);
  checkArray(a.out, 'out', ['Float32Array'], B * H * Tq * Dv, '[B, H, Tq, Dv]', where);
  checkArray(a.lse, 'lse', ['Float32Array'], B * H * Tq, '[B, H, Tq]', where);
  if (a.alibiSlopes) checkArray(a.alibiSlopes, 'alibiSlopes', ['Float32Array'], H, '[H]', where);
  if (a.keyMask) checkArray(a.keyMask, 'keyMask', ['Uint8Array', 'Int32Array', 'Float32Array'], B * Tk, '[B, Tk]', where);
  if (!a.segmentIdsQ !== !a.segmentIdsK) fail(where, 'args.segmentIdsQ and args.segmentIdsK must be given together');
  let segQ: Int32Array | null = null;
  let segK: Int32Array | null = null;
  if (a.segmentIdsQ && a.segmentIdsK) {
    checkArray(a.segmentIdsQ, 'segmentIdsQ', ['Int32Array', 'Float32Array'], B * Tq, '[B, Tq]', where);
    checkArray(a.segmentIdsK, 'segmentIdsK', ['Int32Array', 'Float32Array'], B * Tk, '[B, Tk]', where);
    [segQ, segK] = segmentCodes(a.segmentIdsQ, a.segmentIdsK);
  }
  return {
    B, H, Hkv, Tq, Tk, D, Dv,
    scale: a.scale,
    causal: Boolean(a.causal),
    windowLeft: a.window ? a.window[0] : -1,
    windowRight: a.window ? a.window[1] : -1,
    softcap: a.softcap ?? 0,
    alibiSlopes: a.alibiSlopes ?? null,
    keyMask: a.keyMask ? keyMaskBytes(a.keyMask) : null,
    segQ,
    segK,
    q: a.q,
    k: a.k,
    v: a.v,
    out: a.out,
    lse: a.lse,
  };
}

/**
 * FlashAttention-2 forward: writes args.out [B, H, Tq, Dv] and args.lse [B, H, Tq].
 * Same semantics as @tessera/attention's flashForwardImpl (every option of flashAttention).
 * @throws Error naming the argument when a buffer has the wrong type or size.
 */
export function flashForward(args: FlashForwardArgs): void {
  need('flashForward').flashForward(forwardRaw(args, 'flashForward'));
}

/** Validated raw arguments of a forward call. */
export function forwardRaw(args: FlashForwardArgs, where: string): Record<string, unknown> {
  return commonArgs(args, where);
}

/**
 * FlashAttention-2 backward: writes args.dq, args.dk, args.dv (dk/dv summed
 * over the query heads sharing each key/value head), recomputing the scores
 * tile by tile from q, k and the forward's lse.
 */
export function flashBackward(args: FlashBackwardArgs): void {
  need('flashBackward').flashBackward(backwardRaw(args, 'flashBackward'));
}

/** Validated raw arguments of a backward call. */
export function backwardRaw(args: FlashBackwardArgs, where: string): Record<string, unknown> {
  const raw = commonArgs(args, where);
  const { B, H, Hkv, Tq, Tk, D, Dv } = args.dims;
  checkArray(args.dOut, 'dOut', ['Float32Array'], B * H * Tq * Dv, '[B, H, Tq, Dv]', where);
  if (args.dLse) checkArray(args.dLse, 'dLse', ['Float32Array'], B * H * Tq, '[B, H, Tq]', where);
  checkArray(args.dq, 'dq', ['Float32Array'], B * H * Tq * D, '[B, H, Tq, D]', where);
  checkArray(args.dk, 'dk', ['Float32Array'], B * Hkv * Tk * D, '[B, Hkv, Tk, D]', where);
  checkArray(args.dv, 'dv', ['Float32Array'], B * Hkv * Tk * Dv, '[B, Hkv, Tk, Dv]', where);
  return { ...raw, dout: args.dOut, dlse: args.dLse ?? null, dq: args.dq, dk: args.dk, dv: args.dv };
}
