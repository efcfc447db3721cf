/**
 * `certloop verify [NAME...]`: check configured endpoints now against the deployed serial.
 * `certloop verify --endpoint HOST:PORT ...`: ad-hoc, no config needed: print what is served.
 */
import fs from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { verifyOnly, type CertificateOutcome } from '../../controller/certificate.js';
import { policyFor } from '../../controller/run.js';
import { CertloopError } from '../../errors.js';
import { checkTrust, loadPemCertificates, normalizeSerial, systemRootCertificates } from '../../pki/certificate.js';
import { defaultSni, probe, resolveAll, type ProbeResult } from '../../verify/probe.js';
import { EXIT, print, printJson, withContext, type GlobalOptions } from '../context.js';

export interface VerifyOptions extends GlobalOptions {
  names?: string[];
  endpoint?: string[];
  sni?: string;
  expectSerial?: string;
  trust?: string;
  timeout?: number;
}

export async function verifyCommand(opts: VerifyOptions): Promise<number> {
  if (opts.endpoint && opts.endpoint.length > 0) return adHoc(opts);
  return withContext(opts, async ({ config, store, log }) => {
    const certs = opts.names ? config.certificates.filter((c) => opts.names!.includes(c.name)) : config.certificates;
    const missing = (opts.names ?? []).filter((n) => !certs.some((c) => c.name === n));
    if (missing.length) throw new CertloopError('USAGE', `no certificate named ${missing.join(', ')} in ${config.file}`, { retryable: false });
    const outcomes: CertificateOutcome[] = [];
    for (const cert of certs) {
      outcomes.push(
        await verifyOnly({
          config: cert,
          policy: policyFor(cert),
          store,
          log,
          baseDir: config.baseDir,
          directory: config.acme.directory,
          now: () => new Date(),
          acmeClient: () => Promise.reject(new Error('verify does not talk to the CA')),
          solver: () => Promise.reject(new Error('verify does not solve challenges')),
          targets: async () => [],
        }),
      );
    }
    if (opts.json) {
      printJson({
        certificates: outcomes.map((o) => ({
          name: o.name,
          deployedSerial: o.deployedSerial ?? null,
          verified: o.verification?.verified ?? false,
          summary: o.verification?.summary ?? o.error?.message,
          endpoints: o.verification?.results ?? [],
        })),
      });
    } else {
      for (const o of outcomes) {
        print(`${o.verdict === 'ready' ? 'ok     ' : 'NOT OK '} ${o.name}: ${o.verification?.summary ?? o.error?.message}`);
        for (const r of o.verification?.results ?? []) {
          print(`    ${r.ok ? 'ok   ' : 'STALE'} ${r.endpoint} ${r.address}: ${r.served ? `serves ${r.served}` : r.error}`);
        }
      }
    }
    return outcomes.every((o) => o.verdict === 'ready') ? EXIT.OK : EXIT.FAILED;
  });
}

function parseEndpoint(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  if (!m) throw new CertloopError('USAGE', `--endpoint expects HOST:PORT (or [IPv6]:PORT), got "${text}"`, { retryable: false });
  return { host: m[1] ?? m[2], port: Number(m[3]) };
}

async function adHoc(opts: VerifyOptions): Promise<number> {
  const expected = opts.expectSerial ? normalizeSerial(opts.expectSerial) : undefined;
  let roots = systemRootCertificates();
  if (opts.trust) {
    try {
      roots = [...roots, ...loadPemCertificates(fs.readFileSync(opts.trust, 'utf8'))];
    } catch (err) {
      throw new CertloopError('USAGE', `cannot read --trust ${opts.trust}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { retryable: false });
    }
  }
  const rows: ReturnType<typeof describe>[] = [];
  for (const spec of opts.endpoint!) {
    const { host, port } = parseEndpoint(spec);
    const sni = defaultSni(host, opts.sni);
    let addresses: string[];
    try {
      addresses = await resolveAll(host);
    } catch (err) {
      rows.push(describe(spec, { address: host, port, sni, ok: false, error: `cannot resolve: ${(err as NodeJS.ErrnoException).code}`, ms: 0 }, expected, roots));
      continue;
    }
    const results = await Promise.all(addresses.map((address) => probe({ host, port, sni, address, timeoutMs: opts.timeout ?? 10_000 })));
    rows.push(...results.map((r) => describe(spec, r, expected, roots)));
  }
  if (opts.json) printJson({ endpoints: rows });
  else {
    for (const r of rows) {
      if (!r.connected) {
        print(`FAILED  ${r.endpoint} ${r.address}: ${r.error}`);
        continue;
      }
      print(`${r.ok ? 'ok     ' : 'MISMATCH'} ${r.endpoint} ${r.address}${r.sni ? ` (SNI ${r.sni})` : ''}`);
      print(`    serial    ${r.serial}${expected && !r.serialMatches ? `  (expected ${expected})` : ''}`);
      print(`    issuer    ${r.issuer}`);
      print(`    notAfter  ${r.notAfter}`);
      print(`    names     ${r.dnsNames.join(', ')}`);
      print(`    trust     ${r.trust.message}`);
    }
  }
  return rows.every((r) => r.ok) ? EXIT.OK : EXIT.FAILED;
}

function describe(endpoint: string, r: ProbeResult, expected: string | undefined, roots: X509Certificate[]) {
  const leaf = r.leafPem ? new X509Certificate(r.leafPem) : undefined;
  const trust = leaf ? checkTrust(leaf, (r.chainPem ?? []).map((p) => new X509Certificate(p)), roots) : { name: 'chain-trusted', ok: false, message: 'no certificate' };
  const serialMatches = expected === undefined || r.leaf?.serial === expected;
  return {
    endpoint,
    address: r.address,
    sni: r.sni ?? null,
    connected: r.ok,
    ok: r.ok && serialMatches,
    serial: r.leaf?.serial ?? null,
    serialMatches,
    issuer: r.leaf?.issuer ?? null,
    notBefore: r.leaf?.notBefore.toISOString() ?? null,
    notAfter: r.leaf?.notAfter.toISOString() ?? null,
    dnsNames: r.leaf?.dnsNames ?? [],
    trust,
    error: r.error ?? null,
  };
}
