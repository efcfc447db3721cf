/** Human output helpers: short serials, relative times, aligned tables. */
import type { Verdict } from '../controller/certificate.js';

export function shortSerial(serial: string | undefined): string {
  if (!serial) return '-';
  return serial.length > 16 ? `${serial.slice(0, 16)}…` : serial;
}

// The status page shows times the same way (report/html.ts), so the helper lives in util/.
export { relative } from '../util/relative-time.js';

export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}

/** The seven-letter mark a line about one certificate starts with, by verdict (run, renew, rollback). */
export const VERDICT_MARK: Record<Verdict, string> = { ready: 'ok     ', pending: 'PENDING', deployed: 'UNSEEN ', failed: 'FAILED ', waiting: 'WAITING' };
