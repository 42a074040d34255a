/**
 * BigBird's block-sparse pattern, ITC variant (Zaheer et al. 2020, "Big Bird:
 * Transformers for Longer Sequences", section 2 and appendix D): positions are
 * cut into blocks of `blockSize`; a query in position block p attends
 *
 *  - window: key blocks p - (windowBlocks-1)/2 .. p + (windowBlocks-1)/2;
 *  - global: the first `globalBlocks` blocks (internal transformer construction:
 *    existing tokens made global), which also attend to every block;
 *  - random: `randomBlocks` further key blocks per position block, drawn
 *    without replacement from those not already visited, with a seeded Rng
 *    (the same seed gives the same pattern on every backend and machine).
 *
 * The pattern is defined on positions (bottom-right alignment: query i is at
 * position i + Tk - Tq, which needs Tq <= Tk); when Tk - Tq is not a multiple
 * of blockSize a query block straddles two position blocks and the key blocks
 * only one of them visits are partial. The layout is shared by all batches and
 * heads (B = H = 1).
 */
import { assertInteger, assertKnownOptions, fail, formatValue, Rng } from '@tessera/tensor';
import { BlockMask } from './block_mask';
import { LayoutBuilder } from './layout';
import { BlockMaskShape, resolveShape } from './shape';

/** Configuration of {@link bigBird}; the paper's base model uses 3 window, 2 global, 3 random blocks of 64. */
export interface BigBirdConfig {
  /** Odd number of window blocks centred on the query's block (>= 1). */
  windowBlocks: number;
  /** Number of leading global blocks (>= 0). */
  globalBlocks: number;
  /** Random key blocks per query block (>= 0). */
  randomBlocks: number;
  /** Seed of the random blocks (a safe integer). */
  seed: number;
}

/** Sorted key blocks of each position block (rows over the Tk axis). */
function positionRows(cfg: BigBirdConfig, nK: number): Int32Array[] {
  const rng = new Rng(cfg.seed);
  const half = (cfg.windowBlocks - 1) / 2;
  const g = Math.min(cfg.globalBlocks, nK);
  const rows: Int32Array[] = [];
  const seen = new Uint8Array(nK);
  for (let p = 0; p < nK; p++) {
    if (p < g) {
      rows.push(Int32Array.from({ length: nK }, (_, kb) => kb));
      continue;
    }
    seen.fill(0);
    for (let kb = 0; kb < g; kb++) seen[kb] = 1;
    for (let kb = Math.max(0, p - half); kb <= Math.min(nK - 1, p + half); kb++) seen[kb] = 1;
    const candidates: number[] = [];
    for (let kb = 0; kb < nK; kb++) if (!seen[kb]) candidates.push(kb);
    // Partial Fisher-Yates: the first r entries are a uniform r-subset.
    const r = Math.min(cfg.randomBlocks, candidates.length);
    for (let t = 0; t < r; t++) {
      const u = t + rng.int(candidates.length - t);
      [candidates[t], candidates[u]] = [candidates[u], candidates[t]];
      seen[candidates[t]] = 1;
    }
    const row: number[] = [];
    for (let kb = 0; kb < nK; kb++) if (seen[kb]) row.push(kb);
    rows.push(Int32Array.from(row));
  }
  return rows;
}

function contains(row: Int32Array, kb: number): boolean {
  let lo = 0;
  let hi = row.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (row[mid] === kb) return true;
    if (row[mid] < kb) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/**
 * @param config `{windowBlocks, globalBlocks, randomBlocks, seed}`.
 * @param shape `{Tq, Tk = Tq, blockSize = 64}` with Tq <= Tk.
 * @example
 * const mask = bigBird({ windowBlocks: 3, globalBlocks: 2, randomBlocks: 2, seed: 0 }, { Tq: 4096, blockSize: 64 });
 */
export function bigBird(config: BigBirdConfig, shape: BlockMaskShape): BlockMask {
  const where = 'bigBird';
  if (typeof config !== 'object' || config === null) fail(where, `config must be {windowBlocks, globalBlocks, randomBlocks, seed}, received ${formatValue(config)}`);
  assertKnownOptions(config, ['windowBlocks', 'globalBlocks', 'randomBlocks', 'seed'], 'config', where);
  assertInteger(config.windowBlocks, 'config.windowBlocks', where, 1);
  if (config.windowBlocks % 2 !== 1) fail(where, `config.windowBlocks must be odd (the query's block and (windowBlocks-1)/2 on each side), received ${formatValue(config.windowBlocks)}`);
  assertInteger(config.globalBlocks, 'config.globalBlocks', where, 0);
  assertInteger(config.randomBlocks, 'config.randomBlocks', where, 0);
  if (typeof config.seed !== 'number' || !Number.isSafeInteger(config.seed)) fail(where, `config.seed must be a safe integer, received ${formatValue(config.seed)}`);
  const s = resolveShape(shape, where);
  const { Tq, blockSize: bs, nQ, nK, shift } = s;
  if (shift < 0) fail(where, `needs Tq <= Tk (queries are the last Tq of the Tk positions), received Tq=${Tq}, Tk=${s.Tk}`);
  const rows = positionRows(config, nK);
  const out = new LayoutBuilder(nQ);
  for (let qb = 0; qb < nQ; qb++) {
    const pa = Math.floor((qb * bs + shift) / bs);
    const pb = Math.floor((Math.min(Tq, qb * bs + bs) - 1 + shift) / bs);
    if (pa === pb) {
      for (const kb of rows[pa]) out.push(kb, false);
    } else {
      // Merge the two sorted rows: in both -> full, in one -> partial.
      const a = rows[pa];
      const b = rows[pb];
      let x = 0;
      let y = 0;
      while (x < a.length || y < b.length) {
        if (y >= b.length || (x < a.length && a[x] < b[y])) out.push(a[x++], true);
        else if (x >= a.length || b[y] < a[x]) out.push(b[y++], true);
        else {
          out.push(a[x], false);
          x++;
          y++;
        }
      }
    }
    out.endRow();
  }
  let aux = 0;
  for (const r of rows) aux += r.byteLength;
  return BlockMask.create({
    B: 1,
    H: 1,
    shape: s,
    layout: out.finish(),
    predicate: (_b, _h, i, j) => contains(rows[Math.floor((i + shift) / bs)], Math.floor(j / bs)),
    description: `bigBird(window=${config.windowBlocks}, global=${config.globalBlocks}, random=${config.randomBlocks}, seed=${config.seed})`,
    auxBytes: aux,
  });
}
