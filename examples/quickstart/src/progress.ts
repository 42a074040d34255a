/**
 * A dependency-free progress bar for training loops: steps, loss, accuracy,
 * tokens/s and ETA. On a terminal it redraws one line with '\r'; when stdout
 * is a file or a pipe (CI logs) it prints a plain line every `every` steps and
 * at the end, so logs stay readable.
 */
export interface ProgressStats {
  step: number;
  loss: number;
  accuracy: number;
  /** Tokens processed so far. */
  tokens: number;
}

export interface ProgressOptions {
  total: number;
  /** Where to write; default process.stdout. */
  stream?: { write(s: string): unknown; isTTY?: boolean };
  /** Bar width in characters; default 24. */
  width?: number;
  /** Lines printed when not a TTY (besides the last); default 10. */
  lines?: number;
  /** Clock in ms (tests pass a fake one); default performance.now. */
  now?: () => number;
}

export class ProgressBar {
  private readonly start: number;
  private readonly stream: NonNullable<ProgressOptions['stream']>;
  private readonly every: number;
  private last = '';
  private readonly now: () => number;

  constructor(private readonly o: ProgressOptions) {
    this.stream = o.stream ?? process.stdout;
    this.now = o.now ?? (() => performance.now());
    this.start = this.now();
    this.every = Math.max(1, Math.ceil(o.total / (o.lines ?? 10)));
  }

  /** The status line for these stats (without '\r' or newline). */
  format(s: ProgressStats): string {
    const elapsed = (this.now() - this.start) / 1000;
    const width = this.o.width ?? 24;
    const done = Math.round((width * s.step) / this.o.total);
    const bar = '#'.repeat(done) + '.'.repeat(width - done);
    const eta = s.step > 0 ? (elapsed / s.step) * (this.o.total - s.step) : NaN;
    const tps = elapsed > 0 ? s.tokens / elapsed : 0;
    const pad = String(this.o.total).length;
    return `[${bar}] step ${String(s.step).padStart(pad)}/${this.o.total}  loss ${s.loss.toFixed(3)}  acc ${(100 * s.accuracy).toFixed(1).padStart(5)}%  ${Math.round(tps)} tok/s  ETA ${formatSeconds(eta)}`;
  }

  update(s: ProgressStats): void {
    this.last = this.format(s);
    if (this.stream.isTTY) this.stream.write(`\r${this.last}`);
    else if (s.step % this.every === 0 || s.step === this.o.total) this.stream.write(`${this.last}\n`);
  }

  /** Ends the bar's line (TTY). */
  done(): void {
    if (this.stream.isTTY && this.last) this.stream.write('\n');
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const t = Math.max(0, Math.round(s));
  return `${Math.floor(t / 60)}:${String(t % 60).padStart(2, '0')}`;
}
