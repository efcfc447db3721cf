/** `certloop forecast [NAME...] [--days N] [--every INTERVAL] [--svg FILE]`: the schedule, simulated. */
import fs from 'node:fs';
import { defaultConfigPath, loadConfig } from '../../config/load.js';
import { policyFor } from '../../controller/run.js';
import { CertloopError } from '../../errors.js';
import { forecast, type Forecast } from '../../policy/forecast.js';
import { forecastSvg } from '../../policy/forecast-svg.js';
import { readRecords } from '../../state/read-only.js';
import { formatDuration, parseDuration } from '../../util/duration.js';
import { parseTimeArg } from '../../util/time-arg.js';
import { EXIT, print, printJson, type GlobalOptions } from '../context.js';

export interface ForecastCommandOptions extends GlobalOptions {
  names?: string[];
  days?: string;
  every?: string;
  from?: string;
  svg?: string;
}

export async function forecastCommand(opts: ForecastCommandOptions): Promise<number> {
  const now = new Date();
  const days = Number(opts.days ?? 180);
  if (!Number.isFinite(days) || days <= 0 || days > 3650) throw new CertloopError('USAGE', `--days expects a number of days from 1 to 3650, got "${opts.days}"`, { retryable: false });
  const everyMs = parseDuration(opts.every ?? '12h');
  if (!everyMs || everyMs < 60_000) throw new CertloopError('USAGE', `--every expects how often certloop runs, at least 1m (e.g. 12h, 1d), got "${opts.every}"`, { retryable: false });
  const from = opts.from ? parseTimeArg(opts.from, now, '--from') : now;

  const config = loadConfig(defaultConfigPath(opts.config));
  const certs = opts.names ? config.certificates.filter((c) => opts.names!.includes(c.name)) : config.certificates;
  const missing = (opts.names ?? []).filter((n) => !certs.some((c) => c.name === n));
  if (missing.length) throw new CertloopError('USAGE', `no certificate named ${missing.join(', ')} in ${config.file}`, { retryable: false });

  const records = await readRecords(config.state, certs.map((c) => c.name));
  const result: Forecast = forecast(
    certs.map((c) => ({ name: c.name, domains: c.domains, policy: policyFor(c), record: records.get(c.name) })),
    { from, days, everyMs },
  );
  if (opts.svg) fs.writeFileSync(opts.svg, forecastSvg(result));

  const risky = result.certificates.some((c) => c.risks.some((r) => r.kind !== 'assumed-lifetime'));
  if (opts.json) printJson({ ...result, risky });
  else {
    print(`forecast ${result.from} .. ${result.to}, a run every ${formatDuration(everyMs)}`);
    for (const c of result.certificates) {
      print();
      print(`${c.name}  policy ${c.policy}  lifetime ${formatDuration(c.lifetimeMs)}: ${c.renewals.length} renewal(s), ${c.alerts.length} alert(s), ${c.risks.length} risk(s)`);
      for (const r of c.renewals) print(`  renew   ${r.at} [${r.source ?? '-'}] with ${formatDuration(r.remainingMs)} left`);
      for (const a of c.alerts) print(`  alert   ${a.at} ${a.message}`);
      for (const r of c.risks) print(`  RISK    ${r.kind}${r.at ? ` at ${r.at}` : ''}: ${r.message}`);
    }
    if (opts.svg) print(`\ntimeline written to ${opts.svg}`);
  }
  return risky ? EXIT.FAILED : EXIT.OK;
}
