/**
 * `certloop account show | rollover | deactivate` end to end against Pebble (issue 19): after a
 * rollover Pebble accepts the new key for the account and refuses the old one, and renewals go on
 * with the new key; a crash at either side of the CA's answer loses neither key; a deactivated
 * account is refused by the CA and replaced by a new one on the next order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { askPebbleWithKey, pebbleCertStatus, storedAccount, thumbprint } from '../support/acme-account.js';
import { capturedOutput, cli, startLab, type Lab } from '../support/lab.js';
import { assertNoKeyMaterial } from '../support/secrets.js';

/** The CLI with the test step hook: CERTLOOP_TEST_CRASH_AT kills it at a boundary (src/controller/step-hook.ts). */
const CRASH_ENTRY = fileURLToPath(new URL('../support/crash-entry.js', import.meta.url));

describe('certloop account against Pebble', () => {
  let lab: Lab;
  /** Every account key the state held at some point: none may ever be printed. */
  const keys: string[] = [];
  const account = () => {
    const a = storedAccount(lab.dir, lab.pebble.directory);
    for (const k of [a?.keyPem, a?.nextKeyPem]) if (k && !keys.includes(k)) keys.push(k);
    return a;
  };
  before(async () => {
    lab = await startLab('account');
  });
  after(async () => {
    await lab?.stop();
    assertNoKeyMaterial(capturedOutput, keys.flatMap((pem) => pem.split('\n').filter((l) => l.length >= 40 && !l.startsWith('-----'))));
  });

  it('show says there is no account before the first run (exit 1), and after it the URL, status valid and the key thumbprint', async () => {
    const none = await lab.run('account', 'show', '--json');
    assert.equal(none.code, 1);
    assert.equal(none.json.registered, false);
    assert.equal(account(), undefined, 'show registers nothing');

    assert.equal((await lab.run('run')).code, 0);
    const shown = await lab.run('account', 'show', '--json');
    assert.equal(shown.code, 0, shown.stderr);
    const stored = account()!;
    assert.equal(shown.json.url, stored.url);
    assert.equal(shown.json.status, 'valid');
    assert.deepEqual(shown.json.contact, ['mailto:ops@example.com']);
    assert.equal(shown.json.key.type, 'ecdsa-p256');
    assert.equal(shown.json.key.thumbprint, thumbprint(stored.keyPem));
    assert.equal(shown.json.ca, 'primary');
    const text = await lab.run('account', 'show');
    assert.match(text.stdout, /status +valid/);
  });

  it('rollover: the CA accepts the new key for the account and refuses the old one, and a renewal afterwards uses the new key', async () => {
    const old = account()!;
    const r = await lab.run('account', 'rollover', '--json');
    assert.equal(r.code, 0, r.stderr);
    const now = account()!;
    assert.equal(now.url, old.url);
    assert.notEqual(now.keyPem, old.keyPem);
    assert.equal(now.nextKeyPem, undefined);
    assert.equal(r.json.from, thumbprint(old.keyPem));
    assert.equal(r.json.to, thumbprint(now.keyPem));

    // Pebble itself: the account answers to the new key only.
    assert.equal((await askPebbleWithKey(lab.pebble, now.keyPem, now.url)).status, 'valid');
    assert.equal((await askPebbleWithKey(lab.pebble, now.keyPem)).url, now.url, 'the new key finds the same account');
    await assert.rejects(askPebbleWithKey(lab.pebble, old.keyPem, old.url), 'the old key is refused for the account');
    await assert.rejects(askPebbleWithKey(lab.pebble, old.keyPem), /unable to find existing account|accountDoesNotExist/i);

    const renew = await lab.run('renew', 'web', '--force', '--json');
    assert.equal(renew.code, 0, renew.stderr);
    assert.equal(renew.json.certificates[0].verified, true);
    assert.equal(account()!.keyPem, now.keyPem, 'the renewal registered nothing new');
    assert.equal((await lab.run('account', 'show', '--json')).json.key.thumbprint, thumbprint(now.keyPem));
  });

  it('a crash after the CA took the new key, before it was stored as the account key, loses neither: the next command keeps the key the CA holds', async () => {
    const old = account()!;
    const crashed = await cli(['-c', lab.configFile, 'account', 'rollover'], { env: { CERTLOOP_TEST_CRASH_AT: 'account-key-changed' }, entry: CRASH_ENTRY });
    assert.match(crashed.stderr, /CERTLOOP_TEST_CRASH_AT=account-key-changed/);
    const between = account()!;
    assert.equal(between.keyPem, old.keyPem);
    assert.ok(between.nextKeyPem, 'the new key was stored before the CA was asked');
    await assert.rejects(askPebbleWithKey(lab.pebble, old.keyPem, old.url), 'the CA switched before the crash');

    const shown = await lab.run('account', 'show', '--json');
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(shown.json.key.thumbprint, thumbprint(between.nextKeyPem!));
    assert.equal(account()!.keyPem, between.nextKeyPem);
    assert.equal(account()!.nextKeyPem, undefined);
    const renew = await lab.run('renew', 'web', '--force');
    assert.equal(renew.code, 0, renew.stderr);
  });

  it('a crash before the CA was asked keeps the old key in use, and the next rollover finishes with the key it had stored', async () => {
    const old = account()!;
    const crashed = await cli(['-c', lab.configFile, 'account', 'rollover'], { env: { CERTLOOP_TEST_CRASH_AT: 'account-next-key-stored' }, entry: CRASH_ENTRY });
    assert.match(crashed.stderr, /CERTLOOP_TEST_CRASH_AT=account-next-key-stored/);
    const pending = account()!.nextKeyPem!;
    assert.ok(pending);
    assert.equal((await askPebbleWithKey(lab.pebble, old.keyPem, old.url)).status, 'valid', 'the CA still has the old key');

    const shown = await lab.run('account', 'show', '--json');
    assert.equal(shown.json.key.thumbprint, thumbprint(old.keyPem));
    assert.match(shown.json.next, /rollover did not finish/);
    assert.equal((await lab.run('renew', 'web', '--force')).code, 0, 'orders go on with the old key meanwhile');

    const r = await lab.run('account', 'rollover', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.to, thumbprint(pending));
    assert.equal(account()!.keyPem, pending);
    await assert.rejects(askPebbleWithKey(lab.pebble, old.keyPem, old.url));
  });

  it('deactivate asks for --yes; then the CA refuses the account, revocation by account fails while keyCompromise (signed with the certificate key) works, and the next order registers a new account', async () => {
    const no = await lab.run('account', 'deactivate');
    assert.equal(no.code, 2);
    assert.match(no.stderr, /--yes/);
    assert.equal(account()!.deactivatedAt, undefined);

    const old = account()!;
    const served = (await lab.run('status', '--json')).json.certificates[0].serials.deployed as string;
    const r = await lab.run('account', 'deactivate', '--yes', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.url, old.url);
    await assert.rejects(askPebbleWithKey(lab.pebble, old.keyPem, old.url), /deactivated/i);
    const shown = await lab.run('account', 'show', '--json');
    assert.equal(shown.code, 1);
    assert.equal(shown.json.status, 'deactivated');
    assert.match(shown.json.next, /registers a new account with a new key/);

    // The certificate came from the deactivated account: a new account does not own it...
    const byAccount = await lab.run('revoke', 'web', '--reason', 'superseded', '--no-renew', '--json');
    assert.equal(byAccount.code, 1);
    assert.equal(byAccount.json.error.code, 'ACME_REVOKE');
    assert.equal(byAccount.json.error.step, 'revoke');
    assert.equal((await pebbleCertStatus(lab.pebble, served)).Status, 'Valid');
    // ...but the certificate's own key proves control (RFC 8555 §7.6).
    const byKey = await lab.run('revoke', 'web', '--reason', 'keyCompromise', '--no-renew', '--json');
    assert.equal(byKey.code, 0, byKey.stderr);
    assert.equal(byKey.json.revocation.signedWith, 'certificate-key');
    assert.equal((await pebbleCertStatus(lab.pebble, served)).Reason, 1);

    const run = await lab.run('run', '--json');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json.certificates[0].reason, 'Revoked');
    const fresh = account()!;
    assert.notEqual(fresh.url, old.url);
    assert.notEqual(fresh.keyPem, old.keyPem);
    const now = await lab.run('account', 'show', '--json');
    assert.equal(now.code, 0);
    assert.equal(now.json.status, 'valid');
    assert.deepEqual(now.json.formerAccounts.map((f: { url: string }) => f.url), [old.url]);
  });
});
