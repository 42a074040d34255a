/**
 * @tessera/native for the benchmarks, loaded lazily: the offline GPU bundle
 * (scripts/pack-gpu-bundle.sh) runs without it, so nothing here may import it
 * at module load. One place for the GEMM ceiling every "% of ceiling" figure
 * is taken against and for the thread count the peers are given.
 */
type Native = typeof import('@tessera/native');

/** The addon when it is installed and built, else null. */
export function nativeAddon(): Native | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const native = require('@tessera/native') as Native;
    return native.available() ? native : null;
  } catch {
    return null; // not installed
  }
}

/** The float32 GEMM ceiling: the addon's own sgemm, 1024^3, best of 5, on the engine's threads; null without the addon. */
export function gemmCeiling(): { gflops: number; how: string } | null {
  const native = nativeAddon();
  if (!native) return null;
  const { threads, isa } = native.info();
  return { gflops: native.gemmCeiling(1024, 5), how: `@tessera/native sgemm 1024^3, best of 5, ${threads} threads, ${isa}` };
}

/** The native engine's thread count (peers get as many), else the CPU count. */
export function engineThreads(): number {
  return nativeAddon()?.info().threads ?? require('os').cpus().length;
}
