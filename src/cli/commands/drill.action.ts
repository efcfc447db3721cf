/** `certloop drill [NAME...] [--at TIME]`: the near-expiry fire drill, one report per certificate. */
import { drillAndRecord, isSkipped } from '../../controller/drill-record.js';
import type { DrillReport } from '../../controller/drill.js';
import { CertloopError } from '../../errors.js';
import { parseTimeArg } from '../../util/time-arg.js';
import { EXIT, print, printJson, withContext, type GlobalOptions } from '../context.js';
import { createObservers } from '../../report/observers.js';

export async function drillCommand(opts: GlobalOptions & { names?: string[]; at?: string }): Promise<number> {
  return withContext(opts, async ({ config, store, log }) => {
    const at = opts.at ? parseTimeArg(opts.at, new Date()) : undefined;
    const certs = opts.names ? config.certificates.filter((c) => opts.names!.includes(c.name)) : config.certificates;
    const missing = (opts.names ?? []).filter((n) => !certs.some((c) => c.name === n));
    if (missing.length) throw new CertloopError('USAGE', `no certificate named ${missing.join(', ')} in ${config.file}`, { retryable: false });
    const sourced = (opts.names ?? []).filter((n) => certs.some((c) => c.name === n && c.source));
    if (sourced.length) throw new CertloopError('USAGE', `nothing to drill for ${sourced.join(', ')}: certloop does not issue a certificate with a source (it reads the source and verifies the endpoints)`, { retryable: false });
    // Recorded like the daemon's scheduled drills (status, metrics, drill_failed / drill_recovered).
    const observers = createObservers(config, store, log);
    const results = await drillAndRecord({ config, store, log, certificates: certs, trigger: 'manual', events: observers.bus, at });
    await observers.dispatcher.drain();
    const reports = results.filter((r): r is DrillReport => !isSkipped(r));
    const skipped = results.filter(isSkipped);
    const passed = skipped.length === 0 && reports.every((r) => r.passed);
    if (opts.json) printJson({ passed, certificates: reports, ...(skipped.length ? { skipped } : {}) });
    else {
      for (const r of reports) {
        print(`${r.passed ? 'PASSED' : 'FAILED'}  ${r.name}  (clock at ${r.at}, staging ${r.directory ?? '-'})`);
        for (const s of r.steps) print(`  ${{ pass: 'pass', fail: 'FAIL', skip: 'skip' }[s.status]}  ${s.step.padEnd(9)} ${s.message}`);
      }
      for (const s of skipped) print(`SKIPPED ${s.name}  (${s.skipped}; try again once it is done)`);
    }
    return passed ? EXIT.OK : EXIT.FAILED;
  });
}
