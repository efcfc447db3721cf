/**
 * The daemon's scheduled near-expiry drill end to end: the built CLI as a daemon drilling every
 * second (6-field cron) against real Pebble (production and staging the same directory) and real
 * nginx. A passing drill shows in `status --json` and /metrics; a broken target folder makes the
 * drill fail, which reaches a local webhook once (renotify) and sets the metric to 0; fixing it
 * brings exactly one recovery notification.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { get, listeningOn, metric, startDaemon, type Daemon } from '../support/daemon.js';
import { startLab, type Lab } from '../support/lab.js';
import { waitFor } from '../support/net.js';

interface Hook {
  type: string;
  certificate: string;
  severity: string;
  message: string;
  data: any;
}

function startReceiver(): Promise<{ url: string; received: Hook[]; close(): Promise<void> }> {
  const received: Hook[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body).event);
      res.writeHead(204).end();
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      resolve({ url: `http://127.0.0.1:${port}/hook`, received, close: () => new Promise<void>((r) => server.close(() => r())) });
    });
  });
}

describe('scheduled drills in the daemon', () => {
  let lab: Lab;
  let rx: Awaited<ReturnType<typeof startReceiver>>;
  let daemon: Daemon | undefined;
  before(async () => {
    lab = await startLab('daemon-drill');
    rx = await startReceiver();
    lab.writeConfig({
      extra: `notify:
  - type: webhook
    name: drills
    url: ${rx.url}
    events: [drill_failed, drill_recovered]
drill: { schedule: "*/1 * * * * *" }
`,
    });
    const text = fs.readFileSync(lab.configFile, 'utf8').replace(/(  caBundle: .*\n)/, `$1  staging: ${lab.pebble.directory}\n`);
    fs.writeFileSync(lab.configFile, text);
    const r = await lab.run('run');
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    if (daemon && daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill('SIGKILL');
    await rx?.close();
    await lab?.stop();
  });

  it('records passing drills, announces a failure once and the recovery once', async () => {
    // Runs and verify passes out of the way: only the drill schedule is at work.
    daemon = startDaemon(lab.configFile, ['--listen', '127.0.0.1:0', '--schedule', '0 0 1 1 *', '--verify-interval', '1h', '--no-initial-run'], {
      CERTLOOP_NOTIFY_RETRY_MS: '100,200',
    });
    const d = daemon;
    const base = await listeningOn(d);
    const lastDrill = async () => (await lab.run('status', '--json')).json?.certificates[0].lastDrill;
    const drillCount = () => d.output().split('\n').filter((l) => /"msg":"drill finished/.test(l)).length;
    const moreDrills = async (n: number, what: string) => {
      const seen = drillCount();
      await waitFor(() => drillCount() >= seen + n, 30_000, what);
    };

    // 1. A healthy setup: the drill passes, in status and in the metrics; nothing is sent.
    await waitFor(async () => (await lastDrill())?.passed === true, 30_000, 'a passing drill in status --json');
    const passed = await lastDrill();
    assert.equal(passed.trigger, 'daemon');
    assert.equal(passed.failedStep, null);
    assert.ok(Date.now() - Date.parse(passed.at) < 60_000);
    const m = (await get(`${base}/metrics`)).body;
    assert.equal(metric(m, 'certloop_drill_success', { certificate: 'web' }), 1);
    assert.ok(Math.abs(metric(m, 'certloop_drill_last_timestamp_seconds', { certificate: 'web' })! - Date.now() / 1000) < 60);
    assert.match((await get(`${base}/summary.txt`)).body, /drills "\*\/1 \* \* \* \* \*", next /);
    assert.match((await lab.run('status')).stdout, /drill {5}passed .*daemon\)/);
    assert.equal(rx.received.length, 0, 'a drill that passes from the start is not news');

    // 2. Break the target folder (a regular file where the folder should be; root ignores chmod).
    //    nginx keeps serving what it loaded, so only the drill can notice.
    const liveDir = path.dirname(lab.certFile);
    fs.renameSync(liveDir, `${liveDir}.saved`);
    fs.writeFileSync(liveDir, 'a file where the target folder should be');
    try {
      await waitFor(() => rx.received.some((h) => h.type === 'drill_failed'), 30_000, 'the drill_failed notification');
      const failed = await lastDrill();
      assert.equal(failed.passed, false);
      assert.equal(failed.failedStep, 'deploy');
      assert.match(failed.reason, /ENOTDIR/);
      const hook = rx.received.find((h) => h.type === 'drill_failed')!;
      assert.equal(hook.certificate, 'web');
      assert.equal(hook.severity, 'warning');
      assert.equal(hook.data.step, 'deploy');
      assert.equal(hook.data.trigger, 'daemon');
      assert.match(hook.message, /near-expiry drill of web failed .*deploy: .*ENOTDIR/);
      assert.equal(metric((await get(`${base}/metrics`)).body, 'certloop_drill_success', { certificate: 'web' }), 0);
      assert.match((await lab.run('status')).stdout, /DRILL {5}failed .* at deploy: .*ENOTDIR/);
      // More failing drills: still one notification (renotify, 24h by default).
      await moreDrills(2, 'two more failing drills');
      assert.equal((await lastDrill()).passed, false);
      assert.equal(rx.received.filter((h) => h.type === 'drill_failed').length, 1);
    } finally {
      // 3. Fix it: the next drill passes and the recovery is sent once.
      fs.rmSync(liveDir);
      fs.renameSync(`${liveDir}.saved`, liveDir);
    }
    await waitFor(() => rx.received.some((h) => h.type === 'drill_recovered'), 30_000, 'the drill_recovered notification');
    await moreDrills(2, 'two more passing drills');
    assert.equal((await lastDrill()).passed, true);
    assert.deepEqual(rx.received.map((h) => h.type), ['drill_failed', 'drill_recovered']);
    assert.equal(rx.received[1].severity, 'info');
    assert.ok(rx.received[1].data.failingSince, 'says since when it was failing');
    assert.equal(metric((await get(`${base}/metrics`)).body, 'certloop_drill_success', { certificate: 'web' }), 1);
    assert.doesNotMatch(d.output(), /"scheduled run starting"|"verify pass starting"/, 'only drills ran');

    d.child.kill('SIGTERM');
    assert.deepEqual(await d.exited, { code: 0, signal: null });
  });
});
