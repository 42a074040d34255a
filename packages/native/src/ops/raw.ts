/**
 * The transformer-op entry points of the addon (src/cc/ops_addon.cc), or null
 * when the addon did not load or predates them. Positional arguments: these
 * run once per tfjs kernel call.
 */
import { binding } from '../binding';

export interface OpsBinding {
  opsGemm(a: Float32Array, b: Float32Array, out: Float32Array, batch: number, M: number, N: number, K: number, transA: boolean, transB: boolean,
    aIndex: Int32Array | null, bIndex: Int32Array | null, aBatches: number, bBatches: number,
    bias: Float32Array | null, biasMode: number, activation: number, alpha: number, prelu: Float32Array | null, preluMode: number): void;
  opsLayerNorm(x: Float32Array, gamma: Float32Array, beta: Float32Array, eps: number, y: Float32Array, mean: Float32Array | null, rstd: Float32Array | null, rows: number, cols: number): void;
  opsLayerNormGrad(x: Float32Array, gamma: Float32Array, mean: Float32Array, rstd: Float32Array, dy: Float32Array, dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array, rows: number, cols: number): void;
  opsGelu(x: Float32Array, dy: Float32Array | null, out: Float32Array, approximate: boolean): void;
  opsSoftmax(x: Float32Array, y: Float32Array, rows: number, cols: number): void;
  opsSegmentSum(x: Float32Array, ids: Int32Array, out: Float32Array, n: number, inner: number, numSegments: number): void;
  opsDecode(arrays: (Float32Array | null)[], tokens: Int32Array, logits: Float32Array, params: Float64Array): void;
  opsReduceSum(x: Float32Array, out: Float32Array, A: number, R: number, P: number): void;
  opsAdam(x: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, xOut: Float32Array, mOut: Float32Array, vOut: Float32Array,
    lr: number, beta1: number, beta2: number, eps: number, c1: number, c2: number): void;
  opsInfo(): { isa: string; gemmMr: number; gemmNr: number };
}

const b = binding as unknown as Partial<OpsBinding> | null;
export const ops: OpsBinding | null = b && typeof b.opsGemm === 'function' ? (b as OpsBinding) : null;

/** ops, or an Error saying the native ops are unavailable. */
export function needOps(where: string): OpsBinding {
  if (!ops) throw new Error(`@tessera/native ${where}: the native transformer ops are not available (addon not built)`);
  return ops;
}

/** Epilogue codes of ops.h (Act, Bcast). */
export const ACT = { linear: 0, relu: 1, relu6: 2, prelu: 3, elu: 4, leakyrelu: 5, sigmoid: 6 } as const;
export const BCAST = { none: 0, scalar: 1, perColumn: 2, full: 3 } as const;
