/**
 * How a kernel finds its BlockMask. A BlockMask is host data (typed arrays and
 * a predicate closure), not a tensor, and tfjs kernel attributes may only hold
 * numbers, strings and booleans; so each mask registers itself here under an
 * integer id at construction, the op passes that id in the kernel's attrs, and
 * the kernel (forward now, backward later when the tape runs) looks it up.
 *
 * The registry holds masks strongly on purpose: a gradient may run long after
 * the forward call, when the caller may no longer hold the mask (e.g. one built
 * inline inside `tf.grads`). A mask leaves the registry on `mask.dispose()`,
 * exactly like a tensor leaves tfjs's engine; `liveBlockMasks()` counts them
 * so tests can check that nothing leaked.
 */
import { fail, formatValue } from '@tessera/tensor';

/** The part of a BlockMask the registry needs (avoids an import cycle). */
export interface Registrable {
  readonly id: number;
}

const live = new Map<number, Registrable>();
let nextId = 1;

/** Allocates an id and registers `make(id)`'s result under it. */
export function registerMask<T extends Registrable>(make: (id: number) => T): T {
  const id = nextId++;
  const m = make(id);
  live.set(id, m);
  return m;
}

/** Removes a mask (idempotent). */
export function releaseMask(id: number): void {
  live.delete(id);
}

/** The mask registered under `id`; throws naming `where` if it was disposed or never existed. */
export function lookupMask<T extends Registrable>(id: number, where: string): T {
  const m = live.get(id);
  if (m === undefined) fail(where, `attrs.maskId ${formatValue(id)} names no live BlockMask (was the mask disposed before the kernel or its gradient ran?)`);
  return m as T;
}

/**
 * Number of BlockMasks not yet disposed (for leak checks, like tf.memory().numTensors).
 * @example
 * const before = liveBlockMasks();
 * causal({ Tq: 8 }).dispose();
 * liveBlockMasks() === before; // true
 */
export function liveBlockMasks(): number {
  return live.size;
}
