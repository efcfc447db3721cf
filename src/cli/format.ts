/** Human output helpers: short serials, relative times, aligned tables. */
import type { Verdict } from '../controller/certificate.js';

export function shortSerial(serial: string | undefined): string {
  if (!serial) return '-';
  return serial.length > 16 ? `${serial.slice(0, 16)}…` : serial;
}

const UNITS: [number, string][] = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'm'],
  [1000, 's'],
];

export function relative(iso: string | Date | undefined, now: Date): string {
  if (!iso) return '-';
  const t = typeof iso === 'string' ? Date.parse(iso) : iso.getTime();
  const d = t - now.getTime();
  const abs = Math.abs(d);
  const [size, unit] = UNITS.find(([s]) => abs >= s) ?? [1000, 's'];
  const n = Math.floor(abs / size);
  return d >= 0 ? `in ${n}${unit}` : `${n}${unit} ago`;
}

export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}

/** The seven-letter mark a line about one certificate starts with, by verdict (run, renew, rollback). */
export const VERDICT_MARK: Record<Verdict, string> = { ready: 'ok     ', pending: 'PENDING', deployed: 'UNSEEN ', failed: 'FAILED ', waiting: 'WAITING' };
