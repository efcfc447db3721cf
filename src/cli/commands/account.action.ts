/** `certloop account show | rollover | deactivate`: the ACME account of a configured CA (acme/account.ts). */
import { caEndpoints, resolveCaSpec, type CaEndpoint } from '../../acme/ca-selection.js';
import { configureAcmeTimeouts } from '../../acme/timeouts.js';
import { trustAcmeServer } from '../../acme/trust.js';
import type { LoadedConfig } from '../../config/load.js';
import { CertloopError } from '../../errors.js';
import type { StateStore } from '../../state/store.js';
import { EXIT, print, printJson, withContext, type GlobalOptions } from '../context.js';

export interface AccountCommandOptions extends GlobalOptions {
  /** primary (default), fallback, fallback-N, or a configured directory URL, as `renew --ca`. */
  ca?: string;
}

/** The CA the command is about, its trust and deadlines set, and the account operations loaded (acme-client only now). */
async function prepare(config: LoadedConfig, store: StateStore, spec: string | undefined, onStep?: GlobalOptions['onStep']) {
  const ca: CaEndpoint = resolveCaSpec(spec ?? 'primary', caEndpoints(config.acme));
  trustAcmeServer(ca.caBundle);
  configureAcmeTimeouts(config.acme);
  const ops = await import('../../acme/account.js');
  return { ca, ops, account: { directory: ca.directory, email: ca.email, eab: ca.eab, store, onStep } };
}

export async function accountShowCommand(opts: AccountCommandOptions): Promise<number> {
  return withContext(opts, async ({ config, store }) => {
    const { ca, ops, account } = await prepare(config, store, opts.ca, opts.onStep);
    const view = await ops.describeAccount(account);
    if (opts.json) printJson({ ca: ca.label, ...view });
    else {
      print(`account   ${view.url ?? '(none registered yet)'}`);
      print(`  ca        ${view.directory} (${ca.label})`);
      print(`  status    ${view.status}${view.error ? ` (the CA could not be asked: ${view.error.message})` : ''}`);
      if (view.contact.length) print(`  contact   ${view.contact.join(', ')}`);
      if (view.key) print(`  key       ${view.key.type}, thumbprint ${view.key.thumbprint} (RFC 7638)`);
      if (view.createdAt) print(`  created   ${view.createdAt}`);
      if (view.keyRolledAt) print(`  rolled    ${view.keyRolledAt} (last key rollover)`);
      if (view.deactivatedAt) print(`  deactivated ${view.deactivatedAt}`);
      for (const f of view.formerAccounts) print(`  former    ${f.url} (deactivated ${f.deactivatedAt})`);
      print(`  next      ${view.next}`);
    }
    return view.status === 'valid' ? EXIT.OK : EXIT.FAILED;
  });
}

export async function accountRolloverCommand(opts: AccountCommandOptions): Promise<number> {
  return withContext(opts, async ({ config, store, log }) => {
    const { ops, account } = await prepare(config, store, opts.ca, opts.onStep);
    const r = await ops.rolloverAccountKey(account);
    log.info({ directory: r.directory, account: r.url, from: r.from, to: r.to }, 'account key rolled over');
    if (opts.json) printJson(r);
    else if (r.finishedEarlier) print(`the earlier rollover of ${r.url} had been accepted by the CA; its new key ${r.to} is now stored (was ${r.from})`);
    else print(`rolled over the key of ${r.url}: ${r.from} → ${r.to} (RFC 7638 thumbprints); the CA now accepts only the new key`);
    return EXIT.OK;
  });
}

export async function accountDeactivateCommand(opts: AccountCommandOptions & { yes?: boolean }): Promise<number> {
  if (!opts.yes) {
    throw new CertloopError(
      'USAGE',
      'deactivating an ACME account cannot be undone: the CA refuses the account from then on, and the next order registers a new account with a new key. Run again with --yes to do it',
      { step: 'account', retryable: false },
    );
  }
  return withContext(opts, async ({ config, store, log }) => {
    const { ops, account } = await prepare(config, store, opts.ca, opts.onStep);
    const r = await ops.deactivateAccount(account);
    log.warn({ directory: r.directory, account: r.url }, 'account deactivated');
    if (opts.json) printJson({ ...r, next: 'the next order registers a new account with a new key' });
    else print(`deactivated ${r.url}${r.already ? ' (it was deactivated already)' : ''}; the next order registers a new account with a new key`);
    return EXIT.OK;
  });
}
