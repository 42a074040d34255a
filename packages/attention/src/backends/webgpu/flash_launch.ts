/**
 * What the flash programs share on the host side: flags from attrs and
 * inputs, tile sizes from the device's shared-memory budget, the aux buffer,
 * and the uniform block for one chunk.
 */
import { TensorInfo, util } from '@tensorflow/tfjs-core';
import type { FlashDims } from '../../impl/flash_types';
import type { TesseraFlashAttentionAttrs } from '../../kernel_names';
import { Aux, packAux } from './aux';
import { flagBits, FlashFlags } from './flash_wgsl';
import { Binding, dispatch, limitsOf, makeOutput, pipelineFor, WebGpuBackend } from './gpu_backend';
import { flashStatsWgsl, STATS_ROWS } from './flash_stats_wgsl';
import { planChunks, UnitTensor } from './plan';
import { FlashUniforms, packFlashUniforms } from './uniforms';

export interface FlashCall extends FlashDims {
  G: number;
  flags: FlashFlags;
  aux: Aux;
  attrs: TesseraFlashAttentionAttrs;
}

const present = (t: TensorInfo | undefined): boolean => !!t && util.sizeFromShape(t.shape) > 0;

/** Reads dims and flags and packs the aux inputs (dispose `aux.tensor` after the dispatches). */
export function flashCall(b: WebGpuBackend, inputs: Record<string, TensorInfo | undefined>, attrs: TesseraFlashAttentionAttrs): FlashCall {
  const [B, H, Tq, D] = inputs.q!.shape;
  const [, Hkv, Tk] = inputs.k!.shape;
  const Dv = inputs.v!.shape[3];
  const flags: FlashFlags = {
    causal: !!attrs.causal,
    window: !(attrs.windowLeft < 0 && attrs.windowRight < 0),
    keyMask: present(inputs.keyMask),
    segments: present(inputs.segmentIdsQ),
    alibi: present(inputs.alibiSlopes),
    softcap: attrs.softcap > 0,
  };
  const aux = packAux(b, inputs.keyMask, inputs.segmentIdsQ, inputs.segmentIdsK, inputs.alibiSlopes);
  return { B, H, Hkv, G: H / Hkv, Tq, Tk, D, Dv, flags, aux, attrs };
}

/** Keys (or queries) per shared-memory tile: rows of `floatsPerRow` floats within the budget, at most `max`. */
export function tileRows(where: string, sharedBytes: number, floatsPerRow: number, max: number): number {
  const n = Math.min(max, Math.floor(sharedBytes / (4 * floatsPerRow)));
  if (n < 1) throw new Error(`${where}: head sizes need ${4 * floatsPerRow} bytes of workgroup memory per row, over this device's maxComputeWorkgroupStorageSize of ${sharedBytes}`);
  return n;
}

/** The uniform block of one chunk. */
export function flashUniforms(c: FlashCall, unit0: number, offsets: number[]): FlashUniforms {
  return {
    B: c.B,
    H: c.H,
    Hkv: c.Hkv,
    G: c.G,
    Tq: c.Tq,
    Tk: c.Tk,
    unit0,
    offsets,
    scale: c.attrs.scale,
    softcap: c.attrs.softcap > 0 ? c.attrs.softcap : 1,
    wl: c.attrs.windowLeft,
    wr: c.attrs.windowRight,
    aux: c.aux.offsets,
    D: c.D,
    Dv: c.Dv,
    flags: flagBits(c.flags),
  };
}

/** Frees the aux buffer (tfjs defers the release until the queued work is submitted). */
export function releaseAux(b: WebGpuBackend, c: FlashCall): void {
  if (c.aux.tensor) b.disposeData(c.aux.tensor.dataId, true);
}

/** Throws unless `n` workgroups fit in one grid dimension. */
export function checkGrid(where: string, n: number, max: number, what: string): void {
  if (n > max) throw new Error(`${where}: ${n} workgroups along ${what} exceed this device's maxComputeWorkgroupsPerDimension of ${max}`);
}

/**
 * Runs a forward program (flash or block-sparse) that reads q, k, v and
 * writes out [B,H,Tq,Dv] and lse [B,H,Tq]: allocates the outputs, plans the
 * per-head chunks so every binding fits the device's limit (kv bindings map a
 * query head to its kv head, h / G), dispatches `pipe` once per chunk with
 * `gridX` workgroups per head, and frees the outputs if anything throws. The
 * aux buffer is released either way.
 */
export function runForward(
  where: string,
  b: WebGpuBackend,
  c: FlashCall,
  t: { q: TensorInfo; k: TensorInfo; v: TensorInfo },
  pipeline: () => unknown,
  gridX: number,
  aux: Binding,
): TensorInfo[] {
  const { B, H, Tq, D, Dv } = c;
  const lim = limitsOf(b);
  const out = makeOutput(b, [B, H, Tq, Dv]);
  const lse = makeOutput(b, [B, H, Tq]);
  try {
    const pipe = pipeline();
    const div = { kind: 'div', by: c.G } as const;
    const same = { kind: 'same' } as const;
    const chunks = planChunks(where, B * H, [
      { name: 'q', tensor: t.q, perUnit: Tq * D, map: same },
      { name: 'k', tensor: t.k, perUnit: c.Tk * D, map: div },
      { name: 'v', tensor: t.v, perUnit: c.Tk * Dv, map: div },
      { name: 'out', tensor: out, perUnit: Tq * Dv, map: same },
      { name: 'lse', tensor: lse, perUnit: Tq, map: same },
    ], lim.maxBinding, lim.align, lim.maxGroups);
    for (const ch of chunks) {
      const uni = packFlashUniforms(flashUniforms(c, ch.start, ch.offsets));
      dispatch(b, pipe, [...ch.bindings, aux], uni, [gridX, ch.end - ch.start, 1]);
    }
  } catch (e) {
    b.disposeData(out.dataId, true);
    b.disposeData(lse.dataId, true);
    throw e;
  } finally {
    releaseAux(b, c);
  }
  return [out, lse];
}

