/**
 * The built-in elementwise feature maps of linear attention as a typed-array
 * kernel (the TypeScript engine's; @tessera/native installs a multi-threaded
 * SIMD one): elu+1 (Katharopoulos et al. 2020, eq. 7: x > 0 ? x + 1 : e^x, the
 * value of elu(x) + 1) and relu, and their gradients dx = dy * phi'(x)
 * (elu+1' = x > 0 ? 1 : e^x, relu' = x > 0 ? 1 : 0). Used by the
 * TesseraFeatureMap(Grad) kernels on host backends; nothing here touches tfjs.
 */

/** The feature maps with an elementwise kernel. */
export type ElementwiseFeatureMap = 'elu+1' | 'relu';

export interface FeatureMapArgs {
  map: ElementwiseFeatureMap;
  x: Float32Array;
  /** phi(x), x.length elements, overwritten. */
  out: Float32Array;
}

export interface FeatureMapGradArgs {
  map: ElementwiseFeatureMap;
  x: Float32Array;
  /** Gradient with respect to phi(x), x.length elements. */
  dy: Float32Array;
  /** dy * phi'(x), x.length elements, overwritten. */
  dx: Float32Array;
}

/** Writes args.out = phi(args.x). */
export function featureMapImpl(args: FeatureMapArgs): void {
  const { x, out } = args;
  if (args.map === 'elu+1') {
    for (let i = 0; i < x.length; i++) out[i] = x[i] > 0 ? x[i] + 1 : Math.exp(x[i]);
  } else {
    for (let i = 0; i < x.length; i++) out[i] = x[i] < 0 ? 0 : x[i];
  }
}

/** Writes args.dx = args.dy * phi'(args.x). */
export function featureMapGradImpl(args: FeatureMapGradArgs): void {
  const { x, dy, dx } = args;
  if (args.map === 'elu+1') {
    for (let i = 0; i < x.length; i++) dx[i] = x[i] > 0 ? dy[i] : dy[i] * Math.exp(x[i]);
  } else {
    for (let i = 0; i < x.length; i++) dx[i] = x[i] > 0 ? dy[i] : 0;
  }
}
