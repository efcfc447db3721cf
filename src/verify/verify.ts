/**
 * Verification of one certificate: every address of every endpoint must serve the expected serial.
 * One stale node behind a load balancer is still an outage for the users it serves.
 */
import type { EndpointConfig } from '../config/schema.js';
import type { AddressResult } from '../state/record.js';
import { defaultSni, probe, resolveAll, type ProbeResult } from './probe.js';

export interface VerifyOutcome {
  verified: boolean;
  results: AddressResult[];
  /** One line a human can act on: "2 of 3 serve 0A1B…; 127.0.0.3 serves 7F3C…". */
  summary: string;
}

export async function probeEndpoints(endpoints: EndpointConfig[], timeoutMs: number): Promise<ProbeResult[][]> {
  return Promise.all(
    endpoints.map(async (ep) => {
      const sni = defaultSni(ep.host, ep.sni);
      let addresses: string[];
      try {
        addresses = await resolveAll(ep.host);
      } catch (err) {
        return [{ address: ep.host, port: ep.port, sni, ok: false, error: `cannot resolve ${ep.host}: ${(err as NodeJS.ErrnoException).code ?? err}`, ms: 0 }];
      }
      return Promise.all(addresses.map((address) => probe({ host: ep.host, port: ep.port, sni, address, timeoutMs })));
    }),
  );
}

export function judge(endpoints: EndpointConfig[], probes: ProbeResult[][], expectedSerial: string): VerifyOutcome {
  const results: AddressResult[] = [];
  endpoints.forEach((ep, i) => {
    for (const p of probes[i]) {
      const served = p.leaf?.serial;
      results.push({
        endpoint: `${ep.host}:${ep.port}${p.sni && p.sni !== ep.host ? ` (SNI ${p.sni})` : ''}`,
        address: p.address,
        ok: served === expectedSerial,
        served,
        notAfter: p.leaf?.notAfter.toISOString(),
        error: p.ok ? undefined : p.error,
      });
    }
  });
  const good = results.filter((r) => r.ok).length;
  const verified = results.length > 0 && good === results.length;
  const bad = results
    .filter((r) => !r.ok)
    .map((r) => (r.served ? `${r.address} (${r.endpoint}) serves ${r.served}` : `${r.address} (${r.endpoint}): ${r.error}`));
  const summary =
    results.length === 0
      ? 'no endpoints configured'
      : verified
        ? `all ${results.length} address(es) serve ${expectedSerial}`
        : `${good} of ${results.length} serve ${expectedSerial}; ${bad.join('; ')}`;
  return { verified, results, summary };
}

export async function verifyEndpoints(endpoints: EndpointConfig[], expectedSerial: string, timeoutMs: number): Promise<VerifyOutcome> {
  return judge(endpoints, await probeEndpoints(endpoints, timeoutMs), expectedSerial);
}

/**
 * After a deploy the server may need a moment to reload. Poll with a short backoff until every
 * address serves the serial or the budget is spent; the caller records "pending" after that.
 */
export async function pollUntilServed(
  endpoints: EndpointConfig[],
  expectedSerial: string,
  timeoutMs: number,
  budgetMs: number,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<VerifyOutcome> {
  const deadline = Date.now() + budgetMs;
  let delay = 100;
  for (;;) {
    const outcome = await verifyEndpoints(endpoints, expectedSerial, timeoutMs);
    if (outcome.verified || Date.now() + delay > deadline) return outcome;
    await sleep(delay);
    delay = Math.min(delay * 2, 2000);
  }
}
