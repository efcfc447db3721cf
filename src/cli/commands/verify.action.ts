/**
 * `certloop verify [NAME...]`: check configured endpoints now against the deployed serial.
 * `certloop verify --endpoint HOST:PORT ...`: ad-hoc, no config needed: print what is served.
 */
import type { X509Certificate } from 'node:crypto';
import net from 'node:net';
import { verifyAndRecord, type RecordedOutcome } from '../../controller/verify-recorded.js';
import { certificateContext } from '../../controller/run.js';
import { CertloopError } from '../../errors.js';
import { VerifyConfig, type CertificateConfig, type EndpointConfig } from '../../config/schema.js';
import { parseSerial } from '../../pki/certificate.js';
import { DEFAULT_POLICY } from '../../policy/defaults.js';
import type { AddressResult } from '../../state/record.js';
import { formatDuration, parseDuration } from '../../util/duration.js';
import { BOUNDS } from '../../config/bounds.js';
import { ALERT_CHECKS, type CheckName } from '../../verify/checks.js';
import type { ProbeResult } from '../../verify/probe.js';
import { STARTTLS_PROTOCOLS, type StartTlsProtocol } from '../../verify/starttls.js';
import { judge, loadRoots, probeEndpoints } from '../../verify/verify.js';
import { EXIT, print, printJson, withContext, type GlobalOptions } from '../context.js';

export interface VerifyOptions extends GlobalOptions {
  names?: string[];
  endpoint?: string[];
  sni?: string;
  expectSerial?: string;
  trust?: string;
  /** Milliseconds (a bare number) or a duration such as "2s". */
  timeout?: number | string;
  starttls?: string;
  /** Pin these addresses instead of resolving the host. */
  address?: string[];
  /** DNS servers to resolve with. */
  resolver?: string[];
  /** Connections per address (overrides verify.samples and every endpoint's samples). */
  samples?: number;
  /** With --endpoint: resolve only this family ("4" or "6"). */
  family?: string;
}

export async function verifyCommand(opts: VerifyOptions): Promise<number> {
  if (opts.endpoint && opts.endpoint.length > 0) return adHoc(opts);
  if (opts.expectSerial !== undefined) {
    throw new CertloopError('USAGE', '--expect-serial needs --endpoint: configured certificates are checked against their deployed serial', { retryable: false });
  }
  return withContext(opts, async ({ config, store, log }) => {
    const certs = opts.names ? config.certificates.filter((c) => opts.names!.includes(c.name)) : config.certificates;
    const missing = (opts.names ?? []).filter((n) => !certs.some((c) => c.name === n));
    if (missing.length) throw new CertloopError('USAGE', `no certificate named ${missing.join(', ')} in ${config.file}`, { retryable: false });
    const outcomes: RecordedOutcome[] = [];
    for (const cert of certs) outcomes.push(await verifyAndRecord({ ...certificateContext(config, withSamples(cert, opts.samples), store, log), onStep: opts.onStep }));
    if (opts.json) {
      printJson({
        certificates: outcomes.map((o) => ({
          name: o.name,
          deployedSerial: o.deployedSerial ?? null,
          verified: o.verification?.verified ?? false,
          unverified: o.verification?.unverified ?? null,
          summary: o.verification?.summary ?? o.error?.message,
          endpoints: o.verification?.results ?? [],
          alerts: o.alerts ?? [],
          recorded: o.recorded,
        })),
      });
    } else {
      for (const o of outcomes) {
        const unrecorded = o.recorded ? '' : ' (not recorded: another certloop process holds the lock)';
        print(`${o.verdict === 'ready' && !o.alerts?.length ? 'ok     ' : 'NOT OK '} ${o.name}: ${o.verification?.summary ?? o.error?.message}${unrecorded}`);
        for (const r of o.verification?.results ?? []) {
          const failed = (r.checks ?? []).filter((c) => !c.ok && c.name !== 'serial').map((c) => `; ${c.name}: ${c.message}`).join('');
          const what = r.detail ?? (r.served ? `serves ${r.served}${r.servedIs === 'previous' ? ' (the previous certificate)' : ''}` : r.error);
          print(`    ${r.ok ? 'ok   ' : 'STALE'} ${r.endpoint} ${r.address}: ${what}${failed}${r.note ? `; note: ${r.note}` : ''}`);
        }
        for (const a of o.alerts ?? []) if (a.reason === 'Drift' || a.reason === 'Overdue') print(`    ${a.reason.toUpperCase()}: ${a.message}`);
      }
    }
    return outcomes.every((o) => o.verdict === 'ready' && !o.alerts?.length) ? EXIT.OK : EXIT.FAILED;
  });
}

