/**
 * The command line the study examples share (long-context,
 * associative-recall): `[--quick] [--backend NAME] [--out DIR]`. Bad input:
 * a one-line error naming the example, the usage, exit code 2.
 */
import * as path from 'path';
import { BACKEND_NAMES } from '@tessera/tensor';

export interface StudyArgs {
  quick: boolean;
  backend?: string;
  /** Absolute directory for the results. */
  out: string;
}

/** `npm start -w <workspace> -- [--quick] [--backend ...] [--out DIR]`. */
export function studyUsage(workspace: string): string {
  return `usage: npm start -w ${workspace} -- [--quick] [--backend ${BACKEND_NAMES.join('|')}] [--out DIR]`;
}

/** Parses argv (without node and script); `example` names the program in errors, `defaultOut` is used without --out. */
export function parseStudyArgs(argv: string[], example: string, usage: string, defaultOut: string): StudyArgs {
  const a: StudyArgs = { quick: false, out: defaultOut };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    if (f === '--quick') a.quick = true;
    else if (f === '--backend' && (BACKEND_NAMES as readonly string[]).includes(argv[i + 1])) a.backend = argv[++i];
    else if (f === '--out' && argv[i + 1]) a.out = path.resolve(argv[++i]);
    else {
      const what = f === '--backend' ? `--backend must be one of ${BACKEND_NAMES.join(', ')}, received ${JSON.stringify(argv[i + 1] ?? null)}` : f === '--out' ? '--out needs a directory' : `unknown argument ${JSON.stringify(f)}`;
      console.error(`${example}: ${what}\n${usage}`);
      process.exit(2);
    }
  }
  return a;
}
