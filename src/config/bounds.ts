/**
 * Ranges shared by settings of one kind and by the command-line flags that override them, kept
 * apart from zod (fields.ts) so a flag parser does not load it.
 */
/** Bounds shared by the settings of one kind, so the CLI flags and the config agree. */
export const BOUNDS = {
  /** One network exchange or connection (a probe, a notification, a DNS query, an ACME request). */
  networkTimeout: [100, 10 * 60_000],
  /** A command certloop runs and waits for (a reload, a hook). */
  commandTimeout: [1000, 60 * 60_000],
  /** Time between the daemon's verify passes: at least a second (issue 16: 0 s was a busy loop). */
  verifyInterval: [1000, 365 * 86_400_000],
} as const satisfies Record<string, readonly [number, number]>;
