/**
 * Applies the configured feature map phi to queries or keys with ordinary
 * tfjs ops, so autodiff flows through it (including a user map and FAVOR+'s
 * fixed projection); the linear attention kernel then runs on the features.
 * elu+1 and relu run as one TesseraFeatureMap kernel (with its own gradient)
 * on the backends that register it (cpu, wasm).
 * Call inside tf.tidy: intermediates are left to the caller's scope.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fail, formatShape, formatValue } from '@tessera/tensor';
import { TesseraFeatureMap } from '../kernel_names';
import { favorFeatureMap } from './favor_map';
import { favorProjectionData } from './favor_projection';
import type { FeatureMapContext, ResolvedLinear } from './linear_options';

/** Number of features F of a built-in map for head size D; null for a user function. */
export function featureCount(r: ResolvedLinear, D: number): number | null {
  if (typeof r.featureMap === 'function') return null;
  return r.featureMap === 'favor+' ? r.numFeatures : D;
}

/**
 * phi(x) for x [B, heads, T, D] -> [B, heads, T, F]; checks what a user map returns.
 * @param where op name for error messages.
 */
export function mapFeatures(x: tf.Tensor, context: FeatureMapContext, r: ResolvedLinear, where: string): tf.Tensor {
  const map = r.featureMap;
  const what = context.role === 'query' ? 'queries' : 'keys';
  const D = (x.shape as number[])[3];
  if (map === 'elu+1' || map === 'relu') {
    // One pass where the backend has the kernel (cpu, wasm); tfjs ops elsewhere.
    if (tf.getKernel(TesseraFeatureMap, tf.getBackend()) && x.dtype === 'float32') return tf.engine().runKernel(TesseraFeatureMap, { x }, { map }) as tf.Tensor;
    return map === 'elu+1' ? tf.add(tf.elu(x), 1) : tf.relu(x); // Katharopoulos et al. 2020, eq. 7
  }
  if (map === 'favor+') {
    // [m, D]; a copy, so the cached host array is never handed to a backend that could keep it.
    const w = tf.tensor2d(favorProjectionData(D, r.numFeatures, r.seed).slice(), [r.numFeatures, D], 'float32');
    return favorFeatureMap(x, w, context, r.scale ?? 1 / Math.sqrt(D));
  }
  const y = map(x, context) as unknown;
  const ok = typeof y === 'object' && y !== null && 'dataId' in y && 'shape' in y;
  if (!ok) fail(where, `options.featureMap must return a tf.Tensor, received ${formatValue(y)} for the ${what}`);
  const t = y as tf.Tensor;
  const lead = x.shape.slice(0, 3);
  if (t.rank !== 4 || (t.shape as number[]).slice(0, 3).some((d, i) => d !== lead[i]) || (t.shape as number[])[3] < 1) {
    fail(where, `options.featureMap must map ${what} ${formatShape(x.shape)} to [${lead.join(',')},F] with F >= 1, received ${formatShape(t.shape)}`);
  }
  if (t.dtype !== 'float32') fail(where, `options.featureMap must return float32, received ${t.dtype} for the ${what}`);
  return t;
}
