/**
 * A reusable list of key ranges for one query tile. Tile plans fill it once
 * per tile, so it recycles its KeyRange objects instead of allocating, and
 * merges a range into the previous one when they touch and agree on
 * `partial` (fewer, longer ranges; the tile routine chunks them by Bc anyway).
 */
import type { KeyRange } from './flash_types';

export class RangeList {
  /** items[0..length) are the ranges; objects past `length` are spares. */
  readonly items: KeyRange[] = [];
  length = 0;

  clear(): void {
    this.length = 0;
  }

  /** Appends [start, end) (ignored when empty). */
  push(start: number, end: number, partial: boolean): void {
    if (end <= start) return;
    const last = this.length > 0 ? this.items[this.length - 1] : null;
    if (last !== null && last.end === start && last.partial === partial) {
      last.end = end;
      return;
    }
    if (this.length < this.items.length) {
      const it = this.items[this.length];
      it.start = start;
      it.end = end;
      it.partial = partial;
    } else {
      this.items.push({ start, end, partial });
    }
    this.length++;
  }
}
