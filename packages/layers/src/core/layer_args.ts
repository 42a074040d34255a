/**
 * The base-Layer arguments of tfjs-layers (name, trainable, inputShape, ...),
 * separated from a Tessera layer's own arguments, and the bridge from a layer's
 * protected `addWeight` to the parts that create weights on its behalf.
 */
import * as tf from '@tensorflow/tfjs';
import type { AddWeightFn } from './weights';

/** tfjs-layers' LayerArgs (the type is not exported from the public bundle). */
export type LayerArgs = ConstructorParameters<typeof tf.layers.Layer>[0];

const BASE_KEYS = ['inputShape', 'batchInputShape', 'batchSize', 'dtype', 'name', 'trainable', 'weights', 'inputDType'];
/** Added to a layer's config by tfjs's deserializer (tf.loadLayersModel); not an argument. */
const DESERIALIZER_KEYS = ['customObjects'];

/** [own arguments, base Layer arguments]. */
export function splitLayerArgs(args: Record<string, unknown>): [Record<string, unknown>, LayerArgs] {
  const own: Record<string, unknown> = {};
  const base: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args ?? {})) {
    if (!DESERIALIZER_KEYS.includes(k)) (BASE_KEYS.includes(k) ? base : own)[k] = v;
  }
  return [own, base as LayerArgs];
}

/** An AddWeightFn creating trainable float32 weights on `layer`. */
export function addWeightOf(layer: tf.layers.Layer): AddWeightFn {
  const add = (layer as unknown as { addWeight: (...a: unknown[]) => tf.LayerVariable }).addWeight.bind(layer);
  return (name, shape, init, reg, con) => add(name, shape, 'float32', init, reg ?? undefined, true, con ?? undefined);
}
