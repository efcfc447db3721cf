/**
 * Terminal progress for long runs: one line per certificate, rewritten in place as it moves
 * through decide → issue → deploy → verify, and replaced by its result line when it is done.
 * Only on a TTY (and only when the block fits the screen); pipes and files get the result lines.
 */
const STEP_TEXT: Record<string, string> = {
  decide: 'deciding',
  issue: 'ordering and validating',
  deploy: 'checking and deploying',
  verify: 'verifying endpoints',
  done: 'done',
};

export interface TerminalLike {
  write(s: string): unknown;
  rows?: number;
}

export class ProgressLines {
  private readonly rows = new Map<string, string>();
  private drawn = 0;

  constructor(
    private readonly out: TerminalLike,
    names: string[],
  ) {
    for (const n of names) this.rows.set(n, `...     ${n}: waiting`);
  }

  /** Whether in-place rewriting fits on this terminal. */
  static fits(out: TerminalLike, count: number): boolean {
    return count > 0 && count < (out.rows || 24) - 1; // a pty without a size reports 0 rows
  }

  step(name: string, step: string, detail?: string): void {
    if (!this.rows.has(name) || step === 'done') return;
    const text = step === 'decide' && detail ? `deciding (${detail})` : (STEP_TEXT[step] ?? step);
    this.set(name, `...     ${name}: ${text}`);
  }

  /** The certificate's final line. */
  set(name: string, line: string): void {
    this.rows.set(name, line);
    this.draw();
  }

  private draw(): void {
    // ESC[nF: up n lines to column 1; ESC[2K: clear the line.
    let s = this.drawn ? `\x1b[${this.drawn}F` : '';
    for (const line of this.rows.values()) s += `\x1b[2K${line}\n`;
    this.drawn = this.rows.size;
    this.out.write(s);
  }
}
