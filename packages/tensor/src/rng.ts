/**
 * A seeded random number generator, deterministic across runs, platforms and
 * tfjs backends: numbers are produced on the host in JavaScript (xoshiro128**
 * seeded through splitmix32, all 32-bit integer arithmetic via Math.imul) and
 * only then uploaded, so `cpu`, `wasm` and `webgpu` see identical values.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, fail } from './checks';
import { formatValue } from './format';

function splitmix32(state: number): [number, number] {
  state = (state + 0x9e3779b9) | 0;
  let z = state;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [state, (z ^ (z >>> 16)) >>> 0];
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * Seeded generator.
 * @example
 * const rng = new Rng(42);
 * rng.uniform();   // same number on every run and machine
 * rng.normal();    // standard normal (Box-Muller)
 */
export class Rng {
  private s = new Uint32Array(4);
  private spare: number | null = null;

  /** @param seed any safe integer; equal seeds give equal streams. */
  constructor(readonly seed: number) {
    if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) fail('Rng', `seed must be a safe integer, received ${formatValue(seed)}`);
    // Mix both 32-bit halves of the seed so 1 and 2**32 + 1 differ.
    let st = (seed % 0x100000000) | 0;
    st ^= Math.floor(seed / 0x100000000) | 0;
    for (let i = 0; i < 4; i++) {
      const [next, out] = splitmix32(st);
      st = next;
      this.s[i] = out;
    }
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  /** Next uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of randomness. */
  uniform(): number {
    return this.nextUint32() / 0x100000000;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    assertInteger(n, 'n', 'Rng.int');
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal sample (Box-Muller, caching the second value). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** An independent generator derived from this one (advances this stream by one draw). */
  fork(): Rng {
    return new Rng(this.nextUint32() * 0x200000 + (this.nextUint32() >>> 11));
  }

  /** Fisher-Yates shuffle in place; returns the array. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }

  /** Fills `out` with uniform values in [min, max). */
  fillUniform(out: Float32Array | Float64Array, min = 0, max = 1): typeof out {
    for (let i = 0; i < out.length; i++) out[i] = min + (max - min) * this.uniform();
    return out;
  }

  /** Fills `out` with normal values N(mean, stddev^2). */
  fillNormal(out: Float32Array | Float64Array, mean = 0, stddev = 1): typeof out {
    for (let i = 0; i < out.length; i++) out[i] = mean + stddev * this.normal();
    return out;
  }

  /** Fills `out` with normal values truncated to two standard deviations (resampled), as Keras' TruncatedNormal. */
  fillTruncatedNormal(out: Float32Array | Float64Array, mean = 0, stddev = 1): typeof out {
    for (let i = 0; i < out.length; i++) {
      let z = this.normal();
      while (Math.abs(z) > 2) z = this.normal();
      out[i] = mean + stddev * z;
    }
    return out;
  }
}

function sizeOf(shape: readonly number[], where: string): number {
  if (!Array.isArray(shape)) fail(where, `shape must be an array of non-negative integers, received ${formatValue(shape)}`);
  shape.forEach((d, i) => assertInteger(d, `shape[${i}]`, where, 0));
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * A float32 tensor of uniform values in [min, max), identical on every backend for a given seed.
 * @example randomUniform([2, 3], 7, -1, 1);
 */
export function randomUniform(shape: number[], seed: number, min = 0, max = 1): tf.Tensor {
  const data = new Rng(seed).fillUniform(new Float32Array(sizeOf(shape, 'randomUniform')), min, max);
  return tf.tensor(data, shape, 'float32');
}

/**
 * A float32 tensor of N(mean, stddev^2) values, identical on every backend for a given seed.
 * @example randomNormal([4, 64], 1); // e.g. FAVOR+ projection rows
 */
export function randomNormal(shape: number[], seed: number, mean = 0, stddev = 1): tf.Tensor {
  const data = new Rng(seed).fillNormal(new Float32Array(sizeOf(shape, 'randomNormal')), mean, stddev);
  return tf.tensor(data, shape, 'float32');
}

/**
 * A float32 tensor of truncated normal values (|z| <= 2), identical on every backend for a given seed.
 * @example randomTruncatedNormal([256, 256], 3, 0, 0.02); // a GPT-style initialiser
 */
export function randomTruncatedNormal(shape: number[], seed: number, mean = 0, stddev = 1): tf.Tensor {
  const data = new Rng(seed).fillTruncatedNormal(new Float32Array(sizeOf(shape, 'randomTruncatedNormal')), mean, stddev);
  return tf.tensor(data, shape, 'float32');
}
