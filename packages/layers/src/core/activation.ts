/** Feed-forward activations of the transformer blocks (KerasHub's `activation`). */
import * as tf from '@tensorflow/tfjs';
import { fusedOps } from './native_ops';

/** camelCase names: tfjs snake-cases string values in model.json and camel-cases them back. */
export const ACTIVATIONS = ['relu', 'gelu', 'geluApproximate'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

/**
 * relu; gelu exact, x * Phi(x) (Hendrycks & Gimpel 2016; Keras 3's default
 * `approximate=False`); geluApproximate (also 'gelu_approximate'), the tanh form GPT-2 uses.
 */
export function activate(x: tf.Tensor, name: ActivationName): tf.Tensor {
  // Fused GELU kernel and gradient from @tessera/native when present (issue 10); same formula.
  const fused = name !== 'relu' && x.dtype === 'float32' ? fusedOps() : null;
  if (fused) return fused.gelu(x, name === 'geluApproximate');
  return tf.tidy(() => {
    if (name === 'relu') return tf.relu(x);
    if (name === 'gelu') return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
    // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
    const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
    return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
  });
}

/** Accepts Keras's snake_case spelling too. */
export function normalizeActivation(x: unknown): unknown {
  return x === 'gelu_approximate' ? 'geluApproximate' : x;
}
