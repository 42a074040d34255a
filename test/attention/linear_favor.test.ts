/**
 * FAVOR+ (Choromanski et al. 2021): the projection is block-orthogonal with
 * chi-distributed row norms, seeded identically on every backend, redrawable;
 * with m = 4096 features it approximates softmax attention (attentionReference).
 */
import * as tf from '@tensorflow/tfjs-core';
import { attentionReference, FavorFeatures, favorProjectionData, linearAttention } from '@tessera/attention';
import { initBackend, Rng } from '@tessera/tensor';
import { describeEachBackend, testBackends } from '../helpers/backends';
import { expectClose } from '../helpers/close';
import { expectNoLeaks } from '../helpers/leaks';

/** Rows of unit norm, [B, heads, T, D]. */
function unitRows(shape: number[], seed: number): tf.Tensor {
  const rng = new Rng(seed);
  const D = shape[3];
  const a = rng.fillNormal(new Float32Array(shape.reduce((x, y) => x * y, 1)));
  for (let r = 0; r < a.length; r += D) {
    let n = 0;
    for (let c = 0; c < D; c++) n += a[r + c] * a[r + c];
    for (let c = 0; c < D; c++) a[r + c] /= Math.sqrt(n);
  }
  return tf.tensor(a, shape);
}

describe('favorProjectionData', () => {
  it('is block-orthogonal with chi(D) row norms', () => {
    const D = 16;
    const m = 4096;
    const w = favorProjectionData(D, m, 7);
    let sq = 0;
    for (let r = 0; r < m; r++) {
      let n = 0;
      for (let c = 0; c < D; c++) n += w[r * D + c] ** 2;
      sq += n;
      // Rows of one block are orthogonal.
      const b0 = Math.floor(r / D) * D;
      for (let p = b0; p < r; p++) {
        let dot = 0;
        for (let c = 0; c < D; c++) dot += w[r * D + c] * w[p * D + c];
        let np = 0;
        for (let c = 0; c < D; c++) np += w[p * D + c] ** 2;
        expect(Math.abs(dot) / Math.sqrt(n * np)).toBeLessThan(1e-5);
      }
    }
    // E|w|^2 = D for chi(D) norms (4096 rows: standard error ~ sqrt(2D/m) = 0.09).
    expect(Math.abs(sq / m - D)).toBeLessThan(0.4);
  });

  it('is deterministic per seed and differs across seeds; a partial last block is kept', () => {
    expect(Array.from(favorProjectionData(5, 13, 1))).toEqual(Array.from(favorProjectionData(5, 13, 1)));
    expect(favorProjectionData(5, 13, 1)).not.toEqual(favorProjectionData(5, 13, 2));
    expect(favorProjectionData(5, 13, 1).length).toBe(65);
  });
});

describe('FAVOR+ features are identical on every backend for a seed', () => {
  it('projection bytes equal, features equal within float32 rounding', async () => {
    const feats: Float32Array[] = [];
    const projs: Float32Array[] = [];
    for (const b of testBackends()) {
      await initBackend(b);
      const fav = new FavorFeatures({ headSize: 8, numFeatures: 64, seed: 11 });
      projs.push(fav.projection.dataSync() as Float32Array);
      const x = unitRows([1, 2, 5, 8], 3);
      const f = fav.map(x, { role: 'query', causal: false });
      feats.push(f.dataSync() as Float32Array);
      tf.dispose([x, f]);
      fav.dispose();
    }
    for (let i = 1; i < feats.length; i++) {
      expect(Array.from(projs[i])).toEqual(Array.from(projs[0]));
      expectClose(feats[i], feats[0], { atol: 1e-6, rtol: 1e-5 });
    }
  });
});

describeEachBackend('FAVOR+', () => {
  it.each([
    [false, undefined],
    [true, undefined],
    [false, 1],
    [true, 1],
  ])('m = 4096 approximates softmax attention with mean relative error < 0.1 (causal=%s, scale=%s)', (causal, scale) => {
    const q = unitRows([1, 2, 64, 16], 1);
    const k = unitRows([1, 2, 64, 16], 2);
    const v = tf.tensor(new Rng(3).fillNormal(new Float32Array(2 * 64 * 16)), [1, 2, 64, 16]);
    // scale 1 (sharper than the default 1/sqrt(D)) so the test is not passed by near-uniform weights alone.
    const got = linearAttention(q, k, v, { featureMap: 'favor+', numFeatures: 4096, seed: 5, scale, causal });
    const want = attentionReference(q, k, v, { scale, causal });
    const g = got.dataSync();
    const w = want.dataSync();
    let num = 0;
    let den = 0;
    for (let i = 0; i < w.length; i++) {
      num += Math.abs(g[i] - w[i]);
      den += Math.abs(w[i]);
    }
    const rel = num / den;
    expect(rel).toBeLessThan(0.1);
    // Few features are measurably worse: the approximation really comes from m.
    const coarse = linearAttention(q, k, v, { featureMap: 'favor+', numFeatures: 8, seed: 5, scale, causal });
    const c = coarse.dataSync();
    let numC = 0;
    for (let i = 0; i < w.length; i++) numC += Math.abs(c[i] - w[i]);
    expect(numC / den).toBeGreaterThan(rel);
    tf.dispose([q, k, v, got, want, coarse]);
  });

  it('redraw replaces the projection reproducibly and disposes the old one', async () => {
    const before = tf.memory().numTensors;
    const fav = new FavorFeatures({ headSize: 4, numFeatures: 8, seed: 1 });
    const first = fav.projection;
    const data1 = first.dataSync().slice();
    fav.redraw();
    expect(first.isDisposed).toBe(true);
    expect(fav.seed).toBe(2);
    expect(Array.from(fav.projection.dataSync())).not.toEqual(Array.from(data1));
    expect(Array.from(fav.projection.dataSync())).toEqual(Array.from(favorProjectionData(4, 8, 2)));
    fav.redraw(1);
    expect(Array.from(fav.projection.dataSync())).toEqual(Array.from(data1));
    // Used as a feature map, it equals featureMap 'favor+' with the same seed.
    const q = unitRows([1, 1, 3, 4], 4);
    await expectNoLeaks(() => {
      const a = linearAttention(q, q, q, { featureMap: fav.map, causal: true });
      const b = linearAttention(q, q, q, { featureMap: 'favor+', numFeatures: 8, seed: 1, causal: true });
      expectClose(a, b, { atol: 1e-6, rtol: 1e-6 });
      tf.dispose([a, b]);
    });
    q.dispose();
    fav.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => new FavorFeatures({ headSize: 4, numFeatures: 0 })).toThrow('FavorFeatures: numFeatures must be an integer >= 1, received 0');
    expect(() => fav.map(tf.zeros([1, 1, 1, 4]), { role: 'key', causal: true })).toThrow('FavorFeatures.map: this FavorFeatures has been disposed');
    tf.disposeVariables();
  });
});
