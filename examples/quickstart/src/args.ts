/** Command-line flags of the quickstart; bad input: one-line error + usage, exit code 2. */
import { BACKEND_NAMES } from '@tessera/tensor';

export interface QuickstartArgs {
  backend?: string;
  quick: boolean;
  /** Skip the training part (only the comparison table). */
  noTrain: boolean;
  /** Skip the comparison table. */
  noCompare: boolean;
  /** Override the comparison sizes. */
  sizes?: number[];
  /** Override the training steps. */
  steps?: number;
  help: boolean;
}

export const USAGE = `usage: npm start -- [--quick] [--backend ${BACKEND_NAMES.join('|')}] [--steps N] [--n 1024,4096,...] [--no-train] [--no-compare]`;

export class UsageError extends Error {}

const positiveInts = (flag: string, v: string | undefined): number[] => {
  const parts = (v ?? '').split(',');
  const ns = parts.map(Number);
  if (!v || ns.some((n) => !Number.isInteger(n) || n <= 0)) throw new UsageError(`${flag} must be positive integers (comma-separated), received ${JSON.stringify(v ?? null)}`);
  return ns;
};

/** Parses argv (without node and script); throws UsageError on bad input. */
export function parseArgs(argv: string[]): QuickstartArgs {
  const a: QuickstartArgs = { quick: false, noTrain: false, noCompare: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    if (f === '--quick') a.quick = true;
    else if (f === '--help' || f === '-h') a.help = true;
    else if (f === '--no-train') a.noTrain = true;
    else if (f === '--no-compare') a.noCompare = true;
    else if (f === '--backend') {
      const b = argv[++i];
      if (!(BACKEND_NAMES as readonly string[]).includes(b)) throw new UsageError(`--backend must be one of ${BACKEND_NAMES.join(', ')}, received ${JSON.stringify(b ?? null)}`);
      a.backend = b;
    } else if (f === '--n') a.sizes = positiveInts('--n', argv[++i]);
    else if (f === '--steps') {
      const s = positiveInts('--steps', argv[++i]);
      if (s.length !== 1) throw new UsageError(`--steps takes one positive integer, received ${JSON.stringify(argv[i])}`);
      a.steps = s[0];
    } else throw new UsageError(`unknown argument ${JSON.stringify(f)}`);
  }
  return a;
}
