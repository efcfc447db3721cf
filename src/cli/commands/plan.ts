/** `certloop plan [NAME...] [--at TIME]`: what a run at TIME would do for each certificate, and why. */
import { defaultConfigPath, loadConfig } from '../../config/load.js';
import { policyFor } from '../../controller/run.js';
import { CertloopError } from '../../errors.js';
import { planCertificate, type CertificatePlan } from '../../policy/plan.js';
import { readRecords } from '../../state/read-only.js';
import { parseTimeArg } from '../../util/time-arg.js';
import { EXIT, print, printJson, type GlobalOptions } from '../context.js';
import { relative, shortSerial } from '../format.js';

export async function planCommand(opts: GlobalOptions & { names?: string[]; at?: string }): Promise<number> {
  const now = new Date();
  const at = opts.at ? parseTimeArg(opts.at, now) : now;
  const config = loadConfig(defaultConfigPath(opts.config));
  const certs = opts.names ? config.certificates.filter((c) => opts.names!.includes(c.name)) : config.certificates;
  const missing = (opts.names ?? []).filter((n) => !certs.some((c) => c.name === n));
  if (missing.length) throw new CertloopError('USAGE', `no certificate named ${missing.join(', ')} in ${config.file}`, { retryable: false });

  // Read-only: a plan never creates the state file, takes a lock, or asks the CA anything.
  const records = await readRecords(config.state, certs.map((c) => c.name));
  const plans: CertificatePlan[] = certs.map((c) => planCertificate(c.name, c.domains, records.get(c.name), policyFor(c), at));
  if (opts.json) printJson({ at: at.toISOString(), now: now.toISOString(), certificates: plans });
  else {
    print(`plan at ${at.toISOString()}${at !== now ? ` (${relative(at, now)})` : ''}`);
    for (const p of plans) printPlan(p, at);
  }
  return EXIT.OK;
}

function printPlan(p: CertificatePlan, at: Date): void {
  print();
  print(`${p.name}  policy ${p.policy}`);
  print(`  serial    issued ${shortSerial(p.serials.issued ?? undefined)}  deployed ${shortSerial(p.serials.deployed ?? undefined)}`);
  if (p.notAfter) print(`  expires   ${p.notAfter} (${relative(p.notAfter, at)})`);
  if (p.renewAt) print(`  renews    ${p.renewAt} (${relative(p.renewAt, at)}; ${p.renewSource}: ${p.renewReason})`);
  if (p.ari) {
    const w = p.ari.windowStart ? `window ${p.ari.windowStart} .. ${p.ari.windowEnd}, picked ${p.ari.selectedAt}` : 'no window';
    print(`  ari       ${w}${p.ari.error ? ` (last fetch failed: ${p.ari.error})` : ''}${p.ari.explanationURL ? ` see ${p.ari.explanationURL}` : ''}`);
  }
  if (p.lastError) print(`  failure   ${p.lastError.step}: ${p.lastError.message} (attempt ${p.lastError.attempts})`);
  if (p.nextAttemptAt && p.lastError) print(`  retry     ${p.nextAttemptAt} (${relative(p.nextAttemptAt, at)})`);
  print(`  would     ${p.action}${p.source ? ` [${p.source}]` : ''}: ${p.message}`);
}
