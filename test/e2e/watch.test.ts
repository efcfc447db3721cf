/**
 * Watched endpoints (issue 18 §1) against a real nginx on loopback: certificates certloop does not
 * issue, made by the test with the dates it needs, served one per port. Driven through the built
 * CLI (`watch --once`, `status`, `run --recheck due`) and the daemon (/metrics, the status page in
 * Chromium), with a webhook standing in for a notifier.
 *
 *   fine      a valid chain, 90 days left
 *   expiring  10 days left: inside the 14d threshold
 *   expired   expired yesterday
 *   broken    the leaf without its intermediate: chain-complete fails
 *   changing  served one certificate, then another (nginx reloaded): `changed`
 *   drift     expectSerial names one certificate, nginx serves another: drift, then fixed: recovered
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { launchChromium, type Browser } from '../support/browser.js';
import { days, makePki, type Issued, type Pki } from '../support/certs.js';
import { get, metric, startDaemon, type Daemon } from '../support/daemon.js';
import { cli, tempDir, type CliResult } from '../support/lab.js';
import { startNginx, type Nginx } from '../support/nginx.js';
import { freePort, waitFor } from '../support/net.js';

const NAMES = ['fine', 'expiring', 'expired', 'broken', 'changing', 'drift'] as const;
type Name = (typeof NAMES)[number];

interface Hook {
  port: number;
  events: any[];
  close(): Promise<void>;
}

function startReceiver(): Promise<Hook> {
  const events: any[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      events.push(JSON.parse(body).event);
      res.writeHead(200).end('ok');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as { port: number }).port, events, close: () => new Promise((r) => server.close(() => r())) })));
}

describe('watched endpoints', () => {
  let dir: string;
  let pki: Pki;
  let nginx: Nginx;
  let hook: Hook;
  let configFile: string;
  const ports = {} as Record<Name, number>;
  const served = {} as Record<Name, Issued>;
  let driftExpected: Issued;
  let changedTo: Issued;
  const daemons: Daemon[] = [];
  let browser: Browser | undefined;

  const certFile = (n: Name) => path.join(dir, 'certs', `${n}.pem`);
  const keyFile = (n: Name) => path.join(dir, 'certs', `${n}.key`);
  /** What nginx serves for `n`: the leaf, and the intermediate unless the chain is to be broken. */
  const serve = (n: Name, leaf: Issued, chain = true) => {
    fs.writeFileSync(certFile(n), leaf.certPem + (chain ? pki.intermediate.certPem : ''));
    fs.writeFileSync(keyFile(n), leaf.keyPem);
    served[n] = leaf;
  };
  const watch = (...args: string[]): Promise<CliResult> => cli(['-c', configFile, ...args], { timeoutMs: 60_000 });
  const eventsOf = (type: string, name?: string) => hook.events.filter((e) => e.type === type && (!name || e.certificate === name));

  before(async () => {
    dir = tempDir('watch');
    fs.mkdirSync(path.join(dir, 'certs'));
    pki = makePki('watch test');
    const names = (n: Name) => [`${n}.watch.test`];
    serve('fine', pki.leaf(names('fine')));
    serve('expiring', pki.leaf(names('expiring'), { notBefore: days(-80), notAfter: days(10) }));
    serve('expired', pki.leaf(names('expired'), { notBefore: days(-90), notAfter: days(-1) }));
    serve('broken', pki.leaf(names('broken')), false);
    serve('changing', pki.leaf(names('changing')));
    changedTo = pki.leaf(names('changing'));
    driftExpected = pki.leaf(names('drift'));
    serve('drift', pki.leaf(names('drift')));
    fs.writeFileSync(path.join(dir, 'root.pem'), pki.root.certPem);
    for (const n of NAMES) ports[n] = await freePort();
    [nginx, hook] = await Promise.all([
      startNginx(path.join(dir, 'nginx'), NAMES.map((n) => ({ server_name: `${n}.watch.test`, port: ports[n], cert: certFile(n), key: keyFile(n) }))),
      startReceiver(),
    ]);
    configFile = path.join(dir, 'certloop.yaml');
    // No certificates at all: a config may only watch.
    fs.writeFileSync(
      configFile,
      `acme:
  directory: https://127.0.0.1:1/never-contacted
state: ./certloop.db
watch:
  interval: 1h
  endpoints:
${NAMES.map((n) => `    - { name: ${n}, host: ${n}.watch.test, addresses: [127.0.0.1], port: ${ports[n]}, trust: ./root.pem, timeout: 3s${n === 'drift' ? `, expectSerial: "${driftExpected.serial.toLowerCase().match(/../g)!.join(':')}"` : ''} }`).join('\n')}
notify:
  - type: webhook
    url: http://127.0.0.1:${hook.port}/hook
    events: [expiring_soon, expired, chain_problem, drift_detected, changed, failed, recovered]
`,
    );
  });

  after(async () => {
    for (const d of daemons) if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGKILL');
    await browser?.close();
    nginx?.stop();
    await hook?.close();
  });

  it('a sweep records what every endpoint serves and raises expiring_soon, expired, chain_problem and drift_detected (exit 1)', async () => {
    const r = await watch('--json', 'watch', '--once');
    assert.equal(r.code, 1, r.stderr);
    const byName = Object.fromEntries(r.json.watched.endpoints.map((e: any) => [e.name, e]));
    const conditions = (n: Name) => byName[n].conditions.map((c: any) => c.type);
    assert.deepEqual(conditions('fine'), []);
    assert.deepEqual(conditions('expiring'), ['expiring_soon']);
    assert.deepEqual(conditions('expired'), ['expired']);
    assert.deepEqual(conditions('broken'), ['chain_problem']);
    assert.deepEqual(conditions('changing'), []);
    assert.deepEqual(conditions('drift'), ['drift_detected']);
    // Recorded: serial, issuer, expiry, every address.
    const fine = byName.fine;
    assert.deepEqual(fine.serials, [served.fine.serial]);
    assert.match(fine.issuer, /watch test intermediate/);
    assert.equal(fine.notAfter, served.fine.cert.validity.notAfter.toISOString().replace(/\.\d{3}Z$/, '.000Z'));
    assert.deepEqual(fine.addresses.map((a: any) => [a.address, a.serial]), [['127.0.0.1', served.fine.serial]]);
    assert.equal(byName.expiring.remainingDays, 9);
    assert.match(byName.broken.conditions[0].message, /chain-complete/);
    assert.equal(byName.drift.expectSerial, driftExpected.serial);
    assert.deepEqual(r.json.watched.summary, { total: 6, ok: 2, problems: 4, fresh: 0, sourcesFailed: 0 });
    // Most urgent first: expired before the chain and drift problems, expiring after them, the healthy last.
    const order = r.json.watched.endpoints.map((e: any) => e.name);
    assert.deepEqual(order.slice(0, 4), ['expired', 'drift', 'broken', 'expiring']);
    assert.deepEqual(order.slice(4).sort(), ['changing', 'fine']);

    await waitFor(() => hook.events.length >= 4, 5000, 'four notifications');
    assert.deepEqual(hook.events.map((e) => `${e.certificate} ${e.type}`).sort(), ['broken chain_problem', 'drift drift_detected', 'expired expired', 'expiring expiring_soon']);
    assert.equal(eventsOf('expired')[0].severity, 'critical');
    assert.deepEqual(eventsOf('drift_detected')[0].data.mismatches, [{ endpoint: `drift.watch.test:${ports.drift}`, address: '127.0.0.1', served: served.drift.serial }]);
  });

  it('status and the plain output show the watched endpoints; a second sweep announces nothing already announced', async () => {
    const text = await watch('watch', '--once');
    assert.equal(text.code, 1);
    assert.match(text.stdout, /^EXPIRED  expired \(expired\.watch\.test:\d+\): serves /m);
    assert.match(text.stdout, /^EXPIRING expiring .*\n {4}expiring_soon: .* expires in 9 day\(s\)/m);
    assert.match(text.stdout, /^6 watched endpoint\(s\): 2 ok, 4 with problems$/m);
    const status = await watch('status');
    assert.equal(status.code, 1);
    assert.match(status.stdout, /^Watched \(6\)\n {2}EXPIRED  expired/m);
    const json = await watch('--json', 'status');
    assert.equal(json.json.watched.length, 6);
    assert.deepEqual(json.json.certificates, []);
    // Conditions still hold, nothing new: no second round of notifications.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(hook.events.length, 4);
  });

  it('a new serial is announced as changed; the drift endpoint serving its expected serial recovers', async () => {
    const was = served.changing.serial;
    serve('changing', changedTo);
    serve('drift', driftExpected);
    execFileSync(nginx.reloadCommand[0], nginx.reloadCommand.slice(1));
    await waitFor(async () => (await cli(['verify', '--endpoint', `127.0.0.1:${ports.changing}`, '--sni', 'changing.watch.test', '--expect-serial', changedTo.serial, '--trust', path.join(dir, 'root.pem')])).code === 0, 10_000, 'nginx to serve the new certificate');
    const r = await watch('--json', 'watch', '--once', 'changing', 'drift');
    assert.equal(r.code, 0, r.stdout);
    const changing = r.json.watched.endpoints.find((e: any) => e.name === 'changing');
    assert.equal(changing.changed.from, was);
    assert.equal(changing.changed.to, changedTo.serial);
    // Both serve another serial than before: the drift endpoint's new one is the expected one.
    await waitFor(() => eventsOf('changed').length === 2 && eventsOf('recovered').length === 1, 5000, 'changed twice and recovered once');
    const changed = eventsOf('changed', 'changing')[0];
    assert.deepEqual(changed.data, { from: was, to: changedTo.serial, issuer: changing.issuer, notAfter: changing.notAfter });
    assert.equal(changed.severity, 'info');
    assert.equal(eventsOf('changed', 'drift')[0].data.to, driftExpected.serial);
    assert.equal(eventsOf('recovered')[0].certificate, 'drift');
    assert.deepEqual(eventsOf('recovered')[0].data.from, ['drift_detected']);
    // The endpoints not named keep their records.
    const status = await watch('--json', 'status');
    assert.deepEqual(status.json.watched.find((e: any) => e.name === 'expired').conditions.map((c: any) => c.type), ['expired']);
  });

  it('run --recheck due answers healthy watched endpoints from their last check, and probes the rest', async () => {
    const r = await watch('--json', 'run', '--recheck', 'due');
    assert.equal(r.code, 1, r.stderr);
    const fresh = r.json.watched.endpoints.filter((e: any) => e.fresh).map((e: any) => e.name).sort();
    // fine: healthy, checked within recheckInterval (1h); changing and drift too. The others have problems.
    assert.deepEqual(fresh, ['changing', 'drift', 'fine']);
    assert.equal(r.json.watched.summary.fresh, 3);
    const all = await watch('--json', 'run');
    assert.equal(all.json.watched.summary.fresh, 0);
  });

  it('a file source adds the endpoints of an inventory; a bad line fails the source, and its last listing stays watched', async () => {
    const inventory = path.join(dir, 'inventory.csv');
    fs.writeFileSync(inventory, `host,owner\n127.0.0.1:${ports.fine},web team\n# retired: old.example.com\n127.0.0.1:${ports.expired}\n`);
    const sourced = configFile.replace(/\.yaml$/, '-sourced.yaml');
    fs.writeFileSync(sourced, fs.readFileSync(configFile, 'utf8').replace('  endpoints:\n', '  sources:\n    - { type: file, path: ./inventory.csv }\n  endpoints:\n'));
    const r = await cli(['-c', sourced, '--json', 'watch', '--once']);
    assert.equal(r.code, 1);
    const names = r.json.watched.endpoints.map((e: any) => e.name);
    assert.ok(names.includes(`127.0.0.1:${ports.fine}`) && names.includes(`127.0.0.1:${ports.expired}`), names.join(' '));
    const fromFile = r.json.watched.endpoints.find((e: any) => e.name === `127.0.0.1:${ports.expired}`);
    assert.equal(fromFile.origin, `file ${inventory}, line 4`);
    // No trust file for what a source lists: the test root is no public root, so the chain is a problem too.
    assert.deepEqual(fromFile.conditions.map((c: any) => c.type).sort(), ['chain_problem', 'expired']);
    assert.deepEqual(r.json.watched.sources, [{ id: `file:${inventory}`, description: `inventory file ${inventory}`, endpoints: 2, listedAt: r.json.watched.startedAt, error: null }]);

    fs.writeFileSync(inventory, `127.0.0.1:${ports.fine}\nnot a host name\n`);
    const bad = await cli(['-c', sourced, 'watch', '--once']);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /^FAILED {3}source inventory file .*inventory\.csv: watch source file .*inventory\.csv:2: "not a host name" is not host\[:port\].*\(its 2 endpoint\(s\) of .* stay watched\)$/m);
    assert.match(bad.stdout, new RegExp(`^EXPIRED  127\\.0\\.0\\.1:${ports.expired}: serves`, 'm'));
  });

  it('the daemon sweeps on watch.interval, /metrics has the certloop_watch_ gauges, and the status page lists them under Watched', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const everySecond = configFile.replace(/\.yaml$/, '-1s.yaml');
    fs.writeFileSync(everySecond, fs.readFileSync(configFile, 'utf8').replace('  interval: 1h\n', '  interval: 1s\n'));
    const d = startDaemon(everySecond, ['--listen', `127.0.0.1:${port}`]);
    daemons.push(d);
    // The first sweep at start, then one every watch.interval.
    await waitFor(() => (d.output().match(/"watch sweep finished"/g) ?? []).length >= 2, 30_000, 'two watch sweeps');
    const m = (await get(`${base}/metrics`)).body;
    assert.equal(metric(m, 'certloop_watch_ssl_earliest_cert_expiry', { endpoint: 'expired' }), Math.floor(served.expired.cert.validity.notAfter.getTime() / 1000));
    assert.equal(metric(m, 'certloop_watch_cert_expiration_timestamp_seconds', { endpoint: 'fine', address: '127.0.0.1' }), Math.floor(served.fine.cert.validity.notAfter.getTime() / 1000));
    assert.equal(metric(m, 'certloop_watch_probe_success', { endpoint: 'fine', address: '127.0.0.1' }), 1);
    assert.equal(metric(m, 'certloop_watch_serial_match', { endpoint: 'drift', address: '127.0.0.1' }), 1);
    assert.equal(metric(m, 'certloop_watch_condition', { endpoint: 'broken', condition: 'chain_problem' }), 1);
    assert.equal(metric(m, 'certloop_watch_endpoints', { state: 'problem' }), 3);

    browser = await launchChromium();
    const page = await browser.context.newPage();
    await page.goto(`${base}/`);
    const section = page.locator('section#watched');
    assert.equal(await section.locator('h2').innerText(), 'Watched, most urgent first');
    const rows = await section.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-watched'), tr.getAttribute('class')]));
    assert.deepEqual(rows.slice(0, 3), [
      ['expired', 'att-critical'],
      ['broken', 'att-critical'],
      ['expiring', 'att-warning'],
    ]);
    assert.deepEqual(rows.slice(3).sort(), [
      ['changing', 'att-ok'],
      ['drift', 'att-ok'],
      ['fine', 'att-ok'],
    ]);
    assert.match((await section.locator('tr[data-watched="expired"]').innerText()).replace(/\s+/g, ' '), /^expired expired\.watch\.test:\d+ ✕ Expired .* CN=watch test intermediate/);
    assert.match(await page.locator('ul.summary').innerText(), /3\s+watched with a problem/);
    await page.close();
    d.child.kill('SIGTERM');
    assert.equal((await d.exited).code, 0);
  });
});
