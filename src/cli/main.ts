/**
 * The command table. Each command lives in commands/<name>.ts (parse → call → print); this file
 * only wires options and turns errors into exit codes: 0 all good, 1 something failed or is not
 * served, 2 bad usage or config.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { validateCronExpression } from '../util/cron-expression.js';
import { formatDuration, parseDuration } from '../util/duration.js';
import { BOUNDS } from '../config/bounds.js';
import { EXIT, type GlobalOptions } from './context.js';
import { reportError, wantsJson } from './report-error.js';
import type { Recheck } from '../verify/freshness.js';

const EXIT_CODES_HELP = `
Exit codes:
  0  everything is issued, deployed and served (or nothing was due)
  1  something failed, or an endpoint does not serve the deployed certificate (run: once its
     verify deadline has passed, or at once on drift), or serves one with a problem, or a
     certificate has no endpoints to confirm it (unless verify.unverified: true)
  2  bad usage or configuration (the message names the file, field and fix)

Configuration: -c FILE, else $CERTLOOP_CONFIG, else ./certloop.yaml (see README.md).`;

function globalOptions(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

let exitCode: number = EXIT.OK;

/** Commander ignores what actions return; actions hand their exit code back through here. */
function act<A extends unknown[]>(fn: (...args: A) => Promise<number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    exitCode = await fn(...args);
  };
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function buildProgram(): Command {
  const program = new Command('certloop')
    .description('Renew ACME certificates, deploy them, and confirm every endpoint serves the new serial.')
    .option('-c, --config <file>', 'configuration file (default: $CERTLOOP_CONFIG or ./certloop.yaml)')
    .option('--json', 'print machine-readable JSON on stdout (logs stay on stderr)')
    .addOption(new Option('--log-level <level>', 'log level for stderr').choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']))
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride();

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
    .action(act(async (o: { metricsFile?: string; shard?: string; recheck: Recheck }, cmd: Command) => {
      const { runCommand } = await import('./commands/run.js');
      return runCommand({ ...globalOptions(cmd), metricsFile: o.metricsFile, shard: o.shard, recheck: o.recheck });
    }));

  program
    .command('renew')
    .description('renew the named certificates now if due (the manual trigger); --force renews even when not due')
    .argument('<name...>', 'certificate names from the config')
    .option('--force', 'order a new certificate even if the current one is not due')
    .option('--ca <ca>', 'order only from this CA, no failover: primary, fallback (the first), fallback-N, or a configured directory URL')
    .option('--metrics-file <path>', 'write Prometheus metrics to PATH after the run, atomically')
    .addHelpText(
      'after',
      `
Examples:
  certloop renew web               # do whatever is due for "web" right now
  certloop renew web api --force   # new certificates for both, then deploy and verify
  certloop renew web --force --ca fallback   # the primary CA is down: order from acme.fallback[0] now
${EXIT_CODES_HELP}`,
    )
    .action(act(async (names: string[], o: { force?: boolean; ca?: string; metricsFile?: string }, cmd: Command) => {
      const { runCommand } = await import('./commands/run.js');
      return runCommand({ ...globalOptions(cmd), names, force: o.force, ca: o.ca, metricsFile: o.metricsFile });
    }));

  program
    .command('verify')
    .description('check now that endpoints serve the deployed certificate, or probe any endpoint ad hoc')
    .argument('[name...]', 'certificate names from the config (default: all)')
    .option('--endpoint <host:port>', 'probe this endpoint without a config (repeatable)', collect)
    .option('--sni <name>', 'SNI to send with --endpoint (default: the host when it is a name)')
    .option('--expect-serial <hex>', 'with --endpoint: exit 1 unless this serial is served (hex: 0A1B, 0a:1b, or serial=0A1B as openssl x509 -serial prints it)')
    .option('--trust <file>', 'with --endpoint: extra trusted roots (PEM) for the chain check')
    .option('--timeout <ms>', 'per-connection timeout in milliseconds, or a duration such as 2s')
    .addOption(new Option('--starttls <protocol>', 'with --endpoint: upgrade with STARTTLS before the handshake').choices(['smtp', 'imap', 'pop3', 'ftp', 'postgres']))
    .option('--address <ip>', 'with --endpoint: probe this address instead of resolving the host (repeatable)', collect)
    .option('--resolver <ip:port>', 'with --endpoint: resolve with this DNS server instead of the system resolver (repeatable)', collect)
    .option('--samples <n>', 'connections per address, each with the next client profile (default: verify.samples, 3; with --endpoint 3 when --expect-serial is given, else 1)', parseSamplesOption)
    .addOption(new Option('--family <4|6>', 'with --endpoint: resolve only A (4) or only AAAA (6) records').choices(['4', '6']))
    .addHelpText(
      'after',
      `
Every A and AAAA address of the host is probed, one line per address; a family whose lookup fails
(SERVFAIL, REFUSED, no answer) while the other answers is a failed line of its own. Each address
gets --samples separate connections (a load balancer may send each to another node), rotating the
client profiles default, rsa, ecdsa (a server holding an ECDSA and an RSA certificate shows both);
one connection that gets another serial fails the address. Besides the serial, each
address is checked: chain-trusted (system roots + --trust), chain-complete (intermediates sent),
chain-valid (every certificate of the path within its dates, issuers real CAs within pathLen,
usages for TLS servers), name-matches (SNI, subjectAltName only), not-expired, not-expiring (14
days, or 1/5 of a short lifetime). Exit 1 when any address fails to connect, serves another serial
than --expect-serial, or fails a check. A configured certificate without endpoints exits 1 too
(nothing confirms it), unless its config says verify.unverified: true.

Examples:
  certloop verify                         # every configured certificate, against its deployed serial
  certloop verify --endpoint example.com:443
  certloop verify --endpoint 127.0.0.1:8443 --sni a.test --expect-serial 0A1B2C --trust root.pem
  certloop verify --endpoint www.example.com:443 --resolver 192.0.2.53 --json
  certloop verify --endpoint www.example.com:443 --address 10.0.0.4 --address 10.0.0.5
  certloop verify --endpoint mail.example.com:587 --starttls smtp --timeout 5s
  certloop verify --endpoint lb.example.com:443 --expect-serial 0A1B2C --samples 10   # a pool of 4 nodes
${EXIT_CODES_HELP}`,
    )
    .action(act(async (names: string[], o: Record<string, unknown>, cmd: Command) => {
      const { verifyCommand } = await import('./commands/verify.js');
      return verifyCommand({ ...globalOptions(cmd), ...o, names: names.length ? names : undefined });
    }));

  program
    .command('status')
    .description("each certificate's state, serials (issued, deployed, served), expiry, conditions and next action")
    .argument('[name...]', 'certificate names (default: all)')
    .addHelpText('after', `\nExit status is 0 when every certificate is Ready, 1 otherwise.\n${EXIT_CODES_HELP}`)
    .action(act(async (names: string[], _o, cmd: Command) => {
      const { statusCommand } = await import('./commands/status.js');
      return statusCommand({ ...globalOptions(cmd), names: names.length ? names : undefined });
    }));

  addToolkitCommands(program);
  program
    .command('report')
    .description('write the status page (the one the daemon serves at /) to a file, from the state store')
    .option('--html <file>', 'write a self-contained HTML page here, atomically ("-" for stdout)')
    .addHelpText(
      'after',
      `
The page lists every certificate most urgent first: state and conditions, the serial issued,
deployed and served per endpoint address (stale addresses stand out), expiry, the next renewal time
and its source, recent events and failures, and a timeline of validity periods. It needs no
JavaScript and loads nothing from the network. It reads the state store only; run \`certloop run\`
first for fresh results. Exit status is 0 when the page was written, whatever it shows.

Examples:
  certloop report --html /var/www/certloop/index.html
  certloop run; certloop report --html status.html
  certloop report --html - | mail -a 'Content-Type: text/html' -s 'certificates' ops@example.com
${EXIT_CODES_HELP}`,
    )
    .action(act(async (o: { html?: string }, cmd: Command) => {
      const { reportCommand } = await import('./commands/report.js');
      return reportCommand({ ...globalOptions(cmd), html: o.html });
    }));

  program
    .command('plan')
    .description('what a run at a given time would do for each certificate, and why (read-only)')
    .argument('[name...]', 'certificate names (default: all)')
    .option('--at <time>', 'ISO 8601 time, "now", or relative to now: +30d, +2h, -1d (default: now)')
    .addHelpText(
      'after',
      `
Uses exactly the decision function \`run\` uses, on the stored state and the last ARI window
(plan never contacts the CA and never writes state), so a plan at T predicts a run at T.

Examples:
  certloop plan                    # what would a run do now
  certloop plan --at +30d          # ... in 30 days
  certloop plan web --at 2026-09-01T00:00:00Z --json
${EXIT_CODES_HELP}`,
    )
    .action(act(async (names: string[], o: { at?: string }, cmd: Command) => {
      const { planCommand } = await import('./commands/plan.js');
      return planCommand({ ...globalOptions(cmd), names: names.length ? names : undefined, at: o.at });
    }));

  program
    .command('forecast')
    .description('simulate the renewal schedule ahead: every renewal and alert, and what would hurt')
    .argument('[name...]', 'certificate names (default: all)')
    .option('--days <n>', 'how many days to simulate (default 180)')
    .option('--every <interval>', 'how often certloop runs (cron/timer interval), e.g. 1h, 12h, 1d (default 12h)')
    .option('--from <time>', 'start of the simulation (default: now); same forms as plan --at')
    .option('--svg <file>', 'also write the timeline as a self-contained SVG')
    .addHelpText(
      'after',
      `
Each renewal is assumed to succeed with the lifetime seen so far. Flags certificates that would
expire before the next run, renewal windows too short for the retry schedule to recover from one
failed day, and verify deadlines longer than the life left at renewal. Exit 1 when anything is
flagged.

Examples:
  certloop forecast
  certloop forecast --days 365 --every 1d --svg forecast.svg
  certloop forecast web --json
${EXIT_CODES_HELP}`,
    )
    .action(act(async (names: string[], o: Record<string, string>, cmd: Command) => {
      const { forecastCommand } = await import('./commands/forecast.js');
      return forecastCommand({ ...globalOptions(cmd), ...o, names: names.length ? names : undefined });
    }));

  program
    .command('discover')
    .description('list the names the watch sources (DNS zones, inventories) yield, and which of them nobody listed')
    .option('--write <file>', 'append the names nobody listed that answer TLS to this inventory file (host:port lines, as the file source reads)')
    .option('--resolver <ip:port>', 'resolve names with this DNS server instead of the system resolver (repeatable)', collect)
    .option('--timeout <duration>', 'deadline of one TLS attempt per name (default 3s)')
    .option('--concurrency <n>', 'TLS attempts at once (default 64)')
    .addHelpText(
      'after',
      `
Every source under watch.sources is listed (axfr: a zone transfer, azure-dns: the zone's record
sets, file: an inventory). Each name is then one of:
  managed    a certificate's domains cover it, or it is one of its verify endpoints
  watched    listed by name: watch.endpoints, or an inventory file (a file source)
  unlisted   nobody listed it: a zone source names it, and only that
Each unlisted name is tried once for a TLS handshake on its port (--timeout, --concurrency at
once); those that give no TLS answer (refused, silent, not TLS, no address) are listed apart and
are not a problem. --write FILE appends the unlisted names that answer TLS to FILE, one host:port
a line under a dated comment; what FILE holds stays as it is and names it lists are not repeated.
Point a file source at FILE ({ type: file, path: FILE }) to watch them by name from then on.

Examples:
  certloop discover
  certloop discover --json > names.json
  certloop discover --write inventory.txt      # then: watch.sources: [{ type: file, path: inventory.txt }, ...]
  certloop discover --resolver 192.0.2.53      # resolve with the zone's own server (split horizon)

Exit codes:
  0  every source listed its names (unlisted names and names without TLS do not change this)
  1  a source could not list its names (SOURCE_FAILED; the others are still shown)
  2  bad usage or configuration`,
    )
    .action(act(async (o: Record<string, unknown>, cmd: Command) => {
      const { discoverCommand } = await import('./commands/discover.js');
      return discoverCommand({ ...globalOptions(cmd), ...o });
    }));

  program
    .command('drill')
    .description('near-expiry fire drill: prove renewal works now (staging CA, drill copies), production untouched')
    .argument('[name...]', 'certificate names (default: all)')
    .option('--at <time>', 'the simulated time (default: when the policy would renew); same forms as plan --at')
    .addHelpText(
      'after',
      `
Runs the real pipeline with the clock set near expiry: decide, order from acme.staging (Let's
Encrypt staging for Let's Encrypt), check, deploy to drill copies (a file target writes FILE.drill
beside each file, runs no reload, and removes them), then confirms every endpoint still serves the
last deployed serial. Each step reports pass or fail with the reason; exit 0 only when all pass.
The result is recorded like the daemon's scheduled drills: status shows the last drill, and a
failure (drill_failed) or a recovery (drill_recovered) is notified.

Examples:
  certloop drill
  certloop drill web --json
  certloop drill web --at +60d
${EXIT_CODES_HELP}`,
    )
    .action(act(async (names: string[], o: { at?: string }, cmd: Command) => {
      const { drillCommand } = await import('./commands/drill.js');
      return drillCommand({ ...globalOptions(cmd), names: names.length ? names : undefined, at: o.at });
    }));

  program
    .command('daemon')
    .description('run continuously: full runs on a cron schedule, verify passes in between, /metrics and /healthz over HTTP')
    .option('--listen <host:port>', 'HTTP address for /metrics, /healthz and / (default: listen: in the config, else 127.0.0.1:9464)', (v) => parseHostPort(v))
    .option('--schedule <cron>', 'cron expression for full runs (default: schedule: in the config, else twice a day at a minute fixed per installation)', (v) => parseCron(v))
    .option('--verify-interval <duration>', 'time between verify passes, 1s to 365d, e.g. 10m (default: verifyInterval: in the config, else 1h)', (v) => parseDurationOption(v))
    .option('--no-initial-run', 'wait for the schedule instead of running once at start')
    .addHelpText(
      'after',
      `
A run happens at start, then on the schedule; between runs, deployed certificates are re-verified
every verify interval (a verify pass never contacts the CA). One pass at a time: a tick that comes
while a pass is working is skipped. The near-expiry drill (certloop drill) runs on drill.schedule
(default weekly, at a time fixed per installation; drill.enabled: false turns it off); results go
to status, /metrics and notifications. /healthz answers 503 while a pass overruns its deadline
(passTimeout). SIGTERM or SIGINT cuts a CA request or post-deploy polling short, otherwise stops at
the next step boundary, releases the locks and exits 0 within shutdownTimeout (default 30s; past it,
exits 1 with the locks released); a second signal exits at once.

Examples:
  certloop daemon
  certloop daemon --listen 0.0.0.0:9464 --schedule "17 4,16 * * *" --verify-interval 15m
  curl -s localhost:9464/metrics | grep certloop_certificate_expiration
${EXIT_CODES_HELP}`,
    )
    .action(act(async (o: { listen?: string; schedule?: string; verifyInterval?: number; initialRun?: boolean }, cmd: Command) => {
      const { daemonCommand } = await import('./commands/daemon.js');
      return daemonCommand({ ...globalOptions(cmd), ...o });
    }));

  return program;
}

/** The operator's toolkit: init, config check/schema, rollback (issue 11). */
function addToolkitCommands(program: Command): void {
  program
    .command('init')
    .description('write a commented starter certloop.yaml (and certloop.schema.json for editors); never overwrites')
    .option('--domain <name>', 'a DNS name for the certificate (repeatable; the first is the CN)', collect)
    .option('--email <address>', 'ACME account contact')
    .option('--name <name>', 'certificate name (default: the first domain)')
    .option('--directory <url>', 'ACME directory URL or alias (letsencrypt, letsencrypt-staging)', 'letsencrypt')
    .option('--webroot <dir>', 'http-01 through your web server: write challenge files under DIR')
    .option('--standalone [host:port]', 'http-01 answered by certloop itself (default 0.0.0.0:80)')
    .option('--nginx', 'reload nginx after deploying and verify every domain on port 443')
    .addHelpText(
      'after',
      `
Writes -c FILE (default ./certloop.yaml) and certloop.schema.json beside it. Refuses (exit 2) when
the file exists. The file is checked with the real loader before it is written.

Examples:
  certloop init --domain example.com --domain www.example.com --email ops@example.com --webroot /var/www/html --nginx
  certloop init -c /etc/certloop/certloop.yaml --domain api.example.com --standalone 0.0.0.0:80
${EXIT_CODES_HELP}`,
    )
    .action(act(async (o: Record<string, unknown>, cmd: Command) => {
      const { initCommand } = await import('./commands/init.js');
      return initCommand({ ...globalOptions(cmd), ...o });
    }));

  const config = program.command('config').description('check the configuration, or print its JSON Schema');
  config
    .command('check')
    .description('validate the configuration and print it resolved (defaults, absolute paths) with secrets masked')
    .addHelpText(
      'after',
      `
Exit 0 when valid, 1 when valid but something would fail at run time (an unreadable caBundle or
trust file, a reload program that is not installed: printed as warnings on stderr), 2 when invalid
(every problem as FILE:LINE:COLUMN: field: what is expected).

Examples:
  certloop config check
  certloop -c /etc/certloop/certloop.yaml config check --json
`,
    )
    .action(act(async (_o, cmd: Command) => {
      const { configCheckCommand } = await import('./commands/config.js');
      return configCheckCommand(globalOptions(cmd));
    }));
  config
    .command('schema')
    .description('print the JSON Schema of certloop.yaml (for editors and CI linters)')
    .addHelpText(
      'after',
      `
Generated from the same schema the loader uses. Point your editor at it with a first line
  # yaml-language-server: $schema=./certloop.schema.json

Examples:
  certloop config schema > certloop.schema.json
`,
    )
    .action(act(async () => {
      const { configSchemaCommand } = await import('./commands/config.js');
      return configSchemaCommand();
    }));

  program
    .command('rollback')
    .description('redeploy the previously deployed certificate to every target, then verify it is served')
    .argument('<name>', 'certificate name from the config')
    .addHelpText(
      'after',
      `
The previous certificate and its key come from the state store; every target gets it again (the
file target keeps what it replaces as *.prev), then every endpoint is checked. Refused (exit 1,
with the reason) when there is no previous certificate, or it is expired, inside its emergency
window (the last 1/20 of its lifetime) or fails the pre-deploy checks.

Afterwards automatic renewal pauses until that emergency window, so the next scheduled run does
not undo the rollback; \`certloop renew NAME --force\` ends the pause. \`certloop status\` shows it.

Examples:
  certloop rollback web
  certloop rollback web --json
${EXIT_CODES_HELP}`,
    )
    .action(act(async (name: string, _o, cmd: Command) => {
      const { rollbackCommand } = await import('./commands/rollback.js');
      return rollbackCommand({ ...globalOptions(cmd), name });
    }));
}

function parseHostPort(v: string): string {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(v);
  if (!m || Number(m[2]) > 65535) throw new InvalidArgumentError('expected HOST:PORT with a port up to 65535, e.g. 127.0.0.1:9464');
  return v;
}

function parseCron(v: string): string {
  const r = validateCronExpression(v);
  if (!r.valid) throw new InvalidArgumentError(`not a cron expression (${r.error?.message ?? 'invalid'}); e.g. "17 4,16 * * *"`);
  return v;
}

function parseSamplesOption(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > 1000) throw new InvalidArgumentError('expected a whole number of connections per address from 1 to 1000');
  return n;
}

function parseDurationOption(v: string): number {
  const ms = parseDuration(v);
  const [min, max] = BOUNDS.verifyInterval;
  if (ms === undefined || ms < min || ms > max) throw new InvalidArgumentError(`expected a duration such as 30s, 10m or 1h, between ${formatDuration(min)} and ${formatDuration(max)}`);
  return ms;
}

export async function main(argv: string[]): Promise<number> {
  try {
    const program = buildProgram();
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    return reportError(err, { json: wantsJson(argv) });
  }
}
