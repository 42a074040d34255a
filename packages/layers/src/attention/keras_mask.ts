/**
 * Keras attention masks in terms the tiled kernels understand. Keras takes
 * `attentionMask` [B, Tq, Tk] (true/1 = may attend) and `useCausalMask`
 * (query i sees keys j <= i, Keras's top-left alignment). Flash, block-sparse
 * and linear kernels never build a [Tq, Tk] matrix, so a mask reaches them
 * only as a key padding mask [B, Tk] plus causal/window flags. This file
 * finds that form when it exists (padding masks, and Keras's usual
 * "padding AND causal" [B, T, T]) and otherwise hands back the dense mask for
 * the reference path.
 */
import * as tf from '@tensorflow/tfjs';
import { fail, formatShape } from '@tessera/tensor';

/** A mask in kernel terms. Tensors are owned by the caller (dispose them). */
export interface KernelMask {
  /** [B, Tk] bool, or null. */
  keyMask: tf.Tensor | null;
  /** Bottom-right causal (j <= i + Tk - Tq). */
  causal: boolean;
  /** Extra window from top-left causal alignment when Tq != Tk; null if none. */
  window: [number, number] | null;
  /** [B, 1, Tq, Tk] bool when no kernel form exists; null otherwise. */
  dense: tf.Tensor | null;
  /** Why a dense mask was needed (shown as the reason for a reference fallback). */
  denseReason: string;
}

export interface MaskRequest {
  attentionMask: tf.Tensor | null;
  useCausalMask: boolean;
  /** Cached decoding: queries are the last Tq positions (bottom-right causal). */
  bottomRight: boolean;
  B: number;
  Tq: number;
  Tk: number;
  where: string;
}

/** Shape check only (no allocation): [B, Tq, Tk] (Keras) or [B, Tk] (padding). */
export function checkAttentionMask(m: tf.Tensor, B: number, Tq: number, Tk: number, where: string): void {
  const s = m.shape;
  const ok = (s.length === 3 && s[0] === B && s[1] === Tq && s[2] === Tk) || (s.length === 2 && s[0] === B && s[1] === Tk);
  if (!ok) fail(where, `attentionMask must have shape [B, Tq, Tk] = ${formatShape([B, Tq, Tk])} (or a padding mask [B, Tk] = ${formatShape([B, Tk])}), received ${formatShape(s)}`);
}

/** Is mask (host, [B*Tq*Tk]) equal to keyRow[b, j] AND (causal j <= i + shift)? */
function matches(m: ArrayLike<number | boolean>, B: number, Tq: number, Tk: number, shift: number | null): boolean {
  for (let b = 0; b < B; b++) {
    const last = (b * Tq + (Tq - 1)) * Tk;
    for (let i = 0; i < Tq; i++)
      for (let j = 0; j < Tk; j++) {
        const want = Boolean(m[last + j]) && (shift === null || j <= i + shift);
        if (Boolean(m[(b * Tq + i) * Tk + j]) !== want) return false;
      }
  }
  return true;
}

/** Splits a Keras mask request into kernel terms (reads a [B, Tq, Tk] mask on the host). */
export function toKernelMask(r: MaskRequest): KernelMask {
  const { B, Tq, Tk } = r;
  let causal = false;
  let window: [number, number] | null = null;
  let causalDense = false;
  if (r.useCausalMask) {
    if (r.bottomRight || Tq === Tk) causal = true;
    // Top-left j <= i is the window right bound c + (Tq - Tk) around c = i + Tk - Tq.
    else if (Tq > Tk) window = [-1, Tq - Tk];
    else causalDense = true;
  }
  const m = r.attentionMask;
  if (m === null && !causalDense) return { keyMask: null, causal, window, dense: null, denseReason: '' };
  if (m !== null && m.rank === 2) {
    const keyMask = m.dtype === 'bool' ? tf.clone(m) : tf.notEqual(m, 0);
    if (!causalDense) return { keyMask, causal, window, dense: null, denseReason: '' };
    keyMask.dispose();
  }
  if (m !== null && m.rank === 3 && !causalDense) {
    const host = m.dataSync() as ArrayLike<number>;
    const causalShift = causal ? Tk - Tq : window ? 0 : null;
    // Rows equal to the last row (AND the causal pattern if one is requested): a padding mask.
    // The last query row sees every allowed key under either alignment.
    if (matches(host, B, Tq, Tk, causalShift)) {
      const keyMask = tf.tidy(() => tf.notEqual(tf.reshape(tf.slice(m, [0, Tq - 1, 0], [B, 1, Tk]), [B, Tk]), 0));
      return { keyMask, causal, window, dense: null, denseReason: '' };
    }
    // Keras users often pass padding AND causal themselves.
    if (Tq === Tk && !r.useCausalMask && matches(host, B, Tq, Tk, 0)) {
      const keyMask = tf.tidy(() => tf.notEqual(tf.reshape(tf.slice(m, [0, Tq - 1, 0], [B, 1, Tk]), [B, Tk]), 0));
      return { keyMask, causal: true, window: null, dense: null, denseReason: '' };
    }
  }
  // A general mask: dense [B, 1, Tq, Tk] for the reference path.
  const dense = tf.tidy(() => {
    let d: tf.Tensor = m === null ? tf.ones([1, 1, Tq, Tk], 'bool') : m.rank === 3 ? tf.reshape(tf.notEqual(m, 0), [B, 1, Tq, Tk]) : tf.reshape(tf.notEqual(m, 0), [B, 1, 1, Tk]);
    if (r.useCausalMask) {
      // Keras's top-left causal: j <= i.   [Tq, Tk] -> [1, 1, Tq, Tk]
      const rel = tf.sub(tf.reshape(tf.range(0, Tk, 1, 'int32'), [1, Tk]), tf.reshape(tf.range(0, Tq, 1, 'int32'), [Tq, 1]));
      d = tf.logicalAnd(d, tf.reshape(tf.lessEqual(rel, 0), [1, 1, Tq, Tk]));
    }
    return d;
  });
  const why = causalDense
    ? `useCausalMask with Tq=${Tq} < Tk=${Tk} (Keras's top-left causal alignment has no kernel form)`
    : 'attentionMask is not a padding mask (its rows differ beyond the causal pattern)';
  return { keyMask: null, causal: false, window: null, dense, denseReason: why };
}

/** Disposes the tensors of a KernelMask. */
export function disposeKernelMask(k: KernelMask): void {
  k.keyMask?.dispose();
  k.dense?.dispose();
}
