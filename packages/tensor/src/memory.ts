/**
 * Memory measurement: tfjs's own byte accounting (peak bytes of live tensors
 * during a call, from `tf.profile`) and the process's resident set growth.
 */
import * as tf from '@tensorflow/tfjs-core';

/** What `measurePeak` returns. Byte counts are exact for tfjs tensors; RSS figures are OS page counts. */
export interface PeakMeasurement<T> {
  /** The callback's return value (its tensors stay alive; dispose them). */
  result: T;
  /** Highest total bytes of live tfjs tensors seen during the call (tf.profile's peakBytes). */
  peakBytes: number;
  /** Bytes live before the call; `peakBytes - baselineBytes` is what the call added at its peak. */
  baselineBytes: number;
  /** peakBytes - baselineBytes: the call's own peak tensor memory. */
  peakNewBytes: number;
  /** Net bytes still allocated after the call (its outputs, or leaks). */
  newBytes: number;
  /** Net tensors still allocated after the call. */
  newTensors: number;
  /** process RSS after minus before (Node only, else 0). */
  rssGrowthBytes: number;
  /** Growth of the process's lifetime peak RSS during the call (Node only, else 0). */
  peakRssGrowthBytes: number;
  /** Wall time of the call in milliseconds. */
  timeMs: number;
}

function rss(): number {
  return typeof process !== 'undefined' && typeof process.memoryUsage === 'function' ? process.memoryUsage().rss : 0;
}

function maxRss(): number {
  // resourceUsage().maxRSS is in kilobytes.
  return typeof process !== 'undefined' && typeof process.resourceUsage === 'function' ? process.resourceUsage().maxRSS * 1024 : 0;
}

/**
 * Runs `fn` under `tf.profile` and reports its peak tensor memory and RSS growth.
 *
 * @example
 * const m = await measurePeak(() => attentionReference(q, k, v));
 * console.log(m.peakNewBytes); // includes the [B,H,Tq,Tk] score matrix
 * m.result.dispose();
 */
export async function measurePeak<T extends tf.TensorContainer | void>(fn: () => T | Promise<T>): Promise<PeakMeasurement<T>> {
  const baselineBytes = tf.memory().numBytes;
  const rss0 = rss();
  const max0 = maxRss();
  const t0 = typeof performance !== 'undefined' ? performance.now() : Date.now();
  const info = await tf.profile(async () => (await fn()) as tf.TensorContainer);
  const t1 = typeof performance !== 'undefined' ? performance.now() : Date.now();
  const peak = Number.isFinite(info.peakBytes) ? Math.max(info.peakBytes, baselineBytes) : baselineBytes;
  return {
    result: info.result as unknown as T,
    peakBytes: peak,
    baselineBytes,
    peakNewBytes: peak - baselineBytes,
    newBytes: info.newBytes,
    newTensors: info.newTensors,
    rssGrowthBytes: rss() - rss0,
    peakRssGrowthBytes: maxRss() - max0,
    timeMs: t1 - t0,
  };
}
