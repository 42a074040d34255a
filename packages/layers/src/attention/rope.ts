/**
 * Rotary position embedding (Su et al. 2021, "RoFormer: Enhanced Transformer
 * with Rotary Position Embedding"), in KerasHub's form: the feature axis is
 * split in halves (x1, x2) rotated by angle pos * theta_i, with
 * theta_i = maxWavelength^(-2i/d) and pos = (startIndex + t) / scalingFactor:
 *   x * cos + rotate_half(x) * sin,   rotate_half(x) = [-x2, x1].
 * Angles are computed on the host in float64, so long positions stay exact.
 */
import * as tf from '@tensorflow/tfjs';
import { fail } from '@tessera/tensor';

export interface RotaryOptions {
  /** Position of the first element along the sequence axis; default 0. */
  startIndex?: number;
  /** Default 10000. */
  maxWavelength?: number;
  /** Positions are divided by this (linear position interpolation); default 1. */
  scalingFactor?: number;
}

/** cos and sin tables [T, d] for positions startIndex .. startIndex + T - 1. */
export function rotaryTables(t: number, d: number, o: RotaryOptions = {}): { cos: Float32Array; sin: Float32Array } {
  const start = o.startIndex ?? 0;
  const wl = o.maxWavelength ?? 10000;
  const sf = o.scalingFactor ?? 1;
  const half = d / 2;
  const cos = new Float32Array(t * d);
  const sin = new Float32Array(t * d);
  for (let p = 0; p < t; p++) {
    const pos = (start + p) / sf;
    for (let i = 0; i < half; i++) {
      const a = pos * Math.pow(wl, (-2 * i) / d);
      const c = Math.cos(a);
      const s = Math.sin(a);
      cos[p * d + i] = c;
      cos[p * d + i + half] = c;
      sin[p * d + i] = s;
      sin[p * d + i + half] = s;
    }
  }
  return { cos, sin };
}

/**
 * Rotates `x` along `featureAxis` by the position along `sequenceAxis`.
 * @example applyRotary(q, 2, 3, { startIndex: cache.length }); // q [B, H, T, D]
 */
export function applyRotary(x: tf.Tensor, sequenceAxis: number, featureAxis: number, o: RotaryOptions = {}, where = 'applyRotary'): tf.Tensor {
  const rank = x.rank;
  const sa = sequenceAxis < 0 ? rank + sequenceAxis : sequenceAxis;
  const fa = featureAxis < 0 ? rank + featureAxis : featureAxis;
  const t = x.shape[sa];
  const d = x.shape[fa];
  if (d % 2 !== 0) fail(where, `rotary embedding needs an even feature size, received ${d} (shape [${x.shape}])`);
  const { cos, sin } = rotaryTables(t, d, o);
  return tf.tidy(() => {
    // [T, d] -> ones everywhere except the sequence and feature axes.
    const bshape = x.shape.map((_, i) => (i === sa ? t : i === fa ? d : 1));
    const toB = (a: Float32Array): tf.Tensor => {
      const m = tf.tensor2d(a, [t, d]);
      return tf.reshape(sa < fa ? m : tf.transpose(m), bshape);
    };
    const [x1, x2] = tf.split(x, 2, fa);
    const rot = tf.concat([tf.neg(x2), x1], fa);
    return tf.add(tf.mul(x, toB(cos)), tf.mul(rot, toB(sin)));
  });
}
