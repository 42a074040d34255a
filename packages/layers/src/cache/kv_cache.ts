/**
 * Key/value cache for incremental decoding, so each new token costs O(context)
 * (one pass over the cached keys) instead of recomputing O(context^2) attention.
 *
 * Two layouts:
 *  - full (default): buffers [B, Hkv, length, D] in position order, up to
 *    capacity = maxLength. An append keeps the concatenation that attention
 *    needs anyway (old ++ new) as the new buffer: one copy per token, where
 *    padding a preallocated [B, Hkv, capacity, D] buffer cost three.
 *  - rolling (`window: W`): Mistral's rolling buffer (Jiang et al. 2023,
 *    "Mistral 7B") for sliding-window attention: position p lives in slot p % W
 *    and only the last W positions are kept, so memory is O(W) for any length.
 *
 * Keys are cached after RoPE, so rotated positions stay valid; ALiBi and masks
 * use bottom-right alignment, which is exactly "the new queries are the last
 * positions". Every check runs before any state changes: an error leaves the
 * cache as it was.
 */
import * as tf from '@tensorflow/tfjs';
import { assertInteger, fail, formatShape } from '@tessera/tensor';

export interface KVCacheArgs {
  batchSize: number;
  /** Key/value heads (numKeyValueHeads of the layer). */
  numHeads: number;
  keyDim: number;
  valueDim: number;
  /** Positions the cache can hold (full layout), or the window W kept (rolling layout). */
  capacity: number;
  /** Rolling window layout: keep only the last `capacity` positions. Default false. */
  rolling?: boolean;
}

export class KVCache {
  readonly batchSize: number;
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly capacity: number;
  readonly rolling: boolean;
  private k: tf.Tensor;
  private v: tf.Tensor;
  private seen = 0;
  private disposed = false;

  constructor(a: KVCacheArgs) {
    const where = 'KVCache';
    for (const n of ['batchSize', 'numHeads', 'keyDim', 'valueDim', 'capacity'] as const) assertInteger(a[n], n, where);
    this.batchSize = a.batchSize;
    this.numHeads = a.numHeads;
    this.keyDim = a.keyDim;
    this.valueDim = a.valueDim;
    this.capacity = a.capacity;
    this.rolling = a.rolling ?? false;
    const slots = this.rolling ? a.capacity : 0;
    this.k = tf.keep(tf.zeros([a.batchSize, a.numHeads, slots, a.keyDim]));
    this.v = tf.keep(tf.zeros([a.batchSize, a.numHeads, slots, a.valueDim]));
  }

  /** Tokens appended so far (the position of the next token). */
  get length(): number {
    return this.seen;
  }

  /** Positions currently held: min(length, capacity). */
  get stored(): number {
    return Math.min(this.seen, this.capacity);
  }

  /** Throws (changing nothing) unless `n` tokens of batch size `batch` can be appended. */
  checkAppend(batch: number, n: number, where: string): void {
    if (this.disposed) fail(where, 'cache has been disposed');
    if (batch !== this.batchSize) fail(where, `cache was created for batchSize ${this.batchSize}, received a batch of ${batch}`);
    if (!this.rolling && this.seen + n > this.capacity) {
      fail(where, `cache is full: appending ${n} token(s) at position ${this.seen} exceeds its capacity (maxLength) ${this.capacity}`);
    }
  }

  /** The cached keys and values in position order: [B, Hkv, stored, D] (new tensors). */
  read(): { k: tf.Tensor; v: tf.Tensor } {
    return tf.tidy(() => ({ k: this.ordered(this.k), v: this.ordered(this.v) }));
  }

  private ordered(buf: tf.Tensor): tf.Tensor {
    const [B, H, C, D] = buf.shape;
    const S = this.stored;
    if (!this.rolling || this.seen <= C) return C === S ? tf.clone(buf) : tf.slice(buf, [0, 0, 0, 0], [B, H, S, D]);
    // Oldest kept position seen - C sits in slot (seen - C) % C = seen % C.
    const s = this.seen % C;
    return tf.concat([tf.slice(buf, [0, 0, s, 0], [B, H, C - s, D]), tf.slice(buf, [0, 0, 0, 0], [B, H, s, D])], 2);
  }

