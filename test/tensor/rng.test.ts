import * as tf from '@tensorflow/tfjs-core';
import { Rng, randomNormal, randomTruncatedNormal, randomUniform } from '@tessera/tensor';
import { describeEachBackend } from '../helpers/backends';

describe('Rng', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(sa);
    // Seeds beyond 32 bits are distinguished.
    expect(new Rng(1).nextUint32()).not.toBe(new Rng(2 ** 32 + 1).nextUint32());
  });

  it('pins the stream (a change would break reproducibility of seeded runs)', () => {
    const r = new Rng(0);
    const first = Array.from({ length: 3 }, () => r.nextUint32());
    const again = new Rng(0);
    expect(Array.from({ length: 3 }, () => again.nextUint32())).toEqual(first);
    expect(first.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32)).toBe(true);
  });

  it('uniform and normal have the right moments', () => {
    const r = new Rng(7);
    const n = 200000;
    let su = 0;
    let sn = 0;
    let sn2 = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      su += u;
      const z = r.normal();
      sn += z;
      sn2 += z * z;
    }
    expect(Math.abs(su / n - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(sn / n)).toBeLessThan(0.01);
    expect(Math.abs(sn2 / n - 1)).toBeLessThan(0.02);
  });

  it('int, shuffle, truncated normal, fork', () => {
    const r = new Rng(3);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[r.int(3)]++;
    counts.forEach((c) => expect(c).toBeGreaterThan(900));
    const perm = r.shuffle([0, 1, 2, 3, 4, 5]);
    expect([...perm].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const t = r.fillTruncatedNormal(new Float64Array(10000));
    expect(Math.max(...Array.from(t).map(Math.abs))).toBeLessThanOrEqual(2);
    const f1 = new Rng(9).fork().uniform();
    expect(new Rng(9).fork().uniform()).toBe(f1);
    expect(() => new Rng(1.5)).toThrow('Rng: seed must be a safe integer, received 1.5');
    expect(() => r.int(0)).toThrow('Rng.int: n must be an integer >= 1, received 0');
  });
});

const seen: Record<string, number[]> = {};
describeEachBackend('seeded tensors', (backend) => {
  it('are identical on every backend', () => {
    const u = randomUniform([3, 4], 11, -1, 1);
    const n = randomNormal([5], 12, 2, 3);
    const t = randomTruncatedNormal([6], 13, 0, 0.02);
    const vals = [...Array.from(u.dataSync()), ...Array.from(n.dataSync()), ...Array.from(t.dataSync())];
    expect(u.shape).toEqual([3, 4]);
    expect(Math.max(...Array.from(u.dataSync()))).toBeLessThan(1);
    if (seen.first) expect(vals).toEqual(seen.first);
    else seen.first = vals;
    seen[backend] = vals;
    tf.dispose([u, n, t]);
    expect(() => randomUniform([2, -1], 1)).toThrow('randomUniform: shape[1] must be an integer >= 0, received -1');
  });
});
