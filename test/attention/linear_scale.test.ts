/**
 * Long sequences: the chunked causal form stays accurate over 65,536 tokens
 * (against float64 prefix sums on the host), and peak memory grows linearly
 * in n (tf.profile byte counts via measurePeak), never as a Tq x Tk buffer.
 */
import * as tf from '@tensorflow/tfjs-core';
import { linearAttention } from '@tessera/attention';
import { measurePeak, Rng } from '@tessera/tensor';
import { describeEachBackend } from '../helpers/backends';
import { expectClose } from '../helpers/close';

/** Float64 linear attention (elu+1, one head), written from the definition. */
function linearF64(q: Float32Array, k: Float32Array, v: Float32Array, n: number, D: number, Dv: number, causal: boolean): Float64Array {
  const phi = (x: number): number => (x > 0 ? x + 1 : Math.exp(x));
  const S = new Float64Array(D * Dv);
  const z = new Float64Array(D);
  const out = new Float64Array(n * Dv);
  const add = (j: number): void => {
    for (let d = 0; d < D; d++) {
      const f = phi(k[j * D + d]);
      z[d] += f;
      for (let e = 0; e < Dv; e++) S[d * Dv + e] += f * v[j * Dv + e];
    }
  };
  if (!causal) for (let j = 0; j < n; j++) add(j);
  for (let i = 0; i < n; i++) {
    if (causal) add(i);
    let den = 1e-6;
    for (let d = 0; d < D; d++) den += phi(q[i * D + d]) * z[d];
    for (let e = 0; e < Dv; e++) {
      let s = 0;
      for (let d = 0; d < D; d++) s += phi(q[i * D + d]) * S[d * Dv + e];
      out[i * Dv + e] = s / den;
    }
  }
  return out;
}

describeEachBackend('linearAttention at 64k tokens', () => {
  it.each([true, false])('matches float64 over 65,536 tokens (causal=%s)', (causal) => {
    const n = 65536;
    const D = 4;
    const Dv = 4;
    const rng = new Rng(17);
    const qa = rng.fillNormal(new Float32Array(n * D)) as Float32Array;
    const ka = rng.fillNormal(new Float32Array(n * D)) as Float32Array;
    // A constant offset in v makes the prefix sums large and drift-prone, as in real data.
    const va = rng.fillNormal(new Float32Array(n * Dv), 3, 1) as Float32Array;
    const q = tf.tensor(qa, [1, 1, n, D]);
    const k = tf.tensor(ka, [1, 1, n, D]);
    const v = tf.tensor(va, [1, 1, n, Dv]);
    const got = linearAttention(q, k, v, { causal });
    expectClose(got.dataSync(), linearF64(qa, ka, va, n, D, Dv, causal), { atol: 1e-5, rtol: 1e-5 });
    tf.dispose([q, k, v, got]);
  });

  it('uses O(n) memory: forward at n = 65,536 (D = 64, H = 1), forward + backward at n = 8,192', async () => {
    const D = 64;
    const peak = async (n: number, backward: boolean): Promise<number> => {
      const q = tf.randomNormal([1, 1, n, D]);
      const k = tf.randomNormal([1, 1, n, D]);
      const v = tf.randomNormal([1, 1, n, D]);
      const m = backward
        ? await measurePeak(() => tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(linearAttention(a, c, d, { causal: true })))([q, k, v]))
        : await measurePeak(() => linearAttention(q, k, v, { causal: true }));
      tf.dispose([q, k, v, m.result as tf.TensorContainer]);
      return m.peakNewBytes / (n * D * 4); // in units of one [1, 1, n, D] float32 tensor
    };
    const fwd64k = await peak(65536, false);
    const fwd16k = await peak(16384, false);
    const bwd8k = await peak(8192, true);
    const bwd2k = await peak(2048, true);
    // A score matrix would be n / D = 1024 units at 64k (16 GiB); linear attention holds a few
    // n x D tensors: the two feature maps' intermediates, the output (measured: 5.0 units).
    expect(fwd64k).toBeLessThan(6);
    // Backward: saved features, upstream gradient, dq/dk/dv and the maps' gradients (measured: 18.0).
    expect(bwd8k).toBeLessThan(20);
    // Bytes per token do not grow with n (linear memory).
    expect(fwd64k / fwd16k).toBeLessThan(1.05);
    expect(bwd8k / bwd2k).toBeLessThan(1.05);
  });
});
