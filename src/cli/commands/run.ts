/** `certloop run`: one pass over all certificates (run.action.ts). */
import { Option, type Command } from 'commander';
import { act, EXIT_CODES_HELP, globalOptions, type CliInvocation } from '../command.js';
import type { Recheck } from '../../verify/freshness.js';

export function register(program: Command, cli: CliInvocation): void {
  program
    .command('run')
    .description('one pass over all certificates: decide, issue what is due, deploy, verify')
    .addHelpText(
      'after',
      `
Safe to run as often as you like (cron, systemd timer, Kubernetes CronJob): certificates that are
not due are only re-verified. A deploy or verification that failed earlier is retried with the same
certificate; certloop never orders a new one because a later step failed.

By default every run probes every endpoint, so drift (a rollback, a stale node) is seen on the next
run. With --recheck due, a certificate with nothing to do whose endpoints all passed a check within
its policy's recheckInterval (default 1h, short-lived 15m) is reported from the state store without
probing: for runs every few minutes over many certificates; drift is then seen within the interval.

Examples:
  certloop run
  certloop run --recheck due    # every 5 minutes from cron: probe each endpoint at most hourly
  certloop run --json > last-run.json
  certloop run --metrics-file /var/lib/node_exporter/textfile/certloop.prom
  certloop run --shard 0/4      # this process takes a quarter of the certificates (0/4 … 3/4)
  certloop run --shard auto/4   # Kubernetes Indexed Job: the index comes from $JOB_COMPLETION_INDEX

Sharding splits certificates by a stable hash of their name, so N processes sharing one state store
(state: { type: azure-blob }) cover every certificate exactly once; locks still guard overlaps.
${EXIT_CODES_HELP}`,
    )
    .option('--metrics-file <path>', "write Prometheus metrics to PATH after the run, atomically (node_exporter's textfile collector)")
    .option('--shard <index/count>', 'only the certificates of shard INDEX of COUNT (0-based), or auto/COUNT with $JOB_COMPLETION_INDEX')
    .addOption(
      new Option('--recheck <mode>', "all: probe every endpoint (default); due: skip endpoints checked within the policy's recheckInterval when nothing else is to do")
        .choices(['all', 'due'])
        .default('all'),
    )
    .action(act(cli, async (o: { metricsFile?: string; shard?: string; recheck: Recheck }, cmd: Command) => {
      const { runCommand } = await import('./run.action.js');
      return runCommand({ ...globalOptions(cli, cmd), metricsFile: o.metricsFile, shard: o.shard, recheck: o.recheck });
    }));
}
