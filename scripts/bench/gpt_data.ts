/**
 * Training data for the GPT benchmark: the project's own docs (Markdown shipped
 * in the repository) as bytes, each mapped to a token in [0, 96): byte b in
 * 32..127 -> b - 32, anything else -> 0 (space). Batches are random windows
 * drawn with a seeded generator, so every configuration sees the same tokens.
 */
import * as fs from 'fs';
import * as path from 'path';

export const VOCAB = 96;

export function loadCorpus(root: string): Int32Array {
  const dir = path.join(root, 'docs');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.md')).sort();
  const text = Buffer.concat(files.map((f) => fs.readFileSync(path.join(dir, f))));
  const ids = new Int32Array(text.length);
  for (let i = 0; i < text.length; i++) ids[i] = text[i] >= 32 && text[i] <= 127 ? text[i] - 32 : 0;
  return ids;
}

/** Batch `index`: B windows of T+1 tokens (inputs x = first T, targets y = last T), deterministic. */
export function batchAt(corpus: Int32Array, B: number, T: number, index: number): { x: Int32Array; y: Int32Array } {
  const x = new Int32Array(B * T), y = new Int32Array(B * T);
  let s = (index * 2654435761 + 12345) >>> 0;
  for (let b = 0; b < B; b++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const start = s % (corpus.length - T - 1);
    x.set(corpus.subarray(start, start + T), b * T);
    y.set(corpus.subarray(start + 1, start + T + 1), b * T);
  }
  return { x, y };
}
