/** `certloop drill [NAME...] [--at TIME]`: the near-expiry fire drill, one report per certificate. */
import { drillCertificate, type DrillReport } from '../../controller/drill.js';
import { CertloopError } from '../../errors.js';
import { parseTimeArg } from '../../util/time-arg.js';
import { EXIT, print, printJson, withContext, type GlobalOptions } from '../context.js';

export async function drillCommand(opts: GlobalOptions & { names?: string[]; at?: string }): Promise<number> {
  return withContext(opts, async ({ config, store, log }) => {
    const at = opts.at ? parseTimeArg(opts.at, new Date()) : undefined;
    const certs = opts.names ? config.certificates.filter((c) => opts.names!.includes(c.name)) : config.certificates;
    const missing = (opts.names ?? []).filter((n) => !certs.some((c) => c.name === n));
    if (missing.length) throw new CertloopError('USAGE', `no certificate named ${missing.join(', ')} in ${config.file}`, { retryable: false });
    // One at a time: drills share the challenge listener and are not in a hurry.
    const reports: DrillReport[] = [];
    for (const cert of certs) reports.push(await drillCertificate({ config, cert, store, log, at }));
    const passed = reports.every((r) => r.passed);
    if (opts.json) printJson({ passed, certificates: reports });
    else {
      for (const r of reports) {
        print(`${r.passed ? 'PASSED' : 'FAILED'}  ${r.name}  (clock at ${r.at}, staging ${r.directory ?? '-'})`);
        for (const s of r.steps) print(`  ${{ pass: 'pass', fail: 'FAIL', skip: 'skip' }[s.status]}  ${s.step.padEnd(9)} ${s.message}`);
      }
    }
    return passed ? EXIT.OK : EXIT.FAILED;
  });
}
