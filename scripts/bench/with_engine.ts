/**
 * Runs a benchmark call on one attention engine and restores the previous one
 * afterwards, so a variant can pin the engine it measures (the TypeScript
 * kernels, or @tessera/native's) whatever engine is installed.
 */
import { AttentionEngine, getEngine, setEngine } from '@tessera/attention';

/** fn() with `engine` installed; the engine active before is restored, also when fn throws. */
export function withEngine<T>(engine: Partial<AttentionEngine> & { name: string }, fn: () => T): T {
  const prev = getEngine();
  setEngine(engine);
  try {
    return fn();
  } finally {
    setEngine(prev);
  }
}
