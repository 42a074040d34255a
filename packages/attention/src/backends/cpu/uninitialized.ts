/**
 * Output arrays that the engine overwrites completely (the flash kernels'
 * contract, impl/flash_types.ts), allocated without the zero fill that
 * `new Float32Array(n)` does: in Node through Buffer.allocUnsafeSlow (an
 * ArrayBuffer of its own, never a slice of Node's shared pool), elsewhere
 * zeroed as usual. Zeroing recycled memory is a full extra pass over each
 * output (8 MB per gradient at B = 1, H = 8, n = 4096, D = 64) before the
 * kernel writes it again.
 */
interface BufferLike {
  allocUnsafeSlow(size: number): { buffer: ArrayBuffer; byteOffset: number };
}

const NodeBuffer: BufferLike | undefined = (globalThis as { Buffer?: BufferLike }).Buffer;

/**
 * A Float32Array of n elements with unspecified contents: the caller must write every element.
 * Falls back to a zeroed array where Buffer cannot allocate that much (Node <= 21 caps Buffers
 * at 4 GiB; typed arrays go further).
 */
export function uninitializedFloat32(n: number): Float32Array {
  if (!NodeBuffer || typeof NodeBuffer.allocUnsafeSlow !== 'function' || n === 0) return new Float32Array(n);
  let b: { buffer: ArrayBuffer; byteOffset: number };
  try {
    b = NodeBuffer.allocUnsafeSlow(n * 4);
  } catch (e) {
    if (e instanceof RangeError) return new Float32Array(n); // ERR_OUT_OF_RANGE: over Buffer's maximum length
    throw e;
  }
  return new Float32Array(b.buffer, b.byteOffset, n);
}
