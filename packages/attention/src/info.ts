/**
 * `info()`: what Tessera's attention kernels run on right now.
 * @example
 * import { info } from '@tessera/attention';
 * console.log(info()); // { engine: 'typescript', backend: 'wasm', kernels: [...] }
 */
import * as tf from '@tensorflow/tfjs-core';
import { getEngine } from './engine';

export interface TesseraInfo {
  /** The active attention engine (`'typescript'` by default; the native engine when installed). */
  engine: string;
  /** The active tfjs backend, or null before one is initialised. */
  backend: string | null;
  /** Tessera kernels registered for that backend. */
  kernels: string[];
}

export function info(): TesseraInfo {
  let backend: string | null = null;
  try {
    backend = tf.getBackend() ?? null;
  } catch {
    backend = null;
  }
  const kernels = backend === null ? [] : tf.getKernelsForBackend(backend).map((k) => k.kernelName).filter((n) => n.startsWith('Tessera')).sort();
  return { engine: getEngine().name, backend, kernels };
}
