/**
 * Points in time on the command line (`plan --at`, `drill --at`, `forecast --from`): an ISO 8601
 * time ("2026-03-01", "2026-03-01T12:00:00Z"), "now", or relative to now ("+30d", "+2h30m", "-1d").
 */
import { CertloopError } from '../errors.js';
import { parseDuration } from './duration.js';

export function parseTimeArg(text: string, now: Date, flag = '--at'): Date {
  const s = text.trim();
  if (s === 'now') return now;
  const rel = /^([+-])(.+)$/.exec(s);
  if (rel) {
    const ms = parseDuration(rel[2]);
    if (ms !== undefined) return new Date(now.getTime() + (rel[1] === '-' ? -ms : ms));
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(s)) {
    const t = Date.parse(s);
    if (Number.isFinite(t)) return new Date(t);
  }
  throw new CertloopError('USAGE', `${flag} expects an ISO 8601 time (2026-03-01, 2026-03-01T12:00:00Z), "now", or a time relative to now (+30d, +2h, -1d); got "${text}"`, {
    retryable: false,
  });
}
