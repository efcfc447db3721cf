/**
 * `certloop discover`: what the watch sources name, and which of those names nobody listed
 * (neither a certificate's nor a watched endpoint's nor in an inventory file). Names that give
 * no TLS answer on the port are shown apart: a zone holds mail hosts and old records too.
 * `--write FILE` appends the unlisted names that answer TLS to an inventory file.
 */
import path from 'node:path';
import { CertloopError, ConfigError } from '../../errors.js';
import { defaultConfigPath, loadConfig } from '../../config/load.js';
import { BOUNDS } from '../../config/bounds.js';
import { discover, type DiscoveredName, type DiscoverReport } from '../../discover/discover.js';
import { appendToInventory, inventoryLine, type AppendResult } from '../../discover/inventory.js';
import { createWatchSource } from '../../../providers/registry.js';
import { formatDuration, parseDuration } from '../../util/duration.js';
import { createLookup } from '../../verify/resolver.js';
import { table } from '../format.js';
import { EXIT, makeLogger, print, printJson, type GlobalOptions } from '../context.js';

export interface DiscoverOptions extends GlobalOptions {
  write?: string;
  resolver?: string[];
  /** Deadline of one TLS attempt: a duration such as "3s", or milliseconds. */
  timeout?: string;
  concurrency?: string;
}

const DEFAULT_TIMEOUT_MS = 3000;
const DEFAULT_CONCURRENCY = 64;
/** Managed and watched names are shown up to this many in text; --json lists all. */
const SHOWN = 10;

function usage(message: string): CertloopError {
  return new CertloopError('USAGE', message, { retryable: false });
}

function parseTimeout(value: string | undefined): number {
  if (value === undefined) return DEFAULT_TIMEOUT_MS;
  const ms = /^\d+$/.test(value) ? Number(value) : parseDuration(value);
  const [min, max] = BOUNDS.networkTimeout;
  if (ms === undefined || ms < min || ms > max) throw usage(`--timeout expects milliseconds or a duration such as 3s, between ${formatDuration(min)} and ${formatDuration(max)}; got "${value}"`);
  return ms;
}

function parseConcurrency(value: string | undefined): number {
  if (value === undefined) return DEFAULT_CONCURRENCY;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 1024) throw usage(`--concurrency expects a whole number of TLS attempts at once, 1 to 1024; got "${value}"`);
  return n;
}

