/**
 * Splitting a dispatch so every storage binding stays within the device's
 * maxStorageBufferBindingSize (128 MiB on Mesa's lavapipe, 2-4 GiB on discrete
 * GPUs). tfjs-webgpu's own ops bind whole buffers and return zeros past the
 * limit; Tessera binds a window of each buffer per chunk of "units" (a unit is
 * one (b, h) or one (b, kv head), whose rows are contiguous in every tensor),
 * or throws when even one unit cannot fit.
 */
import type { Binding } from './gpu_backend';
import type { TensorInfo } from '@tensorflow/tfjs-core';

/** A tensor whose unit u occupies elements [u * perUnit, (u + 1) * perUnit) (units scaled by `ratio`: kv = floor(u / ratio), or u * ratio for expand). */
export interface UnitTensor {
  name: string;
  tensor: TensorInfo | null;
  /** Elements per unit of this tensor. */
  perUnit: number;
  /** How a chunk's units map to this tensor's units. */
  map: { kind: 'same' } | { kind: 'div'; by: number } | { kind: 'mul'; by: number };
}

function unitRange(t: UnitTensor, s: number, e: number): [number, number] {
  if (t.map.kind === 'div') return [Math.floor(s / t.map.by), Math.floor((e - 1) / t.map.by) + 1];
  if (t.map.kind === 'mul') return [s * t.map.by, e * t.map.by];
  return [s, e];
}

/** One chunk: units [start, end), per-tensor bindings and element offsets within them. */
export interface Chunk {
  start: number;
  end: number;
  bindings: Binding[];
  /** Element offset of the chunk's first unit inside each binding. */
  offsets: number[];
  /** First unit of each tensor in the chunk. */
  firsts: number[];
}

function window(t: UnitTensor, s: number, e: number, align: number): { b: Binding; off: number; first: number } {
  const [u0, u1] = unitRange(t, s, e);
  if (!t.tensor || t.perUnit === 0) return { b: { tensor: null, offset: 0, size: 0 }, off: 0, first: u0 };
  const start = u0 * t.perUnit * 4;
  const offset = Math.floor(start / align) * align;
  const size = u1 * t.perUnit * 4 - offset;
  return { b: { tensor: t.tensor, offset, size }, off: (start - offset) / 4, first: u0 };
}

/**
 * Splits `units` into chunks of at most `maxUnits` (the grid's y limit) so every binding fits.
 * @throws Error naming the tensor when a single unit does not fit.
 */
export function planChunks(where: string, units: number, tensors: UnitTensor[], maxBinding: number, align: number, maxUnits: number): Chunk[] {
  let cap = maxUnits;
  let group = 1;
  for (const t of tensors) {
    if (!t.tensor || t.perUnit === 0) continue;
    // A window of c units of this tensor takes at most c * perUnit * 4 bytes plus the offset's alignment slack.
    const maxCount = Math.floor((maxBinding - align) / (4 * t.perUnit));
    const unitBytes = 4 * t.perUnit * (t.map.kind === 'mul' ? t.map.by : 1);
    const n = t.map.kind === 'mul' ? Math.floor(maxCount / t.map.by) : t.map.kind === 'div' ? maxCount * t.map.by : maxCount;
    if (n < 1) {
      throw new Error(
        `${where}: one head of '${t.name}' needs a ${unitBytes}-byte binding (plus up to ${align - 4} bytes of offset alignment), over this ` +
          `device's maxStorageBufferBindingSize of ${maxBinding} bytes; shorten the sequence (the kernel never returns a partial result)`,
      );
    }
    if (t.map.kind === 'div') group = Math.max(group, t.map.by);
    cap = Math.min(cap, n);
  }
  // Chunks must not straddle a kv head (the 'div' windows were sized for whole groups):
  // a multiple of the group size, or a divisor of it.
  if (group > 1) {
    if (cap >= group) cap -= cap % group;
    else while (group % cap !== 0) cap--;
  }
  const chunks: Chunk[] = [];
  for (let s = 0; s < units; s += cap) {
    const e = Math.min(units, s + cap);
    const w = tensors.map((t) => window(t, s, e, align));
    for (let i = 0; i < w.length; i++) {
      if (w[i].b.size > maxBinding) throw new Error(`${where}: internal split error, binding '${tensors[i].name}' of ${w[i].b.size} bytes exceeds ${maxBinding}`);
    }
    chunks.push({ start: s, end: e, bindings: w.map((x) => x.b), offsets: w.map((x) => x.off), firsts: w.map((x) => x.first) });
  }
  return chunks;
}
