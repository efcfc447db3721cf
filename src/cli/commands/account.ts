/** `certloop account show | rollover | deactivate`: the ACME account of a configured CA (account.action.ts). */
import { Option, type Command } from 'commander';
import { act, EXIT_CODES_HELP, globalOptions, type CliInvocation } from '../command.js';

export function register(program: Command, cli: CliInvocation): void {
  const account = program
    .command('account')
    .description('the ACME account: show it, roll its key over, or deactivate it');
  const caOption = () => new Option('--ca <ca>', 'which configured CA: primary (default), fallback, fallback-N, or its directory URL');
  account
    .command('show')
    .description('the account URL, status at the CA, contact, and key thumbprint (never the key)')
    .addOption(caOption())
    .addHelpText(
      'after',
      `
Reads the account from the state store and asks the CA for its status (a POST-as-GET of the account
URL). Registers nothing. The key is named by its RFC 7638 thumbprint. Exit 0 when the CA says the
account is valid; 1 when there is none yet, it is deactivated, or the CA could not be asked.

Examples:
  certloop account show
  certloop account show --ca fallback --json
${EXIT_CODES_HELP}`,
    )
    .action(act(cli, async (o: { ca?: string }, cmd: Command) => {
      const { accountShowCommand } = await import('./account.action.js');
      return accountShowCommand({ ...globalOptions(cli, cmd), ca: o.ca });
    }));
  account
    .command('rollover')
    .description('replace the account key with a new one (RFC 8555 §7.3.5 keyChange); the CA then refuses the old key')
    .addOption(caOption())
    .addHelpText(
      'after',
      `
A new key is generated and stored beside the old one, the CA is asked to switch (signed with both),
and only once it said yes does the new key replace the old one in the state store. A crash or a lost
answer in between keeps both keys: the next command that uses the account asks the CA which key it
holds and keeps that one. Certificates are not touched: orders placed from now on use the new key.
Roll the key over when it may have been exposed, or on a schedule. A daemon sharing the state picks
up the new key with its next order.

Examples:
  certloop account rollover
  certloop account rollover --ca fallback-2 --json
${EXIT_CODES_HELP}`,
    )
    .action(act(cli, async (o: { ca?: string }, cmd: Command) => {
      const { accountRolloverCommand } = await import('./account.action.js');
      return accountRolloverCommand({ ...globalOptions(cli, cmd), ca: o.ca });
    }));
  account
    .command('deactivate')
    .description('deactivate the account for good (RFC 8555 §7.3.6); asks for --yes')
    .addOption(caOption())
    .option('--yes', 'yes, deactivate it: this cannot be undone')
    .addHelpText(
      'after',
      `
The CA refuses a deactivated account for ever (its certificates stay valid). certloop records the
deactivation, and the next order registers a NEW account with a new key, so renewals go on; account
show lists the old one as former. Certificates issued to the old account can still be revoked with
--reason keyCompromise (signed with their own key). Without --yes nothing happens (exit 2).

Examples:
  certloop account deactivate --yes
  certloop account deactivate --ca fallback --yes --json
${EXIT_CODES_HELP}`,
    )
    .action(act(cli, async (o: { ca?: string; yes?: boolean }, cmd: Command) => {
      const { accountDeactivateCommand } = await import('./account.action.js');
      return accountDeactivateCommand({ ...globalOptions(cli, cmd), ca: o.ca, yes: o.yes });
    }));
}
