/**
 * Memory of block-sparse attention is O(n) at a fixed window: at n = 16384,
 * w = 256, H = 1, D = 64 the forward's new tensor bytes are its output and
 * lse (n * (Dv + 1) * 4 bytes = 4.06 MB), the backward's its three gradients;
 * the mask holds a few KB. One dense 16384 x 16384 float32 score matrix would
 * be 1 GiB. Bytes are counted (tf.profile via measurePeak), not timed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { blockSparseAttention, slidingWindow } from '@tessera/attention';
import { measurePeak } from '@tessera/tensor';
import { describeEachBackend } from '../helpers/backends';
import { describeSparseEngines } from '../webgpu/engines'; // one pass on webgpu (WGSL ignores the engine)
import { makeQkv } from './sparse_helpers';

const n = 16384;
const D = 64;
const GiB = 1024 ** 3;

describeEachBackend('blockSparseAttention memory', (backend) => {
  describeSparseEngines(backend, () => {
    it('forward and backward at n=16384, window 256, H=1, D=64 stay O(n), far below one dense score matrix (1 GiB)', async () => {
      const mask = slidingWindow({ left: 128, right: 128 }, { Tq: n, blockSize: 64 });
      const { q, k, v, dispose } = makeQkv({ B: 1, H: 1, Hkv: 1, Tq: n, Tk: n, D, Dv: D }, 1);
      const io = n * D * 4; // one [1, 1, n, 64] float32 tensor: 4 MiB

      const fwd = await measurePeak(() => blockSparseAttention(q, k, v, mask));
      expect(fwd.result.shape).toEqual([1, 1, n, D]);
      // output + lse (released after the op) and nothing of size n^2
      expect(fwd.peakNewBytes).toBeLessThanOrEqual(io + n * 4);
      expect(fwd.peakNewBytes + mask.numBytes).toBeLessThan(GiB / 100);
      expect(mask.numBytes).toBeLessThan(32 * 1024);
      fwd.result.dispose();

      const bwd = await measurePeak(() => tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(blockSparseAttention(a, b, c, mask)))([q, k, v]));
      // out, dy (ones), the lse and its zero gradient, dq, dk, dv and tfjs's accumulation copies:
      // about ten n x D tensors, independent of the window; a dense backward would add 1 GiB per n x n.
      expect(bwd.peakNewBytes).toBeLessThanOrEqual(12 * io);
      expect(bwd.peakNewBytes).toBeLessThan(GiB / 20);
      tf.dispose(bwd.result);
      dispose();
      mask.dispose();
    });
  });
});
