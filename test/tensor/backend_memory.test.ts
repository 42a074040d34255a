import * as tf from '@tensorflow/tfjs-core';
import { initBackend, measurePeak } from '@tessera/tensor';

describe('initBackend', () => {
  const saved = process.env.TESSERA_BACKEND;
  afterEach(() => {
    if (saved === undefined) delete process.env.TESSERA_BACKEND;
    else process.env.TESSERA_BACKEND = saved;
  });

  it('defaults to wasm when tfjs-node is absent, with no network', async () => {
    delete process.env.TESSERA_BACKEND;
    const info = await initBackend();
    expect(info.name).toBe('wasm');
    expect(info.source).toBe('default');
    expect(info.reason).toBe('wasm (default: @tensorflow/tfjs-node is not installed)');
    expect(tf.getBackend()).toBe('wasm');
    // wasm really computes.
    const y = tf.matMul(tf.ones([2, 3]), tf.ones([3, 2]));
    expect(Array.from(y.dataSync())).toEqual([3, 3, 3, 3]);
    y.dispose();
  });

  it('honours TESSERA_BACKEND and an explicit argument', async () => {
    process.env.TESSERA_BACKEND = 'cpu';
    const info = await initBackend();
    expect(info).toMatchObject({ name: 'cpu', source: 'TESSERA_BACKEND' });
    expect(tf.getBackend()).toBe('cpu');
    const info2 = await initBackend('wasm');
    expect(info2).toMatchObject({ name: 'wasm', source: 'argument' });
  });

  it('rejects unknown names and says why tensorflow is unavailable', async () => {
    await expect(initBackend('webgl2')).rejects.toThrow("initBackend: name must be one of 'cpu', 'wasm', 'webgpu', 'tensorflow', received \"webgl2\"");
    process.env.TESSERA_BACKEND = 'gpu';
    await expect(initBackend()).rejects.toThrow('TESSERA_BACKEND must be one of');
    await expect(initBackend('tensorflow')).rejects.toThrow("backend 'tensorflow' needs @tensorflow/tfjs-node");
    expect(tf.getBackend()).toBe('wasm'); // unchanged by the failures
  });
});

describe('measurePeak', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });
  it('counts the peak bytes of intermediates exactly', async () => {
    const x = tf.ones([256, 256]); // 256 KiB
    const m = await measurePeak(() =>
      tf.tidy(() => {
        const big = tf.matMul(x, x); // 256 KiB intermediate
        return tf.sum(big); // 4 bytes
      }),
    );
    expect(m.baselineBytes).toBeGreaterThanOrEqual(256 * 256 * 4);
    expect(m.peakNewBytes).toBeGreaterThanOrEqual(256 * 256 * 4);
    expect(m.peakNewBytes).toBeLessThan(3 * 256 * 256 * 4);
    expect(m.newTensors).toBe(1);
    expect(m.newBytes).toBe(4);
    expect((m.result as tf.Tensor).dataSync()[0]).toBe(256 * 256 * 256);
    expect(m.timeMs).toBeGreaterThanOrEqual(0);
    expect(typeof m.rssGrowthBytes).toBe('number');
    tf.dispose([x, m.result as tf.Tensor]);
  });
});
