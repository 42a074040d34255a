/**
 * Gpt.generate's fast path in Node: each token is one native call
 * (@tessera/native's gptDecodeStep) instead of ~240 tfjs kernels, whose
 * per-op overhead made cached decoding slower than recomputation. The
 * weights are viewed in place (wasm heap / cpu arrays); the KV caches are plain
 * Float32Arrays [B, Hkv, capacity, D] written in place (one slot per token,
 * no copy of the cache). Same math as the layers' path (pre-LN blocks,
 * learned positions, causal attention with the default or configured scale);
 * any configuration it does not cover (RoPE, ALiBi, windows, softcap,
 * sparse/linear attention, post-LN, rolling caches) returns null and the
 * caller uses the layers' tfjs path.
 */
import * as tf from '@tensorflow/tfjs';
import { fusedOps, NativeDecodeDims } from '../core/native_ops';
import type { Gpt } from './gpt';

interface HostBackend {
  typedArrayFromHeap?: (t: tf.TensorInfo) => Float32Array;
  data?: { get(dataId: object): { values?: unknown } | undefined };
}

/**
 * The float32 data of a weight without copying where the backend allows: a view
 * of the wasm heap (valid while nothing allocates on it: generate() runs no tfjs
 * op between create() and the last step) or the cpu backend's own array.
 */
function read(v: tf.LayerVariable | undefined): Float32Array | null {
  if (!v) return null;
  const t = v.read();
  if (t.dtype !== 'float32') return null;
  const b = tf.backend() as unknown as HostBackend;
  try {
    if (tf.getBackend() === 'wasm' && typeof b.typedArrayFromHeap === 'function') return b.typedArrayFromHeap(t);
    const own = tf.getBackend() === 'cpu' ? b.data?.get(t.dataId)?.values : undefined;
    if (own instanceof Float32Array) return own;
  } catch {
    // another backend's tensor: copy below
  }
  return t.dataSync() as Float32Array;
}

/** The weight of `layer` whose name ends with `/suffix`. */
function weight(layer: tf.layers.Layer, suffix: string): tf.LayerVariable | undefined {
  return layer.weights.find((w) => w.name.endsWith('/' + suffix));
}

type StepFn = (arrays: (Float32Array | null)[], tokens: Int32Array, logits: Float32Array, dims: NativeDecodeDims) => void;

export class NativeGptDecoder {
  private position = 0;
  private readonly logits: Float32Array;

  private constructor(
    private readonly step: StepFn,
    private readonly arrays: (Float32Array | null)[],
    private readonly dims: NativeDecodeDims,
  ) {
    this.logits = new Float32Array(dims.batch * dims.vocabularySize);
  }

  /** A decoder for `gpt` with caches of `capacity` positions, or null when the fast path does not apply. */
  static create(gpt: Gpt, batch: number, capacity: number): NativeGptDecoder | null {
    const f = fusedOps();
    if (!f || !f.gptDecodeStep || !f.gptDecodeAvailable?.()) return null;
    if ((gpt.args.positional ?? 'none') !== 'none') return null;
    const b0 = gpt.blocks[0].settings;
    for (const b of gpt.blocks) {
      const s = b.settings;
      const o = s.attentionOptions;
      if (!s.normalizeFirst || s.positional !== 'none' || !['auto', 'flash', 'reference'].includes(s.attention)) return null;
      if (o.window !== undefined || o.softcap !== undefined || s.activation !== b0.activation || s.layerNormEpsilon !== b0.layerNormEpsilon || s.attentionOptions.scale !== b0.attentionOptions.scale) return null;
    }
    const norm = gpt.norm.getConfig() as { axis?: number | number[]; center?: boolean; scale?: boolean; epsilon?: number };
    const head = gpt.head.getConfig() as { activation?: string };
    // The final norm acts on [B, T, d]: its axis is -1, or 2 once built.
    const axis = Array.isArray(norm.axis) && norm.axis.length === 1 ? norm.axis[0] : norm.axis;
    if ((axis !== -1 && axis !== 2) || norm.center === false || norm.scale === false || head.activation !== 'linear') return null;
    const tok = gpt.embedding.tokenEmbeddings;
    const [V, d] = tok.shape as number[];
    const q = weight(gpt.blocks[0], 'self_attention/query/kernel');
    const k = weight(gpt.blocks[0], 'self_attention/key/kernel');
    const v = weight(gpt.blocks[0], 'self_attention/value/kernel');
    const ff = weight(gpt.blocks[0], 'feedforward_intermediate_dense/kernel');
    if (!q || !k || !v || !ff) return null;
    const [, H, D] = q.shape as number[];
    const [, Hkv] = k.shape as number[];
    const Dv = v.shape[2] as number;
    const pos = gpt.embedding.positional ? weight(gpt.embedding, 'position_embedding/embeddings') : undefined;
    const [nGamma, nBeta] = gpt.norm.weights;
    const headW = weight(gpt.head, 'kernel'), headB = weight(gpt.head, 'bias');
    const arrays: (Float32Array | null)[] = [read(tok), read(pos), read(nGamma), read(nBeta), read(headW), read(headB)];
    const names = ['self_attention_layer_norm/gamma', 'self_attention_layer_norm/beta', 'self_attention/query/kernel', 'self_attention/query/bias', 'self_attention/key/kernel', 'self_attention/key/bias',
      'self_attention/value/kernel', 'self_attention/value/bias', 'self_attention/attention_output/kernel', 'self_attention/attention_output/bias', 'feedforward_layer_norm/gamma', 'feedforward_layer_norm/beta',
      'feedforward_intermediate_dense/kernel', 'feedforward_intermediate_dense/bias', 'feedforward_output_dense/kernel', 'feedforward_output_dense/bias'];
    const optional = new Set([3, 5, 7, 9, 13, 15]);
    for (const b of gpt.blocks) {
      for (let i = 0; i < names.length; i++) {
        const w = weight(b, names[i]);
        const a = read(w);
        if (!a && (w || !optional.has(i))) return null;  // a missing required weight, or not float32
        arrays.push(a);
      }
      arrays.push(new Float32Array(batch * Hkv * capacity * D), new Float32Array(batch * Hkv * capacity * Dv));
    }
    if (arrays[0] === null || (gpt.embedding.positional && arrays[1] === null) || arrays.slice(2, 5).some((a) => a === null)) return null;
    const dims: NativeDecodeDims = {
      batch, hidden: d, numHeads: H, numKeyValueHeads: Hkv, keyDim: D, valueDim: Dv, intermediateDim: ff.shape[1] as number, numLayers: gpt.blocks.length, vocabularySize: V,
      capacity, position: 0, activation: b0.activation, epsilon: b0.layerNormEpsilon, finalEpsilon: norm.epsilon ?? 1e-3,
      scale: b0.attentionOptions.scale ?? 1 / Math.sqrt(D), positionRows: pos ? (pos.shape[0] as number) : 0,
    };
    return new NativeGptDecoder(f.gptDecodeStep, arrays, dims);
  }

  /** Feeds one token per batch row; returns the logits [B, V] of the next token (a view, valid until the next call). */
  next(tokens: number[]): Float32Array {
    this.step(this.arrays, Int32Array.from(tokens), this.logits, { ...this.dims, position: this.position });
    this.position++;
    return this.logits;
  }
}
