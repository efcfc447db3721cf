/** `certloop plan [NAME...] [--at TIME]`: what a run at TIME would do for each certificate, and why. */
import { defaultConfigPath } from '../../config/load.js';
import { loadConfigOutline } from '../../config/outline.js';
import { sourceLabel } from '../../config/schema.js';
// Not controller/run.js's policyFor (the same lookup): that would load the ACME client and every provider.
import { resolvedPolicyFor as policyFor } from '../../policy/load.js';
import { CertloopError } from '../../errors.js';
import { planCertificate, type CertificatePlan } from '../../policy/plan.js';
import { readSummaries } from '../../state/read-only.js';
import { parseTimeArg } from '../../util/time-arg.js';
import { EXIT, type GlobalOptions } from '../context.js';
import { ChunkedOutput, writeJsonWithList } from '../output.js';
import { relative, shortSerial } from '../format.js';

export async function planCommand(opts: GlobalOptions & { names?: string[]; at?: string }): Promise<number> {
  const now = new Date();
  const at = opts.at ? parseTimeArg(opts.at, now) : now;
  // Validated like every command, kept in outline (name, domains, policy): all a plan needs.
  const config = loadConfigOutline(defaultConfigPath(opts.config));
  const certs = opts.names ? config.certificates.filter((c) => opts.names!.includes(c.name)) : config.certificates;
  const missing = (opts.names ?? []).filter((n) => !certs.some((c) => c.name === n));
  if (missing.length) throw new CertloopError('USAGE', `no certificate named ${missing.join(', ')} in ${config.file}`, { retryable: false });

  // Read-only: a plan never creates the state file, takes a lock, or asks the CA anything. It
  // reads the records' summaries (what decide needs), not the records with their PEMs.
  const records = await readSummaries(config.state, certs.map((c) => c.name));
  // One plan at a time, written as it is made: 100,000 certificates never sit in memory as plans.
  function* plans(): Generator<CertificatePlan> {
    for (const c of certs) yield planCertificate(c.name, c.domains, records.get(c.name), policyFor(c), at, sourceLabel(c));
  }
  const out = new ChunkedOutput();
  if (opts.json) writeJsonWithList(out, { at: at.toISOString(), now: now.toISOString() }, 'certificates', plans());
  else {
    out.line(`plan at ${at.toISOString()}${at !== now ? ` (${relative(at, now)})` : ''}`);
    // One string per certificate, not one per line: 700,000 lines are 1.4 million pieces to join.
    for (const p of plans()) out.raw(planText(p, at));
    out.flush();
  }
  return EXIT.OK;
}

/** The lines of one certificate's plan, each ending in a newline, after an empty line. */
function planText(p: CertificatePlan, at: Date): string {
  let text = `\n${p.name}  policy ${p.policy}\n  serial    issued ${shortSerial(p.serials.issued ?? undefined)}  deployed ${shortSerial(p.serials.deployed ?? undefined)}\n`;
  if (p.notAfter) text += `  expires   ${p.notAfter} (${relative(p.notAfter, at)})\n`;
  if (p.renewAt) text += `  renews    ${p.renewAt} (${relative(p.renewAt, at)}; ${p.renewSource}: ${p.renewReason})\n`;
  if (p.ari) {
    const w = p.ari.windowStart ? `window ${p.ari.windowStart} .. ${p.ari.windowEnd}, picked ${p.ari.selectedAt}` : 'no window';
    text += `  ari       ${w}${p.ari.error ? ` (last fetch failed: ${p.ari.error})` : ''}${p.ari.explanationURL ? ` see ${p.ari.explanationURL}` : ''}\n`;
  }
  if (p.lastError) text += `  failure   ${p.lastError.step}: ${p.lastError.message} (attempt ${p.lastError.attempts})\n`;
  if (p.nextAttemptAt && p.lastError) text += `  retry     ${p.nextAttemptAt} (${relative(p.nextAttemptAt, at)})\n`;
  return `${text}  would     ${p.action}${p.source ? ` [${p.source}]` : ''}: ${p.message}\n`;
}
