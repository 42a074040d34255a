/**
 * UnsortedSegmentSum for `wasm` (which lacks it, so tf.gather's gradient fails
 * there) and `cpu`: out[s, ...] = sum of x[i, ...] over i with ids[i] == s;
 * ids outside [0, numSegments) are skipped, as tfjs's cpu kernel does.
 * float32 runs natively (threads split the trailing dims, so sums keep a fixed
 * order); int32 runs in TypeScript (wasm has no kernel to hand it to).
 */
import { KernelBackend, KernelFunc, TensorInfo, UnsortedSegmentSumAttrs, util } from '@tensorflow/tfjs-core';
import { HostArray, hostBackend, runHost } from './host';
import { needOps } from './raw';

function sumInts(x: Int32Array, ids: Int32Array, out: Int32Array, inner: number, numSegments: number): void {
  out.fill(0);  // wasm outputs come from malloc
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    for (let j = 0; j < inner; j++) out[s * inner + j] += x[i * inner + j];
  }
}

export function unsortedSegmentSumKernel(original: KernelFunc | null): KernelFunc {
  return (args) => {
    const { x, segmentIds } = args.inputs as unknown as Record<'x' | 'segmentIds', TensorInfo>;
    const { numSegments } = args.attrs as unknown as UnsortedSegmentSumAttrs;
    const native = x.dtype === 'float32' || x.dtype === 'int32';
    if (original && (!native || !hostBackend(args.backend as KernelBackend))) return original(args);
    if (!native) throw new Error(`UnsortedSegmentSum: x must be float32 or int32, received ${x.dtype}`);
    if (segmentIds.dtype !== 'int32') throw new Error(`UnsortedSegmentSum: segmentIds must be int32, received ${segmentIds.dtype}`);
    const r = segmentIds.shape.length;
    if (!util.arraysEqual(x.shape.slice(0, r), segmentIds.shape)) {
      throw new Error(`UnsortedSegmentSum: segmentIds shape [${segmentIds.shape}] must be a prefix of x's shape [${x.shape}]`);
    }
    if (!Number.isInteger(numSegments) || numSegments < 0) throw new Error(`UnsortedSegmentSum: numSegments must be a non-negative integer, received ${numSegments}`);
    const innerShape = x.shape.slice(r);
    const n = util.sizeFromShape(segmentIds.shape), inner = util.sizeFromShape(innerShape);
    return runHost(args.backend as KernelBackend, [x, segmentIds], [[[numSegments, ...innerShape], x.dtype]], ([xv, idv], [ov]) => {
      if (x.dtype === 'int32') sumInts(xv as Int32Array, idv as Int32Array, ov as Int32Array, inner, numSegments);
      else needOps('UnsortedSegmentSum').opsSegmentSum(xv as Float32Array, idv as Int32Array, ov as Float32Array, n, inner, numSegments);
    })[0] as TensorInfo;
  };
}

export type { HostArray };
