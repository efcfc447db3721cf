/**
 * `certloop daemon` and metrics end to end: a schedule of every second (6-field cron), verify
 * passes in between, /metrics, /healthz and / over HTTP, SIGTERM exits 0 with the locks released,
 * and SIGTERM in the middle of a slow deploy finishes that step and stops before the next.
 * `run --metrics-file` writes the textfile-collector file atomically.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { startDaemon, get, listeningOn, locks, metric, type Daemon } from '../support/daemon.js';
import { CLI, recordOutput, startLab, type Lab } from '../support/lab.js';
import { waitFor } from '../support/net.js';

describe('daemon and metrics', () => {
  let lab: Lab;
  const daemons: Daemon[] = [];
  before(async () => {
    lab = await startLab('daemon');
  });
  after(async () => {
    for (const d of daemons) if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGKILL');
    await lab?.stop();
  });

  it('run --metrics-file writes certificate, endpoint and run metrics atomically', async () => {
    const file = path.join(lab.dir, 'textfile', 'certloop.prom');
    fs.mkdirSync(path.dirname(file));
    const r = await lab.run('run', '--json', '--metrics-file', file);
    assert.equal(r.code, 0, r.stderr);
    const web = r.json.certificates[0];
    // The documented, stable shape of `run --json` (docs/json-output.md).
    assert.deepEqual(Object.keys(r.json), ['startedAt', 'durationMs', 'exitCode', 'summary', 'certificates', 'shard']);
    assert.deepEqual(Object.keys(r.json.summary), ['total', 'renewed', 'deployed', 'verified', 'pending', 'failed', 'waiting', 'locked', 'alerting', 'fresh']);
    assert.deepEqual(Object.keys(web), ['name', 'verdict', 'action', 'reason', 'message', 'renewAt', 'renewed', 'adopted', 'deployed', 'issuedSerial', 'deployedSerial', 'verified', 'unverified', 'endpoints', 'alerts', 'pendingSince', 'deadline', 'overdue', 'drift', 'error', 'fresh', 'checkedAt', 'recheckAt', 'source']);
    const text = fs.readFileSync(file, 'utf8');
    const notAfter = Date.parse(web.endpoints[0].notAfter) / 1000;
    assert.equal(metric(text, 'certloop_certificate_expiration_timestamp_seconds', { certificate: 'web' }), notAfter);
    assert.ok(metric(text, 'certloop_certificate_renewal_timestamp_seconds', { certificate: 'web' })! < notAfter);
    assert.equal(metric(text, 'certloop_certificate_ready_status', { certificate: 'web', condition: 'True' }), 1);
    assert.equal(metric(text, 'certloop_endpoint_serial_match', { certificate: 'web', address: '127.0.0.1' }), 1);
    assert.equal(metric(text, 'certloop_endpoint_cert_expiration_timestamp_seconds', { certificate: 'web' }), notAfter);
    assert.equal(metric(text, 'certloop_certificate_verification_pending_seconds', { certificate: 'web' }), 0);
    assert.equal(metric(text, 'certloop_events_total', { certificate: 'web', type: 'renewed' }), 1);
    assert.ok(Math.abs(metric(text, 'certloop_last_run_timestamp_seconds')! - Date.parse(r.json.startedAt) / 1000) < 1);
    assert.equal(metric(text, 'certloop_last_run_duration_seconds'), r.json.durationMs / 1000);
    assert.equal(metric(text, 'certloop_last_run_success'), 1);
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['certloop.prom'], 'no temporary file left beside it');
    assert.ok(!text.includes('PRIVATE'));

    // A failing step shows up as a failure counter and a consecutive-failures gauge.
    lab.writeConfig({ reload: ['false'] });
    const bad = await lab.run('renew', 'web', '--force', '--metrics-file', file);
    assert.equal(bad.code, 1);
    const after = fs.readFileSync(file, 'utf8');
    assert.equal(metric(after, 'certloop_step_failures_total', { certificate: 'web', step: 'reload' }), 1);
    assert.equal(metric(after, 'certloop_certificate_consecutive_failures', { certificate: 'web', step: 'deploy' }), 1);
    assert.equal(metric(after, 'certloop_certificate_ready_status', { certificate: 'web', condition: 'False' }), 1);
    assert.equal(metric(after, 'certloop_last_run_success'), 0);
    lab.writeConfig();
    assert.equal((await lab.run('run')).code, 0);
  });

  it('runs on a schedule, verifies in between, serves /metrics, /healthz and /, and exits 0 on SIGTERM', async () => {
    const d = startDaemon(lab.configFile, ['--listen', '127.0.0.1:0', '--schedule', '*/1 * * * * *', '--verify-interval', '1s']);
    daemons.push(d);
    const base = await listeningOn(d);
    await waitFor(async () => (await get(`${base}/healthz`).catch(() => ({ status: 0 }))).status === 200, 20_000, 'the daemon to answer /healthz');
    const count = (re: RegExp) => d.output().split('\n').filter((l) => re.test(l)).length;
    await waitFor(() => count(/"run finished"/) >= 3 && count(/"verify pass finished"/) >= 1, 30_000, 'three runs and a verify pass');

    const m = await get(`${base}/metrics`);
    assert.equal(m.status, 200);
    assert.match(m.type ?? '', /text\/plain/);
    assert.equal(metric(m.body, 'certloop_endpoint_serial_match', { certificate: 'web', address: '127.0.0.1' }), 1);
    assert.ok(metric(m.body, 'certloop_certificate_expiration_timestamp_seconds', { certificate: 'web' })! > Date.now() / 1000);
    assert.ok(metric(m.body, 'certloop_last_run_timestamp_seconds')! > Date.now() / 1000 - 60);
    assert.ok(metric(m.body, 'certloop_process_resident_memory_bytes') !== undefined, 'process metrics in the daemon');

    const page = await get(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(page.type ?? '', /text\/html/);
    assert.match(page.body, /<h1>Certificate status<\/h1>/, "the status page");
    assert.match(page.body, />web</);
    const summary = await get(`${base}/summary.txt`);
    assert.match(summary.body, /schedule "\*\/1 \* \* \* \* \*"/);
    assert.match(summary.body, /^web {2}Ready/m);
    assert.equal((await get(`${base}/nope`)).status, 404);
    assert.equal(count(/"certificate issued"/), 0, 'repeated runs of an up-to-date certificate order nothing');

    d.child.kill('SIGTERM');
    const exit = await d.exited;
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.match(d.output(), /"msg":"stopped"/);
    assert.equal(locks(path.join(lab.dir, 'certloop.db')), 0, 'every lease released');
    await assert.rejects(fetch(`${base}/healthz`), 'the HTTP server is closed');
  });

  it('serves the status page only with the configured bearer token when told to', async () => {
    process.env.CERTLOOP_TEST_STATUS_TOKEN = 'status-token-for-tests';
    lab.writeConfig({ extra: 'statusPage: { auth: { bearerToken: "${env:CERTLOOP_TEST_STATUS_TOKEN}" } }\n' });
    const d = startDaemon(lab.configFile, ['--listen', '127.0.0.1:0', '--no-initial-run'], { CERTLOOP_TEST_STATUS_TOKEN: 'status-token-for-tests' });
    daemons.push(d);
    try {
      const base = await listeningOn(d);
      await waitFor(async () => (await get(`${base}/healthz`).catch(() => ({ status: 0 }))).status === 200, 20_000, 'the daemon to answer /healthz');
      const refused = await fetch(`${base}/`);
      assert.equal(refused.status, 401);
      assert.match(refused.headers.get('www-authenticate') ?? '', /Bearer/);
      const ok = await fetch(`${base}/`, { headers: { authorization: 'Bearer status-token-for-tests' } });
      assert.equal(ok.status, 200);
      assert.match(await ok.text(), />web</);
      assert.equal((await get(`${base}/metrics`)).status, 200, 'metrics stay open for the scraper');
    } finally {
      d.child.kill('SIGTERM');
      await d.exited;
      lab.writeConfig();
    }
    assert.doesNotMatch(d.output(), /status-token-for-tests/, 'the token is never logged');
  });

  it('SIGTERM during a slow deploy finishes that step, stops before verifying, and the next run resumes', async () => {
    const slowReload = ['sh', '-c', `sleep 1.5; exec ${lab.nginx.reloadCommand.map((a) => `'${a}'`).join(' ')}`];
    lab.writeConfig({ reload: slowReload });
    // A fresh state file: the daemon's first run has a certificate to order and deploy.
    const config = fs.readFileSync(lab.configFile, 'utf8').replace('state: ./certloop.db', 'state: ./fresh/certloop.db');
    fs.writeFileSync(lab.configFile, config);
    const d = startDaemon(lab.configFile, ['--listen', '127.0.0.1:0', '--schedule', '0 0 1 1 *']);
    daemons.push(d);
    await waitFor(() => /"msg":"deploying"/.test(d.output()), 30_000, 'the deploy to start');
    d.child.kill('SIGTERM');
    const exit = await d.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, d.output().slice(-2000));
    assert.match(d.output(), /"reload command succeeded"/, 'the step in progress finished');
    const stateFile = path.join(lab.dir, 'fresh', 'certloop.db');
    assert.equal(locks(stateFile), 0, 'lease released');
    const db = new Database(stateFile, { readonly: true });
    const rec = JSON.parse((db.prepare('SELECT record FROM certificates').get() as { record: string }).record);
    db.close();
    assert.equal(rec.deployedSerial, rec.issued.serial, 'the deploy was recorded');
    assert.equal(rec.lastVerification, undefined, 'verification was not started');

    const next = await lab.run('run', '--json');
    assert.equal(next.code, 0, next.stderr);
    assert.equal(next.json.certificates[0].renewed, false);
    assert.equal(next.json.certificates[0].issuedSerial, rec.issued.serial);
    assert.equal(next.json.certificates[0].verified, true);
  });

  it('on a terminal, shows one line per certificate moving through the steps (under a pty from script(1))', () => {
    lab.writeConfig();
    const r = spawnSync('script', ['-qec', `'${process.execPath}' '${CLI}' -c '${lab.configFile}' renew web --force 2>/dev/null`, '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
    recordOutput(r.stdout ?? '', r.stderr ?? '');
    assert.equal(r.status, 0, r.stdout);
    const frames = r.stdout.split(/\x1b\[1F|\r\n/).map((l) => l.replace(/\x1b\[2K/g, '')).filter(Boolean);
    assert.deepEqual(frames.filter((f) => f.startsWith('...')), [
      '...     web: deciding (issue)',
      '...     web: ordering and validating',
      '...     web: checking and deploying',
      '...     web: verifying endpoints',
    ]);
    assert.match(r.stdout, /\x1b\[1F\x1b\[2Kok {6}web \(renewed [0-9A-F]+, deployed\)/, 'the result replaces the progress line');
  });
});