export async function discoverCommand(opts: DiscoverOptions): Promise<number> {
  const timeoutMs = parseTimeout(opts.timeout);
  const concurrency = parseConcurrency(opts.concurrency);
  const log = makeLogger(opts);
  const config = loadConfig(defaultConfigPath(opts.config));
  const configs = config.watch?.sources ?? [];
  if (configs.length === 0) {
    throw new ConfigError([
      { file: config.file, path: 'watch.sources', message: 'no source to discover from; add one, e.g. watch: { sources: [{ type: axfr, server: ns1.example.com, zone: example.com }] }' },
    ]);
  }
  const started = Date.now();
  const sources = await Promise.all(configs.map(async (c) => ({ type: c.type, source: await createWatchSource(c) })));
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let report: DiscoverReport;
  try {
    report = await discover({
      config,
      sources,
      log,
      lookup: createLookup(opts.resolver, { timeoutMs: Math.min(timeoutMs, 2000) }),
      timeoutMs,
      concurrency,
      signal: controller.signal,
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }

  const unlisted = report.names.filter((n) => n.standing.kind === 'unlisted');
  const answering = unlisted.filter((n) => n.tls?.answered);
  let written: (AppendResult & { watchedByFileSource: boolean }) | undefined;
  if (opts.write) {
    const file = path.resolve(opts.write);
    const result = await appendToInventory(file, answering, {
      header: `added by certloop discover on ${new Date().toISOString()}: names nobody listed that answer TLS (${report.sources.filter((s) => s.ok).map((s) => s.id).join(', ')})`,
    });
    written = { ...result, watchedByFileSource: inventoryPaths(configs).includes(file) };
  }

  const exitCode = report.sources.every((s) => s.ok) ? EXIT.OK : EXIT.FAILED;
  if (opts.json) printJson({ discover: toJson(report, { startedAt: started, exitCode, written }) });
  else printText(report, written);
  return exitCode;
}

/** Paths of the `file` sources (providers/sources/file), the inventories --write can extend. */
function inventoryPaths(configs: { type: string }[]): string[] {
  return configs.flatMap((c) => {
    const file = (c as { path?: unknown }).path;
    return c.type === 'file' && typeof file === 'string' ? [file] : [];
  });
}

function nameJson(n: DiscoveredName) {
  return {
    host: n.host,
    port: n.port,
    origins: n.origins,
    ...(n.standing.kind === 'managed' ? { certificate: n.standing.certificate } : {}),
    ...(n.standing.kind === 'watched' ? { watchedBy: n.standing.by } : {}),
    ...(n.tls?.answered ? { address: n.tls.address } : {}),
    ...(n.tls && !n.tls.answered ? { reason: n.tls.reason } : {}),
  };
}

function toJson(report: DiscoverReport, extra: { startedAt: number; exitCode: number; written?: AppendResult & { watchedByFileSource: boolean } }) {
  const of = (kind: string) => report.names.filter((n) => n.standing.kind === kind);
  const unlisted = of('unlisted');
  return {
    startedAt: new Date(extra.startedAt).toISOString(),
    durationMs: Date.now() - extra.startedAt,
    exitCode: extra.exitCode,
    summary: {
      names: report.names.length,
      managed: of('managed').length,
      watched: of('watched').length,
      unlisted: unlisted.filter((n) => n.tls?.answered).length,
      noTls: unlisted.filter((n) => !n.tls?.answered).length,
      sourcesFailed: report.sources.filter((s) => !s.ok).length,
    },
    sources: report.sources,
    unlisted: unlisted.filter((n) => n.tls?.answered).map(nameJson),
    noTls: unlisted.filter((n) => !n.tls?.answered).map(nameJson),
    managed: of('managed').map(nameJson),
    watched: of('watched').map(nameJson),
    ...(extra.written ? { written: extra.written } : {}),
  };
}

function printText(report: DiscoverReport, written?: AppendResult & { watchedByFileSource: boolean }): void {
  print('Sources');
  print(
    table(
      report.sources.map((s) =>
        s.ok ? ['  ok    ', s.id, `${s.endpoints} endpoints in ${formatDuration(s.durationMs)}`] : ['  FAILED', s.id, s.error?.message ?? 'failed'],
      ),
    ),
  );
  const unlisted = report.names.filter((n) => n.standing.kind === 'unlisted');
  const answering = unlisted.filter((n) => n.tls?.answered);
  const silent = unlisted.filter((n) => !n.tls?.answered);
  print();
  if (answering.length > 0) {
    print(`Nobody listed these, and they answer TLS (${answering.length}):`);
    print(table(answering.map((n) => [`  ${inventoryLine(n)}`, n.origins.join('; ')])));
  } else print('Every name that answers TLS is managed or watched already.');
  if (silent.length > 0) {
    print();
    print(`No TLS answer on the port (${silent.length}), listed apart (mail hosts, old records, other services):`);
    print(table(silent.map((n) => [`  ${inventoryLine(n)}`, n.tls && !n.tls.answered ? n.tls.reason : '-'])));
  }
  for (const [kind, title] of [
    ['managed', 'Managed by a certificate'],
    ['watched', 'Watched by name'],
  ] as const) {
    const names = report.names.filter((n) => n.standing.kind === kind);
    if (names.length === 0) continue;
    const shown = names.slice(0, SHOWN).map((n) => `${inventoryLine(n)} (${n.standing.kind === 'managed' ? `certificate ${n.standing.certificate}` : n.standing.kind === 'watched' ? n.standing.by : ''})`);
    print();
    print(`${title} (${names.length}): ${shown.join(', ')}${names.length > SHOWN ? `, and ${names.length - SHOWN} more (--json lists all)` : ''}`);
  }
  print();
  const failed = report.sources.filter((s) => !s.ok).length;
  print(
    `${report.names.length} names from ${report.sources.length} source${report.sources.length === 1 ? '' : 's'}` +
      `${failed ? ` (${failed} failed)` : ''}: ${answering.length} nobody listed, ${silent.length} without TLS.`,
  );
  if (written) {
    print(
      written.added.length > 0
        ? `Added ${written.added.length} to ${written.file}${written.alreadyListed ? ` (${written.alreadyListed} were there already)` : ''}.`
        : `Nothing to add to ${written.file}${written.alreadyListed ? ` (all ${written.alreadyListed} were there already)` : ''}.`,
    );
    if (!written.watchedByFileSource) print(`${written.file} is not read by a file source: add { type: file, path: ${written.file} } to watch.sources to watch what it lists.`);
  }
}