  /**
   * Stages new keys [B, Hkv, n, D] and values [B, Hkv, n, Dv]: returns the keys
   * and values to attend to, in position order (the kept context followed by the
   * new ones, [B, Hkv, stored + n, D]), and `commit()`, which stores them. Nothing
   * changes until `commit()`, so a call that fails midway leaves the cache as it was.
   */
  stage(kNew: tf.Tensor, vNew: tf.Tensor, where: string): { k: tf.Tensor; v: tf.Tensor; commit: () => void } {
    const [B, H, n, D] = kNew.shape;
    this.checkAppend(B, n, where);
    if (H !== this.numHeads || D !== this.keyDim || vNew.shape[3] !== this.valueDim || vNew.shape[2] !== n) {
      fail(where, `cache holds [B, ${this.numHeads}, *, ${this.keyDim}] keys and [B, ${this.numHeads}, *, ${this.valueDim}] values, received ${formatShape(kNew.shape)} and ${formatShape(vNew.shape)}`);
    }
    const out = tf.tidy(() => {
      // Full layout: the buffers are the stored positions in order already.
      const old = this.rolling ? this.read() : { k: this.k, v: this.v };
      // [B, H, stored, D] ++ [B, H, n, D] -> [B, H, stored + n, D]
      return { k: tf.concat([old.k, kNew], 2), v: tf.concat([old.v, vNew], 2) };
    });
    const commit = (): void => {
      // Full layout: the concatenation becomes the cache (kept past the caller's tidy).
      const next = this.rolling ? tf.tidy(() => ({ k: this.store(out.k, n), v: this.store(out.v, n) })) : { k: out.k, v: out.v };
      this.k.dispose();
      this.v.dispose();
      this.k = tf.keep(next.k);
      this.v = tf.keep(next.v);
      this.seen += n;
    };
    return { ...out, commit };
  }

  /** Rolling layout: new buffer holding positions (seen - stored) .. seen + n - 1 given them in order as `all`. */
  private store(all: tf.Tensor, n: number): tf.Tensor {
    const [B, H, S, D] = all.shape;
    const C = this.capacity;
    const total = this.seen + n; // positions after the append
    if (!this.rolling || total <= C) {
      // Slots 0 .. total-1 hold positions 0 .. total-1; pad the rest of the buffer.
      const keep = tf.slice(all, [0, 0, S - Math.min(total, C), 0], [B, H, Math.min(total, C), D]);
      return total >= C ? keep : tf.concat([keep, tf.zeros([B, H, C - total, D])], 2);
    }
    // Last C positions p0 .. total-1; position p goes to slot p % C.
    const last = tf.slice(all, [0, 0, S - C, 0], [B, H, C, D]);
    const s = (total - C) % C; // slot of p0
    if (s === 0) return last;
    // last[C - s] is position p0 + C - s, whose slot is 0.
    return tf.concat([tf.slice(last, [0, 0, C - s, 0], [B, H, s, D]), tf.slice(last, [0, 0, 0, 0], [B, H, C - s, D])], 2);
  }

  /** Forgets every position (a rolling cache keeps its buffers allocated). */
  reset(): void {
    this.seen = 0;
    if (this.rolling || this.disposed) return;
    this.k.dispose();
    this.v.dispose();
    this.k = tf.keep(tf.zeros([this.batchSize, this.numHeads, 0, this.keyDim]));
    this.v = tf.keep(tf.zeros([this.batchSize, this.numHeads, 0, this.valueDim]));
  }

  /** Bytes held: the W slots of a rolling cache, the stored positions of a full one. */
  get numBytes(): number {
    return 4 * (this.k.size + this.v.size);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.k.dispose();
    this.v.dispose();
  }
}
