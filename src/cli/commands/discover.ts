/** `certloop discover`: what the watch sources name, and which names nobody listed (discover.action.ts). */
import type { Command } from 'commander';
import { act, collect, globalOptions, type CliInvocation } from '../command.js';

export function register(program: Command, cli: CliInvocation): void {
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
    .action(act(cli, async (o: Record<string, unknown>, cmd: Command) => {
      const { discoverCommand } = await import('./discover.action.js');
      return discoverCommand({ ...globalOptions(cli, cmd), ...o });
    }));
}
