/**
 * Structured logs with pino. JSON on stderr (stdout is for the human summary and --json output),
 * pretty when stderr is a terminal. Anything that could carry key material is redacted by path,
 * and messages are built from descriptions, never from PEM.
 */
import pino from 'pino';

export type Logger = pino.Logger;

export const REDACT_PATHS = [
  'keyPem',
  '*.keyPem',
  'privateKey',
  '*.privateKey',
  'accountKey',
  '*.accountKey',
  'password',
  '*.password',
  'clientSecret',
  '*.clientSecret',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
];

export interface LoggerOptions {
  level?: string;
  /** Force JSON even on a terminal. */
  json?: boolean;
  destination?: pino.DestinationStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? process.env.CERTLOOP_LOG_LEVEL ?? 'info';
  const base: pino.LoggerOptions = {
    level,
    base: undefined,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (opts.destination) return pino(base, opts.destination);
  if (!opts.json && process.stderr.isTTY) {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss' } },
    });
  }
  return pino(base, pino.destination({ dest: 2, sync: true }));
}

/** A logger that drops everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
