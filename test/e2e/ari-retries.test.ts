/**
 * ARI (RFC 9773) and persisted retries end to end: the built CLI against real Pebble behind the
 * ARI responder (test/support/ari-proxy.ts), real nginx as the endpoint.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { certIdOf } from '../../src/policy/ari.js';
import { startAriProxy, type AriProxy } from '../support/ari-proxy.js';
import { startDaemon } from '../support/daemon.js';
import { startLab, type Lab } from '../support/lab.js';
import { waitFor } from '../support/net.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('ARI and retries against Pebble behind an ARI responder', () => {
  let lab: Lab;
  let proxy: AriProxy;
  const certId = () => certIdOf(fs.readFileSync(lab.certFile))!;
  // The CLI honours the responder's Retry-After (6 h); "time passes" by moving the next fetch.
  const timePasses = () => {
    const db = new Database(path.join(lab.dir, 'certloop.db'));
    const row = db.prepare('SELECT record FROM certificates WHERE name = ?').get('web') as { record: string };
    const rec = JSON.parse(row.record);
    if (rec.ari) rec.ari.nextFetchAt = new Date(Date.now() - 1000).toISOString();
    db.prepare('UPDATE certificates SET record = ? WHERE name = ?').run(JSON.stringify(rec), 'web');
    db.close();
  };

  before(async () => {
    lab = await startLab('ari');
    proxy = await startAriProxy(lab.pebble);
    fs.writeFileSync(lab.configFile, fs.readFileSync(lab.configFile, 'utf8').replace(lab.pebble.directory, proxy.directory));
  });
  after(async () => {
    await proxy?.stop();
    await lab?.stop();
  });

  it('a window ahead holds renewal back and the renewal time is picked inside it', async () => {
    const first = await lab.run('run', '--json');
    assert.equal(first.code, 0, first.stderr);
    assert.equal(proxy.orders.length, 1);
    assert.equal(proxy.orders[0].replaces, undefined, 'a first certificate replaces nothing');

    const start = new Date(Date.now() + 10 * DAY);
    const end = new Date(Date.now() + 11 * DAY);
    proxy.setWindow(certId(), { start, end, explanationURL: 'https://ca.example/why' });
    const r = await lab.run('run', '--json');
    assert.equal(r.code, 0, r.stderr);
    const web = r.json.certificates[0];
    assert.equal(web.renewed, false);
    assert.ok(proxy.renewalInfoRequests.includes(certId()), 'asked for renewalInfo by certID');
    assert.match(r.stderr, /ca\.example\/why/, 'the explanationURL is logged');

    const plan = await lab.run('plan', '--json');
    const p = plan.json.certificates[0];
    assert.equal(p.renewSource, 'ari');
    assert.ok(Date.parse(p.renewAt) >= start.getTime() && Date.parse(p.renewAt) <= end.getTime(), `${p.renewAt} inside the window`);
    assert.equal(p.ari.explanationURL, 'https://ca.example/why');

    // A plan at the picked time predicts a renewal by ARI.
    const at = await lab.run('plan', '--at', p.renewAt, '--json');
    assert.equal(at.json.certificates[0].action, 'issue');
    assert.equal(at.json.certificates[0].source, 'ari');
  });

  it('an earlier window (mass revocation) renews at once, sending replaces, which Pebble 2.4 accepts', async () => {
    const old = certId();
    timePasses();
    proxy.setWindow(old, { start: new Date(Date.now() - 2 * DAY), end: new Date(Date.now() - DAY) });
    const r = await lab.run('run', '--json');
    assert.equal(r.code, 0, r.stderr);
    const web = r.json.certificates[0];
    assert.equal(web.renewed, true);
    assert.equal(web.reason, 'RenewalDue');
    assert.equal(proxy.orders.at(-1)!.replaces, old, 'the new order names the certificate it replaces');
    assert.equal(proxy.orders.at(-1)!.answered, 'forwarded');
    assert.notEqual(certId(), old, 'the new certificate is deployed');
    assert.equal(web.verified, true);
  });

  it('an ARI failure falls back to the lifetime rule', async () => {
    proxy.failRenewalInfo(500);
    const before = proxy.renewalInfoRequests.length;
    const r = await lab.run('run', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.certificates[0].renewed, false);
    assert.ok(proxy.renewalInfoRequests.length > before, 'renewalInfo was asked');
    assert.match(r.stderr, /renewal information \(ARI\) unavailable; the lifetime rule decides/);
    const p = (await lab.run('plan', '--json')).json.certificates[0];
    assert.equal(p.renewSource, 'fraction');
    assert.equal(p.ari.error, 'renewalInfo answered HTTP 500');
    const lifetime = Date.parse(p.notAfter) - Date.parse(p.notBefore);
    assert.equal(Date.parse(p.renewAt), Date.parse(p.notAfter) - Math.round(lifetime / 3));
    proxy.failRenewalInfo(undefined);
  });

  it('a rate-limited order waits for the CA\'s Retry-After, persisted, shown by status and plan', async () => {
    timePasses();
    proxy.setWindow(certId(), { start: new Date(Date.now() - 2 * DAY), end: new Date(Date.now() - DAY) });
    proxy.rateLimitNewOrders(1, 7200);
    const failed = await lab.run('run', '--json');
    assert.equal(failed.code, 1);
    const web = failed.json.certificates[0];
    assert.equal(web.verdict, 'failed');
    assert.equal(web.error.code, 'ACME_ORDER');
    assert.match(web.error.message, /HTTP 429 rateLimited/);

    const status = (await lab.run('status', '--json')).json.certificates[0];
    const next = Date.parse(status.lastFailure.nextAttemptAt);
    assert.ok(next - Date.parse(status.lastFailure.at) >= 7200_000, 'Retry-After (2 h) wins over the 1 min schedule');

    const orders = proxy.orders.length;
    const again = await lab.run('run', '--json');
    assert.equal(again.code, 1);
    assert.equal(again.json.certificates[0].verdict, 'waiting');
    assert.equal(again.json.certificates[0].reason, 'RetryScheduled');
    assert.equal(proxy.orders.length, orders, 'no order while waiting');

    const plan = await lab.run('plan');
    assert.match(plan.stdout, /failure +issue: .*rateLimited/);
    assert.match(plan.stdout, new RegExp(`retry +${status.lastFailure.nextAttemptAt}`));
    const text = await lab.run('status');
    assert.match(text.stdout, /next attempt 20\d\d-/);

    // In two hours the same run orders again.
    const later = await lab.run('plan', '--at', '+2h1m', '--json');
    assert.equal(later.json.certificates[0].action, 'issue');
  });

  it('a CA that refuses replaces gets the order again without it', async () => {
    proxy.rejectReplaces(true);
    const old = certId();
    const r = await lab.run('renew', 'web', '--force', '--json');
    assert.equal(r.code, 0, r.stderr);
    const [refused, retried] = proxy.orders.slice(-2);
    assert.equal(refused.replaces, old);
    assert.equal(refused.answered, 400);
    assert.equal(retried.replaces, undefined);
    assert.equal(retried.answered, 'forwarded');
    assert.match(r.stderr, /ordering again without it/);
  });

  it('plan and forecast only read the state; forecast draws the timeline; a bad --at is a usage error', async () => {
    const sum = () =>
      fs
        .readdirSync(lab.dir)
        .filter((f) => f.startsWith('certloop.db'))
        .map((f) => `${f}:${createHash('sha256').update(fs.readFileSync(path.join(lab.dir, f))).digest('hex')}`)
        .join(',');
    const before = sum();
    const plan = await lab.run('plan', '--at', '+30d', '--json');
    assert.equal(plan.code, 0, plan.stderr);
    assert.equal(Date.parse(plan.json.at) - Date.parse(plan.json.now), 30 * DAY);
    const svg = path.join(lab.dir, 'forecast.svg');
    const f = await lab.run('forecast', '--days', '30', '--every', '1d', '--svg', svg, '--json');
    assert.equal(f.code, 0, f.stdout + f.stderr);
    assert.equal(f.json.risky, false);
    assert.equal(f.json.certificates[0].renewals.length, 0, 'a 5-year certificate is not renewed within 30 days');
    assert.match(fs.readFileSync(svg, 'utf8'), /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"[\s\S]*class="validity"/);
    assert.equal(sum(), before, 'the state files are unchanged');

    const bad = await lab.run('plan', '--at', 'tomorrow');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--at expects an ISO 8601 time .* got "tomorrow"/);
  });

  it('a daemon notices a CA that starts offering renewalInfo after its first look at the directory', async () => {
    timePasses();
    proxy.offerRenewalInfo(false);
    proxy.setWindow(certId(), { start: new Date(Date.now() + 10 * DAY), end: new Date(Date.now() + 11 * DAY) });
    const asked = () => proxy.renewalInfoRequests.filter((id) => id === certId()).length;
    const before = asked();
    const d = startDaemon(lab.configFile, ['--listen', '127.0.0.1:0', '--schedule', '*/1 * * * * *', '--verify-interval', '1h']);
    try {
      const runs = () => d.output().split('\n').filter((l) => /"run finished"/.test(l)).length;
      await waitFor(() => runs() >= 1, 30_000, 'a first pass against a CA without renewalInfo');
      assert.equal(asked(), before, 'nothing to ask while the directory names no renewalInfo');
      proxy.offerRenewalInfo(true);
      await waitFor(() => asked() > before, 30_000, 'a later pass of the same daemon to ask for the renewal window');
      await waitFor(() => /renewal time picked inside it/.test(d.output()), 10_000, 'the window to be adopted');
    } finally {
      proxy.offerRenewalInfo(true);
      d.child.kill('SIGTERM');
      assert.equal((await d.exited).code, 0, d.output().slice(-3000));
    }
  });
});
