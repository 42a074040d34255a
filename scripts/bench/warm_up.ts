/**
 * Warm-up before timed runs: calls fn until it has run `maxRuns` times or for
 * `seconds` in total (at least once). One warm-up call is not enough for
 * millisecond kernels: a process's first few dozen outputs land in fresh
 * memory whose first touch faults page by page (~1.4 us per 4 KB page on our
 * virtual machines, 0.4 ms for the 2 MB output at n = 1024), while a steady
 * loop, like training, gets memory the allocator recycled. Long calls (over
 * `seconds`) still warm up once.
 */
export async function warmUp(fn: () => unknown, seconds = 0.5, maxRuns = 30): Promise<number> {
  const t0 = process.hrtime.bigint();
  let runs = 0;
  do {
    await fn();
    runs++;
  } while (runs < maxRuns && Number(process.hrtime.bigint() - t0) / 1e9 < seconds);
  return runs;
}
