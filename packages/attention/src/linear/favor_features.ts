/**
 * A FAVOR+ feature map that owns its projection and can redraw it, as
 * Performer redraws its random features every few hundred training steps
 * (`feature_redraw_interval` in performer-pytorch).
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, assertPositive, fail, formatValue } from '@tessera/tensor';
import { favorFeatureMap } from './favor_map';
import { favorProjectionData } from './favor_projection';
import { FeatureMapFn, LINEAR_DEFAULTS } from './linear_options';

/** Constructor arguments of FavorFeatures. */
export interface FavorFeaturesArgs {
  /** D, the head size of q and k. */
  headSize: number;
  /** m, the number of random features. Default 256. */
  numFeatures?: number;
  /** Seed of the first projection. Default 0. */
  seed?: number;
  /** Softmax temperature approximated. Default 1/sqrt(headSize). */
  scale?: number;
}

/**
 * FAVOR+ features with a redrawable projection. Pass `fav.map` as `featureMap`.
 *
 * @example
 * const fav = new FavorFeatures({ headSize: 64, numFeatures: 256, seed: 1 });
 * const out = linearAttention(q, k, v, { featureMap: fav.map, causal: true });
 * fav.redraw();            // fresh features (seed 2); the old projection is disposed
 * fav.dispose();           // when done
 */
export class FavorFeatures {
  readonly headSize: number;
  readonly numFeatures: number;
  readonly scale: number;
  private seedValue: number;
  private proj: tf.Tensor;

  constructor(args: FavorFeaturesArgs) {
    if (typeof args !== 'object' || args === null) fail('FavorFeatures', `args must be an object, received ${formatValue(args)}`);
    assertInteger(args.headSize, 'headSize', 'FavorFeatures', 1);
    if (args.numFeatures !== undefined) assertInteger(args.numFeatures, 'numFeatures', 'FavorFeatures', 1);
    if (args.seed !== undefined && !Number.isSafeInteger(args.seed)) fail('FavorFeatures', `seed must be a safe integer, received ${formatValue(args.seed)}`);
    if (args.scale !== undefined) assertPositive(args.scale, 'scale', 'FavorFeatures');
    this.headSize = args.headSize;
    this.numFeatures = args.numFeatures ?? LINEAR_DEFAULTS.numFeatures;
    this.scale = args.scale ?? 1 / Math.sqrt(args.headSize);
    this.seedValue = args.seed ?? LINEAR_DEFAULTS.seed;
    this.proj = this.draw(this.seedValue);
  }

  /** The seed of the current projection. */
  get seed(): number {
    return this.seedValue;
  }

  /** The current projection [m, D] (owned by this object: do not dispose it). */
  get projection(): tf.Tensor {
    return this.proj;
  }

  /** The feature map to pass as `featureMap` (it always uses the current projection). */
  readonly map: FeatureMapFn = (x, context) => {
    if (this.proj.isDisposed) fail('FavorFeatures.map', 'this FavorFeatures has been disposed');
    if (x.shape[x.rank - 1] !== this.headSize) fail('FavorFeatures.map', `x must have head size ${this.headSize} in its last axis, received shape [${x.shape.join(',')}]`);
    return favorFeatureMap(x, this.proj, context, this.scale);
  };

  /**
   * Replaces the projection with a fresh draw and disposes the old one.
   * @param seed default: the current seed + 1 (so a run's sequence of redraws is reproducible).
   */
  redraw(seed: number = this.seedValue + 1): void {
    if (!Number.isSafeInteger(seed)) fail('FavorFeatures.redraw', `seed must be a safe integer, received ${formatValue(seed)}`);
    const next = this.draw(seed);
    this.proj.dispose();
    this.proj = next;
    this.seedValue = seed;
  }

  /** Frees the projection. */
  dispose(): void {
    this.proj.dispose();
  }

  private draw(seed: number): tf.Tensor {
    const data = favorProjectionData(this.headSize, this.numFeatures, seed).slice();
    return tf.keep(tf.tensor2d(data, [this.numFeatures, this.headSize], 'float32'));
  }
}
