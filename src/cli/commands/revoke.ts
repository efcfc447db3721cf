/** `certloop revoke NAME`: revoke at the CA, then replace with a new key through the loop (revoke.action.ts). */
import { Option, type Command } from 'commander';
import type { RevocationReason } from '../../state/record.js';
import { act, EXIT_CODES_HELP, globalOptions, type CliInvocation } from '../command.js';

export function register(program: Command, cli: CliInvocation): void {
  program
    .command('revoke')
    .description('have the CA revoke a certificate, then order a replacement with a new key, deploy and verify it')
    .argument('<name>', 'certificate name from the config')
    .addOption(
      new Option('--reason <reason>', 'why (RFC 5280 reason code): keyCompromise is signed with the certificate key itself')
        .choices(['unspecified', 'keyCompromise', 'superseded', 'cessationOfOperation', 'affiliationChanged'])
        .default('unspecified'),
    )
    .option('--serial <hex>', 'revoke this serial instead of the one in use (the issued or the previous certificate certloop keeps)')
    .option('--no-renew', 'revoke only; the next run orders the replacement')
    .addHelpText(
      'after',
      `
Revokes the deployed certificate (or --serial: the issued or the previous one certloop keeps) at the
CA that issued it, records it (status shows it), and replaces it at once: a new order with a
new private key, deployed to every target and verified on every endpoint, exactly as a run does. The
request is signed with the ACME account key, except for --reason keyCompromise: then with the
certificate's own key (RFC 8555 §7.6), which proves the key itself is what was exposed.

With --no-renew only the revocation happens; the next run (cron, timer, daemon) orders the
replacement, since a revoked certificate is never left in use. To stop managing a certificate,
remove it from the config. Running revoke again after an interruption is safe: a certificate the CA
has already revoked counts as revoked.

Which reason: keyCompromise (the private key leaked), superseded (replaced, e.g. a name was
removed), cessationOfOperation (the site is gone), affiliationChanged (the organisation changed),
unspecified (none of these; the default).

Exit 0 when revoked and the replacement is served everywhere (or pending within its verify
deadline), 1 when the CA refused the revocation or the replacement failed, 2 for a wrong name or
serial.

Examples:
  certloop revoke web --reason keyCompromise
  certloop revoke web --reason superseded --json
  certloop revoke web --reason cessationOfOperation --no-renew
  certloop revoke web --serial 0A1B2C --reason superseded   # the previous certificate only
${EXIT_CODES_HELP}`,
    )
    .action(act(cli, async (name: string, o: { reason: string; serial?: string; renew: boolean }, cmd: Command) => {
      const { revokeCommand } = await import('./revoke.action.js');
      return revokeCommand({ ...globalOptions(cli, cmd), name, reason: o.reason as RevocationReason, serial: o.serial, renew: o.renew });
    }));
}
