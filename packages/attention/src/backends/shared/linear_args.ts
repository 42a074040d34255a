/**
 * Kernel inputs (as typed arrays) + attrs -> the engine's LinearForwardArgs /
 * LinearBackwardArgs, shared by the forward and backward host kernels so the
 * mapping is written once (as flash_args.ts does for flash attention).
 */
import type { LinearBackwardArgs, LinearDims, LinearForwardArgs } from '../../linear/linear_dims';
import type { TesseraLinearAttentionAttrs } from '../../kernel_names';
import type { FlashInputArrays } from './flash_args';

/** Shapes of the mapped q [B, H, Tq, F], k [B, Hkv, Tk, F] and v [B, Hkv, Tk, Dv] -> dims. */
export function linearDims(qShape: number[], kShape: number[], vShape: number[]): LinearDims {
  const [B, H, Tq, F] = qShape;
  const [, Hkv, Tk] = kShape;
  return { B, H, Hkv, Tq, Tk, F, Dv: vShape[3] };
}

export function linearForwardArgs(dims: LinearDims, ins: FlashInputArrays, a: TesseraLinearAttentionAttrs, out: Float32Array, den: Float32Array): LinearForwardArgs {
  return { dims, causal: a.causal, eps: a.eps, chunkSize: a.chunkSize, q: ins.q as Float32Array, k: ins.k as Float32Array, v: ins.v as Float32Array, out, den };
}

export function linearBackwardArgs(dims: LinearDims, ins: FlashInputArrays, a: TesseraLinearAttentionAttrs, dq: Float32Array, dk: Float32Array, dv: Float32Array): LinearBackwardArgs {
  return {
    ...linearForwardArgs(dims, ins, a, ins.out as Float32Array, ins.den as Float32Array),
    dOut: ins.dy as Float32Array,
    dq,
    dk,
    dv,
  };
}
