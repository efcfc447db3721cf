/**
 * `certloop account show | rollover | deactivate`: the ACME account of one directory, as the CA
 * and the state store know it. The account key never leaves the state store: it is named by its
 * RFC 7638 thumbprint.
 */
import { CertloopError } from '../errors.js';
import type { AccountRecord } from '../state/store.js';
import { keyAtCa, keyThumbprint, loadAccount } from './account-keys.js';
import { accountClient, classifyAcmeError, configuredClient, forgetAccountClient, type AcmeAccountOptions } from './client.js';
import { withAcmeDeadline } from './deadline.js';
import { generatePrivateKey, keyTypeOf } from './keys.js';
import { captured, withResponseCapture } from './response-capture.js';
import { acmeTimeouts } from './timeouts.js';

/**
 * The boundaries of a key rollover, for tests (controller/step-hook.ts): the new key is stored and
 * the CA not asked yet; the CA took the new key and it is not stored as the account key yet.
 */
export type AccountStep = 'account-next-key-stored' | 'account-key-changed';

export interface AccountOperationOptions extends AcmeAccountOptions {
  now?: () => Date;
  signal?: AbortSignal;
  /** Test entry points only (test/support/crash-entry.ts). */
  onStep?: (boundary: AccountStep) => void;
}

/** One account operation: its own deadline (acme.orderTimeout) and its own record of the CA's last error. */
function operation<T>(what: string, o: AccountOperationOptions, fn: () => Promise<T>): Promise<T> {
  return withAcmeDeadline(what, acmeTimeouts().orderMs, o.signal, () => withResponseCapture(fn));
}

function nowOf(o: AccountOperationOptions): Date {
  return o.now?.() ?? new Date();
}

export interface AccountView {
  directory: string;
  registered: boolean;
  url: string | null;
  /** valid, deactivated or revoked (RFC 8555 §7.1.2), as the CA says; `unknown` when it could not be asked. */
  status: string;
  contact: string[];
  key: { type: string; thumbprint: string } | null;
  createdAt: string | null;
  keyRolledAt: string | null;
  deactivatedAt: string | null;
  formerAccounts: { url: string; deactivatedAt: string }[];
  /** What the next order does with this account. */
  next: string;
  /** Why the CA could not be asked (the rest comes from the state store). */
  error: { code: string; message: string } | null;
}

/** The account as stored and as the CA describes it (a POST-as-GET of the account URL, RFC 8555 §7.3). Never registers one. */
export async function describeAccount(o: AccountOperationOptions): Promise<AccountView> {
  const account = await operation(`reading the account at ${o.directory}`, o, () => loadAccount(o.store, o.directory, (k) => configuredClient(o.directory, k))).catch(
    () => o.store.getAccount(o.directory),
  );
  const view = viewOf(o.directory, account);
  if (!account?.url || account.deactivatedAt) return view;
  try {
    const ca = (await operation(`reading the account at ${o.directory}`, o, () => configuredClient(o.directory, account.keyPem, account.url, o.eab).updateAccount())) as {
      status?: string;
      contact?: string[];
    };
    view.status = ca.status ?? 'unknown';
    view.contact = ca.contact ?? [];
  } catch (err) {
    const e = classifyAcmeError(err, 'ACME_ACCOUNT', `cannot read the account ${account.url}`, undefined, 'account') as CertloopError;
    view.error = { code: e.code, message: e.message };
  }
  if (view.status !== 'valid' && view.status !== 'unknown') view.next = `the CA says ${view.status}: the next order fails; deactivate it (certloop account deactivate --yes) so a new one is registered`;
  return view;
}

function viewOf(directory: string, a: AccountRecord | undefined): AccountView {
  return {
    directory,
    registered: Boolean(a?.url),
    url: a?.url ?? null,
    status: !a?.url ? 'none' : a.deactivatedAt ? 'deactivated' : 'unknown',
    contact: a?.email ? [`mailto:${a.email}`] : [],
    key: a ? { type: keyTypeOf(a.keyPem), thumbprint: keyThumbprint(a.keyPem) } : null,
    createdAt: a?.createdAt ?? null,
    keyRolledAt: a?.keyRolledAt ?? null,
    deactivatedAt: a?.deactivatedAt ?? null,
    formerAccounts: a?.formerAccounts ?? [],
    next: !a?.url || a.deactivatedAt ? 'the next order registers a new account with a new key' : a.nextKeyPem ? 'a key rollover did not finish: run certloop account rollover again' : 'orders use this account',
    error: null,
  };
}

