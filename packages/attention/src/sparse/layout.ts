/**
 * The compact block layout (CSR): for each (b, h, query block) row, the sorted
 * key blocks to visit and whether each is partial (an element predicate decides
 * inside) or full (every element visible). Memory is O(rows + visited blocks).
 */

/** Row r = (b * H + h) * nQ + qb holds entries rowPtr[r] .. rowPtr[r + 1] of colIdx/partial. */
export interface Layout {
  /** B * H * nQ + 1 offsets. */
  rowPtr: Int32Array;
  /** Key block indices, ascending within a row. */
  colIdx: Int32Array;
  /** 1 = partial block, 0 = full block (parallel to colIdx). */
  partial: Uint8Array;
}

/** Block classes used by builders and plots. */
export const NONE = 0;
export const PARTIAL = 1;
export const FULL = 2;

/** Appends rows in order; arrays grow geometrically, then are trimmed. */
export class LayoutBuilder {
  private rowPtr: Int32Array;
  private col = new Int32Array(64);
  private part = new Uint8Array(64);
  private n = 0;
  private row = 0;

  constructor(rows: number) {
    this.rowPtr = new Int32Array(rows + 1);
  }

  /** Adds key block `kb` to the current row; callers add blocks in ascending order. */
  push(kb: number, partial: boolean): void {
    if (this.n === this.col.length) {
      const c = new Int32Array(this.n * 2);
      c.set(this.col);
      this.col = c;
      const p = new Uint8Array(this.n * 2);
      p.set(this.part);
      this.part = p;
    }
    this.col[this.n] = kb;
    this.part[this.n] = partial ? 1 : 0;
    this.n++;
  }

  /** Closes the current row. */
  endRow(): void {
    this.row++;
    this.rowPtr[this.row] = this.n;
  }

  finish(): Layout {
    if (this.row !== this.rowPtr.length - 1) throw new Error(`LayoutBuilder: ${this.row} rows written, ${this.rowPtr.length - 1} expected`);
    return { rowPtr: this.rowPtr, colIdx: this.col.slice(0, this.n), partial: this.part.slice(0, this.n) };
  }
}
