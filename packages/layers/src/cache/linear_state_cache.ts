/**
 * The decoding state of a layer with `attention: 'linear'` (Katharopoulos et
 * al. 2020, "Transformers are RNNs", sec. 3.4): instead of keys and values it
 * keeps S = sum phi(k_j) v_j^T [B, Hkv, F, Dv] and z = sum phi(k_j) [B, Hkv, F],
 * so memory and time per token are constant in the context length. The same
 * call interface as KVCache: checks first, state replaced only on success.
 */
import * as tf from '@tensorflow/tfjs';
import { linearAttention, linearAttentionPrefill, linearAttentionState, linearAttentionStep } from '@tessera/attention';
import type { LinearAttentionOptions, LinearAttentionState } from '@tessera/attention';
import { assertInteger, fail } from '@tessera/tensor';

export interface LinearStateCacheArgs {
  batchSize: number;
  /** Key/value heads. */
  numHeads: number;
  keyDim: number;
  valueDim: number;
  /** Feature map options of the layer (featureMap, numFeatures, seed, scale, eps). */
  options: LinearAttentionOptions;
}

export class LinearStateCache {
  readonly batchSize: number;
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  private state: LinearAttentionState;
  private seen = 0;
  private disposed = false;
  private readonly options: LinearAttentionOptions;

  constructor(a: LinearStateCacheArgs) {
    for (const n of ['batchSize', 'numHeads', 'keyDim', 'valueDim'] as const) assertInteger(a[n], n, 'LinearStateCache');
    this.batchSize = a.batchSize;
    this.numHeads = a.numHeads;
    this.keyDim = a.keyDim;
    this.valueDim = a.valueDim;
    this.options = a.options;
    const { featureMap, numFeatures } = a.options;
    const s = linearAttentionState({ B: a.batchSize, Hkv: a.numHeads, D: a.keyDim, Dv: a.valueDim, featureMap, numFeatures });
    this.state = { S: tf.keep(s.S), z: tf.keep(s.z) };
  }

  /** Tokens seen so far (the position of the next token). */
  get length(): number {
    return this.seen;
  }

  /** Bytes of the state: constant in the context length. */
  get numBytes(): number {
    return 4 * (this.state.S.size + this.state.z.size);
  }

  checkAppend(batch: number, _n: number, where: string): void {
    if (this.disposed) fail(where, 'cache has been disposed');
    if (batch !== this.batchSize) fail(where, `cache was created for batchSize ${this.batchSize}, received a batch of ${batch}`);
  }

  /**
   * Causal linear attention of new tokens q [B, H, n, D], k, v given the state,
   * and `commit()` storing the state after them.
   */
  stage(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, where: string): { output: tf.Tensor; commit: () => void } {
    this.checkAppend(q.shape[0] as number, q.shape[2] as number, where);
    const { eps, chunkSize, ...mapOptions } = this.options;
    let next: LinearAttentionState;
    let output: tf.Tensor;
    if (this.seen === 0) {
      // Empty state: the batch op for the prompt, and its state in one pass.
      output = linearAttention(q, k, v, { ...this.options, causal: true });
      next = linearAttentionPrefill(k, v, mapOptions);
    } else {
      const n = q.shape[2] as number;
      const outs: tf.Tensor[] = [];
      let s = this.state;
      for (let t = 0; t < n; t++) {
        const at = (x: tf.Tensor): tf.Tensor => tf.slice(x, [0, 0, t, 0], [-1, -1, 1, -1]);
        const r = linearAttentionStep(s, at(q), at(k), at(v), { ...mapOptions, eps });
        if (s !== this.state) tf.dispose([s.S, s.z]);
        outs.push(r.output);
        s = r.state;
      }
      output = outs.length === 1 ? outs[0] : tf.concat(outs, 2);
      next = s;
    }
    void chunkSize;
    const commit = (): void => {
      tf.dispose([this.state.S, this.state.z]);
      this.state = { S: tf.keep(next.S), z: tf.keep(next.z) };
      this.seen += q.shape[2] as number;
    };
    return { output, commit };
  }

  /** Forgets the context (zero state). */
  reset(): void {
    tf.tidy(() => {
      const S = tf.zerosLike(this.state.S);
      const z = tf.zerosLike(this.state.z);
      tf.dispose([this.state.S, this.state.z]);
      this.state = { S: tf.keep(S), z: tf.keep(z) };
    });
    this.seen = 0;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    tf.dispose([this.state.S, this.state.z]);
  }
}