/** One pass of a backward program: its pipeline label, WGSL and workgroups per unit along x. */
export interface BackwardPass {
  label: string;
  code: string;
  groupsX: number;
}

/**
 * Runs the three passes every attention backward shares (flash and
 * block-sparse differ only in their dQ and dK/dV programs):
 * (1) stats = (lse, dO.O - dLse) per row over (b, h) units, (2) dQ over
 * (b, h) units with k/v windows following the kv head, (3) dK/dV over
 * (b, kv head) units whose q-side windows cover the G query heads. Each pass is
 * split into chunks whose bindings fit the device's limit. No atomics: every
 * output element has one writer. Outputs are freed if anything throws; the
 * stats buffer and the aux buffer are released either way.
 */
export function runBackward(
  where: string,
  b: WebGpuBackend,
  c: FlashCall,
  ins: Record<string, TensorInfo | undefined>,
  dqPass: BackwardPass,
  dkdvPass: BackwardPass,
  aux: Binding,
): TensorInfo[] {
  const { B, H, Hkv, Tq, Tk, D, Dv, G } = c;
  const lim = limitsOf(b);
  const hasDLse = !!ins.dLse && util.sizeFromShape(ins.dLse.shape) > 0;
  const dq = makeOutput(b, [B, H, Tq, D]);
  const dk = makeOutput(b, [B, Hkv, Tk, D]);
  const dv = makeOutput(b, [B, Hkv, Tk, Dv]);
  const stats = makeOutput(b, [B * H * Tq * 2]);
  const same = { kind: 'same' } as const;
  const div = { kind: 'div', by: G } as const;
  const mul = { kind: 'mul', by: G } as const;
  const run = (pass: BackwardPass, units: number, tensors: UnitTensor[]): void => {
    const pipe = pipelineFor(b, pass.label, pass.code);
    for (const ch of planChunks(where, units, tensors, lim.maxBinding, lim.align, lim.maxGroups)) {
      dispatch(b, pipe, [...ch.bindings, aux], packFlashUniforms(flashUniforms(c, ch.start, ch.offsets)), [pass.groupsX, ch.end - ch.start, 1]);
    }
  };
  try {
    // The stats pass applies no mask: compiled without the mask/score code (fewer pipelines).
    const none = { causal: false, window: false, keyMask: false, segments: false, alibi: false, softcap: false };
    run({ label: 'TesseraFlashStats', code: flashStatsWgsl(none, Dv, hasDLse, lim.subgroups), groupsX: Math.ceil(Tq / STATS_ROWS) }, B * H, [
      { name: 'out', tensor: ins.out!, perUnit: Tq * Dv, map: same },
      { name: 'dy', tensor: ins.dy!, perUnit: Tq * Dv, map: same },
      { name: 'lse', tensor: ins.lse!, perUnit: Tq, map: same },
      { name: 'dLse', tensor: hasDLse ? ins.dLse! : null, perUnit: Tq, map: same },
      { name: 'stats', tensor: stats, perUnit: 2 * Tq, map: same },
    ]);
    run(dqPass, B * H, [
      { name: 'q', tensor: ins.q!, perUnit: Tq * D, map: same },
      { name: 'k', tensor: ins.k!, perUnit: Tk * D, map: div },
      { name: 'v', tensor: ins.v!, perUnit: Tk * Dv, map: div },
      { name: 'dy', tensor: ins.dy!, perUnit: Tq * Dv, map: same },
      { name: 'stats', tensor: stats, perUnit: 2 * Tq, map: same },
      { name: 'dq', tensor: dq, perUnit: Tq * D, map: same },
    ]);
    run(dkdvPass, B * Hkv, [
      { name: 'q', tensor: ins.q!, perUnit: Tq * D, map: mul },
      { name: 'k', tensor: ins.k!, perUnit: Tk * D, map: same },
      { name: 'v', tensor: ins.v!, perUnit: Tk * Dv, map: same },
      { name: 'dy', tensor: ins.dy!, perUnit: Tq * Dv, map: mul },
      { name: 'stats', tensor: stats, perUnit: 2 * Tq, map: mul },
      { name: 'dk', tensor: dk, perUnit: Tk * D, map: same },
      { name: 'dv', tensor: dv, perUnit: Tk * Dv, map: same },
    ]);
  } catch (e) {
    for (const t of [dq, dk, dv]) b.disposeData(t.dataId, true);
    throw e;
  } finally {
    b.disposeData(stats.dataId, true);
    releaseAux(b, c);
  }
  return [dq, dk, dv];
}
