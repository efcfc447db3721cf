/** `certloop watch [NAME...] [--once]`: check the watched endpoints now (watch.action.ts, issue 18). */
import type { Command } from 'commander';
import { act, globalOptions, type CliInvocation } from '../command.js';

export function register(program: Command, cli: CliInvocation): void {
  program
    .command('watch')
    .description('check the watched endpoints (watch: in the config) now: expiry, chain, expected serial, changes')
    .argument('[name...]', 'watched endpoint names (default: all, with what the sources list)')
    .option('--once', 'one sweep, then exit (default: sweep again every watch.interval until interrupted)')
    .addHelpText(
      'after',
      `
Endpoints certloop does not issue for: each address is probed as verify does, and what is served
is recorded (serial, issuer, expiry, chain problems). Problems: expired, expiring_soon (the watch
policy's expiringThresholds, default 30d 14d 7d 3d 1d, announced once per threshold), chain_problem,
drift_detected (expectSerial is not served), and an address that does not answer. A served serial
that changed since the last sweep is announced as "changed" (information). Events go to the
notifiers like those of certificates; status, the status page and /metrics show the last sweep.

Examples:
  certloop watch --once
  certloop watch --once legacy-api --json
  certloop watch                 # sweep every watch.interval (the daemon does this too)

Exit codes (with --once, or of the last sweep when interrupted):
  0  every watched endpoint answers with a valid, trusted certificate not near expiry (and the expected serial)
  1  one has a problem, or a source could not list its names
  2  bad usage or configuration`,
    )
    .action(act(cli, async (names: string[], o: { once?: boolean }, cmd: Command) => {
      const { watchCommand } = await import('./watch.action.js');
      return watchCommand({ ...globalOptions(cli, cmd), once: o.once, names: names.length ? names : undefined });
    }));
}
