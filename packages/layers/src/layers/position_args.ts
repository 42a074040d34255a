/** Shared argument handling of the position layers (`startIndex` at call time). */
import type * as tf from '@tensorflow/tfjs';
import { assertInteger } from '@tessera/tensor';
import { rejectDroppedSymbolicOptions } from '../core/symbolic_call_options';

/** Reads the `startIndex` call argument (default 0). */
export function startIndexOf(kwargs: Record<string, unknown> | undefined, where: string): number {
  const s = kwargs?.startIndex ?? 0;
  assertInteger(s, 'startIndex', where, 0);
  return s;
}

/**
 * A symbolic call's `startIndex` would be dropped by predict/fit (tfjs-layers calls
 * each layer with {training} only): refused unless it is 0, the default.
 */
export function rejectSymbolicStartIndex(inputs: Parameters<tf.layers.Layer['apply']>[0], kwargs: Record<string, unknown> | undefined, where: string): void {
  const rule = { noEffect: (v: unknown) => v === 0, remedy: 'startIndex applies to eager calls only (cached decoding); a functional model always starts at position 0.' };
  rejectDroppedSymbolicOptions(inputs, kwargs, { startIndex: rule }, where);
}