/** `--samples N`: this many connections per address for every endpoint of the certificate. */
function withSamples(cert: CertificateConfig, samples: number | undefined): CertificateConfig {
  if (samples === undefined) return cert;
  return { ...cert, verify: { ...cert.verify, samples, endpoints: cert.verify.endpoints.map((ep) => ({ ...ep, samples: undefined })) } };
}

/** --expect-serial: an empty or non-hex value must not turn into "no expectation" or another serial. */
function expectedSerial(text: string): string {
  const serial = parseSerial(text);
  if (serial === undefined) {
    throw new CertloopError('USAGE', `--expect-serial expects a serial in hex (0A1B2C, 0a:1b:2c, or serial=0A1B2C as openssl x509 -serial prints it), got "${text}"`, {
      retryable: false,
    });
  }
  return serial;
}

function parseEndpoint(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  if (!m) throw new CertloopError('USAGE', `--endpoint expects HOST:PORT (or [IPv6]:PORT), got "${text}"`, { retryable: false });
  return { host: m[1] ?? m[2], port: Number(m[3]) };
}

/** --timeout: milliseconds as a bare number (the original form), or a duration such as 2s. */
function parseTimeout(value: string | number | undefined): number {
  if (value === undefined) return 10_000;
  const ms = typeof value === 'number' || /^\d+$/.test(value) ? Number(value) : parseDuration(value);
  const [min, max] = BOUNDS.networkTimeout;
  if (ms === undefined || ms < min || ms > max) {
    throw new CertloopError('USAGE', `--timeout expects milliseconds or a duration such as 2s, between ${formatDuration(min)} and ${formatDuration(max)}; got "${value}"`, { retryable: false });
  }
  return ms;
}

function adHocEndpoints(opts: VerifyOptions): { specs: string[]; endpoints: EndpointConfig[]; timeoutMs: number } {
  const timeoutMs = parseTimeout(opts.timeout);
  if (opts.starttls && !(STARTTLS_PROTOCOLS as readonly string[]).includes(opts.starttls)) {
    throw new CertloopError('USAGE', `--starttls expects one of ${STARTTLS_PROTOCOLS.join(', ')}, got "${opts.starttls}"`, { retryable: false });
  }
  for (const a of opts.address ?? []) {
    if (net.isIP(a) === 0) throw new CertloopError('USAGE', `--address expects an IPv4 or IPv6 address, got "${a}"`, { retryable: false });
  }
  const parsed = VerifyConfig.shape.resolver.safeParse(opts.resolver);
  if (!parsed.success) throw new CertloopError('USAGE', `--resolver expects IP or IP:PORT (for example 127.0.0.1:5353 or [::1]:53), got "${opts.resolver?.join(', ')}"`, { retryable: false });
  const specs = opts.endpoint!;
  const endpoints = specs.map((spec) => {
    const { host, port } = parseEndpoint(spec);
    return {
      host,
      port,
      sni: opts.sni,
      addresses: opts.address?.length ? opts.address : undefined,
      starttls: opts.starttls as StartTlsProtocol | undefined,
      timeout: timeoutMs,
      family: opts.family === undefined ? undefined : (Number(opts.family) as 4 | 6),
    } satisfies EndpointConfig;
  });
  return { specs, endpoints, timeoutMs };
}

