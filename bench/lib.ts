/**
 * Shared pieces of the benchmarks: argument parsing, timing, peak memory of child processes,
 * a results table, and appending figures to bench/RESULTS.md with the date and core count.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../test/support/lab.js';

export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : Number(process.env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`] ?? fallback);
}

export function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

export interface Measured {
  seconds: number;
  code: number;
  /** Peak resident set size in MiB (from /usr/bin/time when available, else undefined). */
  peakMiB?: number;
  stderr: string;
}

/** Runs a command and measures wall time and, through GNU time when installed, peak RSS. */
export function measure(argv: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Measured> {
  const gnuTime = fs.existsSync('/usr/bin/time');
  const full = gnuTime ? ['/usr/bin/time', '-f', 'PEAK_KB=%M', ...argv] : argv;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(full[0], full.slice(1), { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      const m = /PEAK_KB=(\d+)/.exec(stderr);
      resolve({ seconds, code: code ?? -1, peakMiB: m ? Number(m[1]) / 1024 : undefined, stderr });
    });
  });
}

export function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)));
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(cells[0]), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n');
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (Number.isInteger(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2);
}

/** Appends a titled table to bench/RESULTS.md and prints it. */
export function report(title: string, rows: (string | number)[][], notes: string[] = []): void {
  const stamp = `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${os.cpus().length} cores, Node ${process.version}`;
  const text = `\n### ${title} — ${stamp}\n\n${table(rows)}\n${notes.map((n) => `\n- ${n}`).join('')}\n`;
  process.stdout.write(text);
  fs.appendFileSync(path.join(ROOT, 'bench', 'RESULTS.md'), text);
}

export function requireCommand(name: string, pkg: string): string {
  for (const dir of ['/usr/bin', '/usr/sbin', '/usr/local/bin']) {
    const p = path.join(dir, name);
    if (fs.existsSync(p)) return p;
  }
  throw new Error(`${name} is not installed: apt-get install -y ${pkg}`);
}
