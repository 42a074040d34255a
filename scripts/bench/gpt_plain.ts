/**
 * The benchmark GPT written the obvious way in plain tfjs (no Tessera): weights
 * as tf.variables, embeddings as one-hot matMuls (tf.gather cannot train on
 * wasm: its gradient needs UnsortedSegmentSum), attention with the full score
 * matrix, composed layer norm and tanh GELU. The baseline of the `gpt` suite.
 */
import * as tf from '@tensorflow/tfjs';

export interface GptShape {
  V: number;
  T: number;
  d: number;
  L: number;
  H: number;
  ff: number;
}

export class PlainGpt {
  readonly vars: tf.Variable[] = [];
  private readonly w: Record<string, tf.Variable> = {};
  constructor(readonly s: GptShape) {
    const v = (name: string, shape: number[], init: 'normal' | 'ones' | 'zeros') => {
      const t = init === 'normal' ? tf.randomNormal(shape, 0, 0.02, 'float32', 7) : init === 'ones' ? tf.ones(shape) : tf.zeros(shape);
      this.w[name] = tf.variable(t, true, name);
      this.vars.push(this.w[name]);
    };
    v('tok', [s.V, s.d], 'normal');
    v('pos', [s.T, s.d], 'normal');
    for (let l = 0; l < s.L; l++) {
      for (const n of ['ln1', 'ln2']) v(`${n}g${l}`, [s.d], 'ones'), v(`${n}b${l}`, [s.d], 'zeros');
      v(`qkv${l}`, [s.d, 3 * s.d], 'normal'), v(`qkvb${l}`, [3 * s.d], 'zeros');
      v(`o${l}`, [s.d, s.d], 'normal'), v(`ob${l}`, [s.d], 'zeros');
      v(`f1${l}`, [s.d, s.ff], 'normal'), v(`f1b${l}`, [s.ff], 'zeros');
      v(`f2${l}`, [s.ff, s.d], 'normal'), v(`f2b${l}`, [s.d], 'zeros');
    }
    v('lnfg', [s.d], 'ones'), v('lnfb', [s.d], 'zeros');
    v('head', [s.d, s.V], 'normal'), v('headb', [s.V], 'zeros');
  }

  private ln(x: tf.Tensor, g: string, b: string): tf.Tensor {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), this.w[g]), this.w[b]);
  }

  private dense(x: tf.Tensor2D, k: string, b: string): tf.Tensor2D {
    return tf.add(tf.matMul(x, this.w[k] as tf.Tensor2D), this.w[b]);
  }

  /** logits [B*T, V] of tokens [B, T]. */
  logits(tokens: tf.Tensor2D): tf.Tensor2D {
    const { d, H, V } = this.s;
    const [B, T] = tokens.shape;
    const Dh = d / H;
    // [B, T] -> [B*T, V] one-hot -> [B*T, d]
    let x: tf.Tensor2D = tf.add(tf.matMul(tf.oneHot(tf.reshape(tokens, [-1]), V), this.w.tok as tf.Tensor2D), tf.tile(tf.slice(this.w.pos, [0, 0], [T, d]), [B, 1]));
    const mask = tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([T, T]), -1, 0)), -1e9);  // [T, T], -1e9 above the diagonal
    for (let l = 0; l < this.s.L; l++) {
      const h = this.ln(x, `ln1g${l}`, `ln1b${l}`) as tf.Tensor2D;
      const qkv = this.dense(h, `qkv${l}`, `qkvb${l}`);
      // [B*T, 3d] -> [B, T, 3, H, Dh] -> [3, B, H, T, Dh]
      const p = tf.transpose(tf.reshape(qkv, [B, T, 3, H, Dh]), [2, 0, 3, 1, 4]);
      const [q, k, v] = tf.unstack(p);
      const s = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(Dh)), mask);
      // [B, H, T, Dh] -> [B, T, H, Dh] -> [B*T, d]
      const a = tf.reshape(tf.transpose(tf.matMul(tf.softmax(s), v), [0, 2, 1, 3]), [B * T, d]) as tf.Tensor2D;
      x = tf.add(x, this.dense(a, `o${l}`, `ob${l}`));
      const f = this.dense(this.ln(x, `ln2g${l}`, `ln2b${l}`) as tf.Tensor2D, `f1${l}`, `f1b${l}`);
      const g = tf.mul(tf.mul(f, 0.5), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(f, tf.mul(0.044715, tf.pow(f, 3)))))));
      x = tf.add(x, this.dense(g as tf.Tensor2D, `f2${l}`, `f2b${l}`));
    }
    return this.dense(this.ln(x, 'lnfg', 'lnfb') as tf.Tensor2D, 'head', 'headb');
  }
}
