/** `certloop verify`: check configured endpoints now, or probe any endpoint ad hoc (verify.action.ts). */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { act, EXIT_CODES_HELP, collect, globalOptions, type CliInvocation } from '../command.js';

export function register(program: Command, cli: CliInvocation): void {
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
    .action(act(cli, async (names: string[], o: Record<string, unknown>, cmd: Command) => {
      const { verifyCommand } = await import('./verify.action.js');
      return verifyCommand({ ...globalOptions(cli, cmd), ...o, names: names.length ? names : undefined });
    }));
}

function parseSamplesOption(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > 1000) throw new InvalidArgumentError('expected a whole number of connections per address from 1 to 1000');
  return n;
}
