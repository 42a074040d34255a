/**
 * Command line of the standalone benchmark scripts (linear_native.ts,
 * sparse_native.ts, webgpu_kernels.ts, webgpu_readback.ts, variants/native.ts):
 * `[n,n,...] [--reps R] [flags]`.
 */
export function sizesAndReps(args: string[], defaultSizes: string, defaultReps: number): { sizes: number[]; reps: number } {
  const sizes = (args[0] && !args[0].startsWith('--') ? args[0] : defaultSizes).split(',').map(Number);
  const ri = args.indexOf('--reps');
  return { sizes, reps: ri >= 0 ? Number(args[ri + 1]) : defaultReps };
}
