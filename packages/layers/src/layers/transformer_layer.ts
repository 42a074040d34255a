/**
 * What TransformerEncoder and TransformerDecoder do alike as tfjs Layers,
 * written once so the two stay consistent: resolving the shared
 * TransformerArgs, refusing symbolic call options that predict/fit would drop
 * and symbolic tensors listed twice, one output shaped like the first input,
 * the config, and freeing the attention blocks' resources when the layer is
 * disposed. The blocks themselves are in transformer_block.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { fail } from '@tessera/tensor';
import { LayerArgs, splitLayerArgs } from '../core/layer_args';
import { rejectDroppedSymbolicOptions, SymbolicOptionRule } from '../core/symbolic_call_options';
import { isSymbolicList, rejectRepeatedSymbolic } from '../core/symbolic_inputs';
import { resolveTransformerArgs, TransformerArgs, transformerConfig, TransformerSettings } from './transformer_args';
import type { AttentionBlock } from './transformer_block';

/** How a transformer layer takes symbolic calls: which call options need what, and its functional inputs' names. */
export interface SymbolicCallSpec {
  rules: Record<string, SymbolicOptionRule>;
  inputNames: readonly string[];
}

export abstract class TransformerLayer extends tf.layers.Layer {
  readonly settings: TransformerSettings;

  constructor(args: TransformerArgs & LayerArgs, protected readonly where: string, private readonly symbolic: SymbolicCallSpec) {
    const [own, base] = splitLayerArgs(args as unknown as Record<string, unknown>);
    super(base);
    this.settings = resolveTransformerArgs(own as unknown as TransformerArgs, where);
  }

  /** The attention blocks built so far (freed on dispose). */
  protected abstract attentionBlocks(): Array<AttentionBlock | null>;

  /**
   * Rejects a symbolic tensor listed twice (tfjs-layers' executor would dispose it early),
   * and symbolic call options that predict/fit would drop (core/symbolic_call_options.ts).
   */
  override apply(inputs: Parameters<tf.layers.Layer['apply']>[0], kwargs?: Parameters<tf.layers.Layer['apply']>[1]): ReturnType<tf.layers.Layer['apply']> {
    rejectDroppedSymbolicOptions(inputs, kwargs, this.symbolic.rules, this.where);
    if (isSymbolicList(inputs)) rejectRepeatedSymbolic(inputs, this.symbolic.inputNames, this.where);
    return super.apply(inputs, kwargs);
  }

  /** One output shaped like the first input (masks and encoder sequences are not outputs). */
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...transformerConfig(this.settings), ...super.getConfig() };
  }

  override dispose(): ReturnType<tf.layers.Layer['dispose']> {
    const r = super.dispose();
    if (r.refCountAfterDispose === 0) for (const b of this.attentionBlocks()) b?.attention.dispose();
    return r;
  }

  /** The last dimension of `shape`, which building needs known. */
  protected lastDim(shape: tf.Shape, name: string): number {
    const d = shape[shape.length - 1];
    if (typeof d !== 'number') fail(this.where, `${name} must have a known last dimension, received shape ${JSON.stringify(shape)}`);
    return d;
  }
}
