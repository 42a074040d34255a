/**
 * The contract between the benchmark runner (`npm run bench -- attention`) and
 * the attention variants it measures. Each family (reference, flash, sparse,
 * linear, native, ...) lives in its own file under scripts/bench/variants/ and
 * exports `variants: BenchVariant[]`; the attention suite measures them all on
 * the same inputs and prints/writes one row per (variant, backend, n).
 */
import type * as tf from '@tensorflow/tfjs-core';

export interface BenchInputs {
  /** [B, H, n, D] */
  q: tf.Tensor;
  /** [B, Hkv, n, D] */
  k: tf.Tensor;
  /** [B, Hkv, n, Dv] */
  v: tf.Tensor;
  B: number;
  H: number;
  n: number;
  D: number;
}

export interface BenchVariant {
  /** Short unique id, e.g. 'reference', 'flash', 'sparse-window256', 'linear-elu-causal'. */
  name: string;
  /** Family for plots and ratios: 'reference' | 'flash' | 'sparse' | 'linear' | ... */
  family: string;
  /** Floating point operations of one forward pass (for GFLOP/s), e.g. 4*n^2*D*B*H for dense attention. */
  flops(x: BenchInputs): number;
  /** Whether this variant should run at this size on this backend (e.g. the reference is skipped where it cannot fit). */
  supports(backend: string, n: number): boolean;
  /** Forward pass; returns the output tensor(s), which the runner reads back and disposes. */
  forward(x: BenchInputs): tf.TensorContainer;
  /** Optional forward+backward: returns gradients (the runner reads back and disposes). */
  forwardBackward?(x: BenchInputs): tf.TensorContainer;
}
