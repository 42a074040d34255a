/**
 * Call options of a symbolic (functional-API) call. tfjs-layers records the
 * options of `layer.apply(symbolicInput, options)` in the graph but never uses
 * them: its executor (engine/executor.js `execute`, behind predict, evaluate,
 * fit and model.apply) calls every layer with its own `{training}` (plus a
 * `mask` when the feeds carry one). An option such as `useCausalMask: true`
 * would therefore be applied by nobody, and the model would silently compute
 * something else. Such options are refused here, before the layer is built,
 * with the remedy (a constructor argument, or the tensor as a model input).
 */
import * as tf from '@tensorflow/tfjs';
import { fail, formatValue } from '@tessera/tensor';

type LayerInputs = Parameters<tf.layers.Layer['apply']>[0];

/** How one call option behaves in a symbolic call. */
export interface SymbolicOptionRule {
  /** True when the value changes nothing compared with the option left out (so dropping it is harmless). */
  noEffect: (value: unknown) => boolean;
  /** What to do instead (a sentence). */
  remedy: string;
}

/** True when the call is symbolic: a SymbolicTensor or a non-empty list of them. */
export function isSymbolicCall(inputs: LayerInputs): boolean {
  if (inputs instanceof tf.SymbolicTensor) return true;
  return Array.isArray(inputs) && inputs.length > 0 && inputs.every((t) => t instanceof tf.SymbolicTensor);
}

/** Options the executor supplies itself; `mask` has the same (no) effect eagerly and in graphs. */
const EXECUTOR_OWNED = new Set(['mask']);

/** Always dropped by the executor, which sets training itself. */
export const TRAINING_RULE: SymbolicOptionRule = {
  noEffect: () => false,
  remedy: 'training is set for the whole model by fit (true) and predict/evaluate (false); leave it out of symbolic calls',
};

/** An option that is a tensor (or object) in eager calls: harmless only when absent. */
export function absentRule(remedy: string): SymbolicOptionRule {
  return { noEffect: (v) => v === null || v === undefined, remedy };
}

/**
 * Throws when a symbolic call passes an option that the graph executor would
 * not apply (one with an effect: `useCausalMask: false` on a non-causal layer
 * changes nothing and is accepted). Options without a rule are refused as well,
 * since no option but the executor's own reaches the layer in a graph.
 */
export function rejectDroppedSymbolicOptions(inputs: LayerInputs, kwargs: Record<string, unknown> | undefined, rules: Record<string, SymbolicOptionRule>, where: string): void {
  if (!kwargs || !isSymbolicCall(inputs)) return;
  for (const [name, value] of Object.entries(kwargs)) {
    if (value === undefined || EXECUTOR_OWNED.has(name)) continue;
    const rule = name === 'training' ? TRAINING_RULE : rules[name];
    if (rule?.noEffect(value)) continue;
    fail(
      where,
      `call option ${name} = ${formatValue(value)} was given to a symbolic (functional-API) call, where tfjs-layers' predict/evaluate/fit ` +
        `would not apply it (its graph executor calls each layer with {training} only) and the model would silently compute without it. ` +
        (rule ? rule.remedy : 'This option has no effect in a functional model; call the layer eagerly on tensors to use it.'),
    );
  }
}
