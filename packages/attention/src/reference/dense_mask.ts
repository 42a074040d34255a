/**
 * The "may attend" mask of an attention call as one dense bool tensor,
 * broadcastable to [B, H, Tq, Tk]: the AND of causal, window, keyMask and
 * segment masks. Reference and tests only: it is the O(Tq*Tk) object the
 * kernels never build.
 */
import * as tf from '@tensorflow/tfjs-core';
import { combineMasks, segmentMask, slidingWindowMask } from '@tessera/tensor';
import type { ResolvedAttention } from '../validate';

/** Returns a bool mask [B|1, 1, Tq, Tk], or null when nothing is masked. */
export function denseAttentionMask(r: ResolvedAttention): tf.Tensor | null {
  const { B, Tq, Tk } = r.dims;
  return tf.tidy(() => {
    const parts: tf.Tensor[] = [];
    // [Tq, Tk] -> [1, 1, Tq, Tk]
    if (r.causal) parts.push(tf.reshape(slidingWindowMask(Tq, Tk, [-1, 0]), [1, 1, Tq, Tk]));
    if (r.window) parts.push(tf.reshape(slidingWindowMask(Tq, Tk, r.window), [1, 1, Tq, Tk]));
    // keyMask [B, Tk] -> [B, 1, 1, Tk]
    if (r.keyMask) parts.push(tf.reshape(tf.notEqual(r.keyMask, 0), [B, 1, 1, Tk]));
    // segments [B, Tq, Tk] -> [B, 1, Tq, Tk]
    if (r.segmentIds) parts.push(tf.reshape(segmentMask(r.segmentIds.q, r.segmentIds.k), [B, 1, Tq, Tk]));
    return combineMasks(...parts) as tf.Tensor;
  }) as tf.Tensor | null;
}
