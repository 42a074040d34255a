/**
 * Character-level data: the text shipped in data/ (Ambrose Bierce, "The
 * Devil's Dictionary", 1911, public domain), a vocabulary of its distinct
 * characters, and seeded random training windows.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@tessera/tensor';

export const TEXT_PATH = path.join(__dirname, '..', 'data', 'devils-dictionary.txt');

export class CharData {
  readonly chars: string[];
  readonly ids: Int32Array;
  private readonly index = new Map<string, number>();

  constructor(readonly text: string) {
    this.chars = [...new Set(text)].sort();
    this.chars.forEach((c, i) => this.index.set(c, i));
    this.ids = Int32Array.from(text, (c) => this.index.get(c) as number);
  }

  static load(file = TEXT_PATH): CharData {
    return new CharData(fs.readFileSync(file, 'utf8'));
  }

  get vocabularySize(): number {
    return this.chars.length;
  }

  encode(s: string): number[] {
    return [...s].map((c) => {
      const id = this.index.get(c);
      if (id === undefined) throw new Error(`tiny-gpt: character ${JSON.stringify(c)} is not in the training text's vocabulary`);
      return id;
    });
  }

  decode(ids: number[]): string {
    return ids.map((i) => this.chars[i]).join('');
  }

  /** `batchSize` windows of T+1 characters: inputs [B, T] and next-character targets [B, T] (int32). */
  batch(batchSize: number, T: number, rng: Rng): { x: tf.Tensor2D; y: tf.Tensor2D } {
    const x = new Int32Array(batchSize * T);
    const y = new Int32Array(batchSize * T);
    for (let b = 0; b < batchSize; b++) {
      const start = rng.int(this.ids.length - T - 1);
      x.set(this.ids.subarray(start, start + T), b * T);
      y.set(this.ids.subarray(start + 1, start + T + 1), b * T);
    }
    return { x: tf.tensor2d(x, [batchSize, T], 'int32'), y: tf.tensor2d(y, [batchSize, T], 'int32') };
  }
}
