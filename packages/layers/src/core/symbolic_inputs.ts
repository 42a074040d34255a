/**
 * Symbolic (functional-API) input lists as tfjs-layers' graph executor needs
 * them. The executor behind model.predict / evaluate / fit's validation pass
 * counts the consumers of a SymbolicTensor once per consuming layer call, but
 * decrements that count once per listing, and disposes a tensor when it reaches
 * zero. A tensor listed twice in one call (Keras's `mha(x, x)`) is therefore
 * disposed right after that call, while a later layer (a residual add) still
 * needs it: "Tensor is disposed". Model inputs are never disposed that way (they
 * are the caller's feeds), so only repeats of other tensors are a problem.
 */
import * as tf from '@tensorflow/tfjs';
import { fail } from '@tessera/tensor';

type LayerInputs = Parameters<tf.layers.Layer['apply']>[0];

/** True for a non-empty list of symbolic tensors (a functional-API call). */
export function isSymbolicList(x: LayerInputs): x is tf.SymbolicTensor[] {
  return Array.isArray(x) && x.length > 0 && x.every((t) => t instanceof tf.SymbolicTensor);
}

function isModelInput(t: tf.SymbolicTensor): boolean {
  return t.sourceLayer?.getClassName() === 'InputLayer';
}

/**
 * Throws when a symbolic tensor that is not a model input appears twice in
 * `list` (the positions are named by `names`).
 */
export function rejectRepeatedSymbolic(list: tf.SymbolicTensor[], names: readonly string[], where: string): void {
  for (let i = 0; i < list.length; i++)
    for (let j = i + 1; j < list.length; j++) {
      if (list[i] !== list[j] || isModelInput(list[i])) continue;
      fail(
        where,
        `${names[i] ?? `input ${i}`} and ${names[j] ?? `input ${j}`} are the same symbolic tensor ${JSON.stringify(list[i].name)}: ` +
          "tfjs-layers' predict/evaluate would dispose it after this layer while later layers may still need it (\"Tensor is disposed\"). " +
          'Pass a copy as one of them, e.g. tf.layers.reshape({ targetShape: shape.slice(1) }).apply(x)',
      );
    }
}

/**
 * MultiHeadAttention's [query, value, key?, attentionMask?] without the repeats
 * that its defaults already express (key defaults to value, value to query), so
 * `[x, x]`, `[x, x, x]` and `[q, v, v]` reach the graph as `x`, `x` and `[q, v]`:
 * the same computation, each tensor listed once. Other repeats of a non-input
 * tensor throw (see rejectRepeatedSymbolic).
 */
export function dedupeAttentionInputs(list: tf.SymbolicTensor[], where: string): tf.SymbolicTensor | tf.SymbolicTensor[] {
  const l = list.slice();
  if (l.length === 3 && l[2] === l[1]) l.pop(); // key === value: the default
  if (l.length === 2 && l[1] === l[0]) l.pop(); // value === query: self-attention
  rejectRepeatedSymbolic(l, ['query', 'value', 'key', 'attentionMask'], where);
  return l.length === 1 ? l[0] : l;
}