async function adHoc(opts: VerifyOptions): Promise<number> {
  const expected = opts.expectSerial === undefined ? undefined : expectedSerial(opts.expectSerial);
  const { specs, endpoints, timeoutMs } = adHocEndpoints(opts);
  let roots: X509Certificate[];
  try {
    roots = loadRoots(opts.trust);
  } catch (err) {
    throw new CertloopError('USAGE', `cannot read --trust ${opts.trust}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { retryable: false });
  }
  // Behind one address may be a pool: with a serial to confirm, more than one connection by default.
  const samples = opts.samples ?? (expected !== undefined ? DEFAULT_AD_HOC_SAMPLES : 1);
  const settings = { resolver: opts.resolver, roots, expiringAlertMs: DEFAULT_POLICY.expiringAlertMs, samples };
  const probes = await probeEndpoints(endpoints, timeoutMs, settings);
  const outcome = judge(endpoints, probes, expected, settings);
  const rows = outcome.results.map((r, i) => row(specs[outcome.endpointOf![i]], r, outcome.probes[i], expected));
  if (opts.json) printJson({ endpoints: rows });
  else for (const r of rows) print(line(r, expected));
  return rows.every((r) => r.ok) ? EXIT.OK : EXIT.FAILED;
}

/** `--expect-serial` without `--samples`: as many connections as `verify.samples` defaults to. */
const DEFAULT_AD_HOC_SAMPLES = 3;

/** One row of `verify --endpoint --json` (documented in README "JSON output"). */
function row(endpoint: string, r: AddressResult, p: ProbeResult, expected: string | undefined) {
  const checks = r.checks ?? [];
  const trust = checks.find((c) => c.name === 'chain-trusted') ?? { name: 'chain-trusted', ok: false, message: 'no certificate' };
  // Every connection counts (a profile the server does not offer aside): with --expect-serial each
  // must have got it; without, they must all have got the same certificate.
  const counted = (r.samples ?? []).filter((s) => !s.notOffered);
  const serials = new Set(counted.map((s) => s.served));
  const serialMatches = expected === undefined ? serials.size <= 1 : r.served === expected && serials.size === 1;
  const allConnected = counted.every((s) => s.served !== undefined);
  const problems = checks.filter((c) => !c.ok && ALERT_CHECKS.has(c.name as CheckName));
  return {
    endpoint,
    address: r.address,
    sni: r.sni ?? null,
    starttls: r.starttls ?? null,
    connected: p.ok,
    ok: p.ok && allConnected && serialMatches && problems.length === 0,
    serial: r.served ?? null,
    serialMatches,
    issuer: p.leaf?.issuer ?? null,
    notBefore: p.leaf?.notBefore.toISOString() ?? null,
    notAfter: p.leaf?.notAfter.toISOString() ?? null,
    dnsNames: p.leaf?.dnsNames ?? [],
    trust,
    checks,
    error: r.error ?? null,
    note: r.note ?? null,
    ms: p.ms,
    detail: r.detail ?? null,
    samples: (r.samples ?? []).map((s) => ({ profile: s.profile ?? null, serial: s.served ?? null, error: s.error ?? null, notOffered: s.notOffered === true, ms: s.ms ?? null })),
  };
}

/** One line per address: verdict, where, what is served, and every failed check. */
function line(r: ReturnType<typeof row>, expected: string | undefined): string {
  const where = `${r.endpoint} ${r.address}${r.sni ? ` (SNI ${r.sni})` : ''}${r.starttls ? ` (${r.starttls})` : ''}`;
  if (!r.connected) return `FAILED   ${where}: ${r.error}`;
  const mark = !r.serialMatches ? 'MISMATCH' : r.ok ? 'ok      ' : 'PROBLEM ';
  const failed = r.checks.filter((c) => !c.ok && c.name !== 'serial').map((c) => `; ${c.name}: ${c.message}`).join('');
  const served = r.detail ?? `serial ${r.serial}`;
  return `${mark} ${where}: ${served}${expected && !r.serialMatches ? ` (expected ${expected})` : ''}, until ${r.notAfter}${failed}${r.note ? `; note: ${r.note}` : ''}`;
}