export interface RolloverResult {
  directory: string;
  url: string;
  from: string;
  to: string;
  at: string;
  /** An earlier rollover was cut short after the CA switched: this one only stored its key. */
  finishedEarlier: boolean;
}

/**
 * RFC 8555 §7.3.5 keyChange. The new key is stored beside the old one before the CA is asked,
 * and replaces it only once the CA said yes; a crash in between keeps both (account-keys.ts).
 */
export async function rolloverAccountKey(o: AccountOperationOptions): Promise<RolloverResult> {
  return operation(`the key rollover at ${o.directory}`, o, async () => {
    const before = await o.store.getAccount(o.directory);
    if (!before?.url || before.deactivatedAt) {
      const why = before?.deactivatedAt ? `the account at ${o.directory} was deactivated at ${before.deactivatedAt}` : `no account is registered at ${o.directory} yet`;
      throw new CertloopError('ACME_ACCOUNT', `${why}: nothing to roll over (the next run registers a new account with a new key)`, { step: 'account', retryable: false });
    }
    const client = await accountClient(o);
    let account = (await o.store.getAccount(o.directory))!;
    if (before?.nextKeyPem && account.keyPem === before.nextKeyPem) {
      // The CA took the new key before a crash; opening the account above stored it.
      return { directory: o.directory, url: account.url!, from: keyThumbprint(before.keyPem), to: keyThumbprint(account.keyPem), at: account.keyRolledAt!, finishedEarlier: true };
    }
    // A rollover cut short before the CA switched tries the same new key again.
    const nextKeyPem = account.nextKeyPem ?? (await generatePrivateKey('ecdsa-p256'));
    if (!account.nextKeyPem) {
      account = { ...account, nextKeyPem };
      await o.store.putAccount(account);
    }
    o.onStep?.('account-next-key-stored');
    try {
      await client.updateAccountKey(nextKeyPem);
    } catch (err) {
      const seen = captured();
      // The CA answered no (4xx): it keeps the old key, so the new one is forgotten. No answer
      // (unreachable, 5xx, deadline): it may have switched; the next use of the account finds out.
      if (seen?.status && seen.status < 500 && seen.status !== 429) {
        const kept: AccountRecord = { ...account };
        delete kept.nextKeyPem;
        await o.store.putAccount(kept);
      }
      forgetAccountClient(o.directory);
      throw classifyAcmeError(err, 'ACME_ACCOUNT', `the CA did not change the account key of ${account.url}`, undefined, 'account');
    }
    o.onStep?.('account-key-changed');
    const at = nowOf(o).toISOString();
    const rolled: AccountRecord = { ...account, keyPem: nextKeyPem, keyRolledAt: at };
    delete rolled.nextKeyPem;
    await o.store.putAccount(rolled);
    forgetAccountClient(o.directory);
    return { directory: o.directory, url: account.url!, from: keyThumbprint(account.keyPem), to: keyThumbprint(nextKeyPem), at, finishedEarlier: false };
  });
}

export interface DeactivateResult {
  directory: string;
  url: string;
  at: string;
  /** It was deactivated before (by certloop, or the CA already said so). */
  already: boolean;
}

/**
 * RFC 8555 §7.3.6: the account is deactivated for good; the CA refuses its key from then on. The
 * state store records it, so the next order registers a new account with a new key instead of
 * failing on the old one (client.ts openAccount).
 */
export async function deactivateAccount(o: AccountOperationOptions): Promise<DeactivateResult> {
  return operation(`deactivating the account at ${o.directory}`, o, async () => {
    const account = await loadAccount(o.store, o.directory, (k) => configuredClient(o.directory, k));
    if (!account?.url) {
      throw new CertloopError('ACME_ACCOUNT', `no account is registered at ${o.directory}: nothing to deactivate`, { step: 'account', retryable: false });
    }
    if (account.deactivatedAt) return { directory: o.directory, url: account.url, at: account.deactivatedAt, already: true };
    let already = false;
    try {
      await configuredClient(o.directory, account.keyPem, account.url, o.eab).updateAccount({ status: 'deactivated' });
    } catch (err) {
      // Deactivated earlier, outside certloop or by a run that crashed before recording it.
      const state = await keyAtCa(configuredClient(o.directory, account.keyPem)).catch(() => undefined);
      if (!state?.known || !state.deactivated) throw classifyAcmeError(err, 'ACME_ACCOUNT', `the CA did not deactivate ${account.url}`, undefined, 'account');
      already = true;
    }
    const at = nowOf(o).toISOString();
    await o.store.putAccount({ ...account, deactivatedAt: at });
    forgetAccountClient(o.directory);
    return { directory: o.directory, url: account.url, at, already };
  });
}
