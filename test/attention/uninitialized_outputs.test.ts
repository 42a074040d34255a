/**
 * The cpu flash kernels' output allocation (backends/cpu/uninitialized.ts):
 * an array of its own (offset 0, the whole ArrayBuffer: what the native
 * addon's huge-page advice checks for), not zero-filled in Node, and a zeroed
 * fallback where Buffer refuses the size (Node <= 21 caps Buffers at 4 GiB).
 */
import { uninitializedFloat32 } from '../../packages/attention/src/backends/cpu/uninitialized';

describe('uninitializedFloat32', () => {
  it('returns n floats owning their whole ArrayBuffer', () => {
    for (const n of [0, 1, 1000, 1 << 20]) {
      const a = uninitializedFloat32(n);
      expect(a).toBeInstanceOf(Float32Array);
      expect(a.length).toBe(n);
      expect(a.byteOffset).toBe(0);
      expect(a.buffer.byteLength).toBe(n * 4);
    }
  });

  it('falls back to a zeroed Float32Array when Buffer refuses the size, and rethrows anything else', () => {
    const original = Buffer.allocUnsafeSlow;
    try {
      (Buffer as unknown as { allocUnsafeSlow: unknown }).allocUnsafeSlow = () => {
        throw new RangeError('The value of "size" is out of range.');
      };
      const a = uninitializedFloat32(16);
      expect(Array.from(a)).toEqual(new Array(16).fill(0));
      (Buffer as unknown as { allocUnsafeSlow: unknown }).allocUnsafeSlow = () => {
        throw new Error('something else');
      };
      expect(() => uninitializedFloat32(16)).toThrow('something else');
    } finally {
      (Buffer as unknown as { allocUnsafeSlow: unknown }).allocUnsafeSlow = original;
    }
  });
});
