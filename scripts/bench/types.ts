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
  /** Forward pass; returns the output tensor(s), which the runner reads back and disposes (a promise for variants run by an asynchronous runtime). */
  forward(x: BenchInputs): tf.TensorContainer | Promise<tf.TensorContainer>;
  /** Optional forward+backward: returns gradients (the runner reads back and disposes). */
  forwardBackward?(x: BenchInputs): tf.TensorContainer | Promise<tf.TensorContainer>;
  /**
   * Set for a variant computed outside tfjs (e.g. onnxruntime-node): what runs it, shown
   * as the row's engine. Its memory is not tfjs tensors, so the row records no peak bytes.
   */
  external?: string;
  /**
   * Set for a variant that pins an attention engine whatever is installed ('typescript' or
   * 'native'): the row's engine column (on backends where the engine runs at all).
   */
  engine?: string;
  /**
   * Optional set-up outside the timing, before each row the variant runs (backend, n, pass):
   * e.g. an external runtime's session and host copies of the inputs. `skip`: the reason the
   * variant cannot run here (the row is skipped and prints it); `note`: a remark the row
   * prints and records beside its figures (e.g. the result of a correctness self-check).
   */
  prepare?(x: BenchInputs, backend: string): Promise<{ skip?: string; note?: string }>;
  /** Optional: frees what prepare made, after the row (also after a failed or skipped one). */
  release?(): Promise<void>;
}
