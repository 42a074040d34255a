/** Shared argument handling of the position layers (`startIndex` at call time). */
import { assertInteger } from '@tessera/tensor';

/** Reads the `startIndex` call argument (default 0). */
export function startIndexOf(kwargs: Record<string, unknown> | undefined, where: string): number {
  const s = kwargs?.startIndex ?? 0;
  assertInteger(s, 'startIndex', where, 0);
  return s;
}
