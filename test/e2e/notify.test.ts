/**
 * Notifications end to end: the built CLI against Pebble and nginx, with local HTTP receivers
 * standing in for a webhook, Slack and Teams, and a real exec hook. Asserts payload shapes, event
 * filters, throttling of a repeated failure, a recovery announced once, and that a notifier that
 * is down never blocks renewal.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { capturedOutput, cli, startLab, type CliResult, type Lab } from '../support/lab.js';
import { closedPort } from '../support/tls-servers.js';
import { assertNoKeyMaterial, keyMaterialIn } from '../support/secrets.js';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: any;
}

function startReceiver(): Promise<{ port: number; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(body) });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      resolve({ port, received, close: () => new Promise<void>((r) => server.close(() => r())) });
    });
  });
}

const HOOK = `import fs from 'node:fs';
const stdin = fs.readFileSync(0, 'utf8');
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('CERTLOOP_') && k !== 'CERTLOOP_LOG_LEVEL'));
fs.appendFileSync(process.env.HOOK_OUT, JSON.stringify({ argv: process.argv.slice(2), cwd: process.cwd(), stdin: JSON.parse(stdin), env }) + '\\n');
`;

describe('notifications', () => {
  let lab: Lab;
  let rx: Awaited<ReturnType<typeof startReceiver>>;
  let hookOut: string;
  let env: Record<string, string>;
  const types = (prefix: string) => rx.received.filter((r) => r.path.startsWith(prefix));
  const run = (...args: string[]): Promise<CliResult> => cli(['-c', lab.configFile, ...args], { env });
  const hookCalls = () => (fs.existsSync(hookOut) ? fs.readFileSync(hookOut, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : []);

  function configure(reload?: string[]) {
    lab.writeConfig({
      reload,
      extra: `notify:
  - type: webhook
    name: hook
    url: http://127.0.0.1:${rx.port}/webhook
    headers: { authorization: "Bearer \${env:HOOK_TOKEN}" }
    events: [renewed, deployed, verified, failed, recovered]
    renotify: 1h
  - type: slack
    name: chat
    url: http://127.0.0.1:${rx.port}/slack/T000/B000/XXXXSECRET
  - type: teams
    url: http://127.0.0.1:${rx.port}/teams
    events: [failed, recovered]
  - type: exec
    name: pager
    command: [${JSON.stringify(process.execPath)}, ./hook.mjs, "$(touch pwned)", "a; b"]
    events: [failed, recovered]
  - type: webhook
    name: down
    url: http://127.0.0.1:${deadPort}/
    events: [renewed]
`,
    });
  }
  let deadPort: number;

  before(async () => {
    lab = await startLab('notify');
    rx = await startReceiver();
    deadPort = await closedPort();
    hookOut = path.join(lab.dir, 'hook-calls.jsonl');
    fs.writeFileSync(path.join(lab.dir, 'hook.mjs'), HOOK);
    env = { HOOK_TOKEN: 'tok-123-secret', HOOK_OUT: hookOut, CERTLOOP_NOTIFY_RETRY_MS: '50,50' };
    configure();
  });
  after(async () => {
    await rx?.close();
    await lab?.stop();
  });

  it('a first run tells the webhook renewed, deployed, verified; problem-only notifiers stay quiet; a dead notifier does not block', async () => {
    const r = await run('run', '--json');
    assert.equal(r.code, 0, r.stderr);
    const hook = types('/webhook');
    assert.deepEqual(hook.map((h) => h.body.event.type), ['renewed', 'deployed', 'verified']);
    const renewed = hook[0].body;
    assert.equal(renewed.version, 1);
    assert.deepEqual(Object.keys(renewed.event).sort(), ['at', 'certificate', 'data', 'message', 'severity', 'type']);
    assert.equal(renewed.event.certificate, 'web');
    assert.equal(renewed.event.data.serial, r.json.certificates[0].issuedSerial);
    assert.equal(hook[0].headers.authorization, 'Bearer tok-123-secret');
    assert.equal(types('/slack').length, 0);
    assert.equal(types('/teams').length, 0);
    assert.deepEqual(hookCalls(), []);
    assert.match(r.stderr, /NOTIFY_FAILED/);
    assert.ok(!r.stderr.includes('tok-123-secret'), 'header values are not logged');
  });

  it('a failed reload notifies every subscriber once, with the step and the error', async () => {
    configure(['false']);
    const r = await run('renew', 'web', '--force', '--json');
    assert.equal(r.code, 1);
    assert.equal(r.json.certificates[0].error.code, 'RELOAD_FAILED');

    const failed = types('/webhook').filter((h) => h.body.event.type === 'failed');
    assert.equal(failed.length, 1);
    assert.equal(failed[0].body.event.severity, 'critical');
    assert.equal(failed[0].body.event.data.step, 'reload');
    assert.equal(failed[0].body.event.data.code, 'RELOAD_FAILED');

    const [slack] = types('/slack');
    assert.match(slack.body.text, /web: reload failed/);
    assert.ok(Array.isArray(slack.body.blocks) && slack.body.blocks.length > 0);
    assert.equal(slack.body.blocks[0].type, 'header');

    const [teams] = types('/teams');
    assert.equal(teams.body.type, 'message');
    const card = teams.body.attachments[0];
    assert.equal(card.contentType, 'application/vnd.microsoft.card.adaptive');
    assert.equal(card.content.type, 'AdaptiveCard');
    assert.ok(card.content.body.some((b: any) => b.type === 'FactSet' && b.facts.some((f: any) => f.title === 'step' && f.value === 'reload')));

    const [call] = hookCalls();
    assert.deepEqual(call.argv, ['$(touch pwned)', 'a; b'], 'argv reaches the hook verbatim: no shell');
    assert.ok(!fs.existsSync(path.join(lab.dir, 'pwned')), 'nothing was interpreted by a shell');
    assert.equal(call.cwd, lab.dir);
    assert.equal(call.stdin.event.type, 'failed');
    assert.equal(call.env.CERTLOOP_EVENT, 'failed');
    assert.equal(call.env.CERTLOOP_CERTIFICATE, 'web');
    assert.equal(call.env.CERTLOOP_SEVERITY, 'critical');
    assert.deepEqual(JSON.parse(call.env.CERTLOOP_EVENT_JSON), call.stdin.event);
  });

  it('the same failure on the next run is recorded but not announced again within renotify', async () => {
    const before = rx.received.length;
    const r = await run('run', '--json');
    assert.equal(r.code, 1);
    assert.equal(rx.received.length, before, 'no new notification');
    assert.equal(hookCalls().length, 1);
    const db = new Database(path.join(lab.dir, 'certloop.db'), { readonly: true });
    const n = (db.prepare("SELECT count(*) AS n FROM events WHERE type = 'failed'").get() as { n: number }).n;
    db.close();
    assert.equal(n, 2, 'both failures are in the history');
  });

  it('fixing it announces the recovery once, to those who heard about the problem', async () => {
    configure();
    const r = await run('run', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(types('/webhook').map((h) => h.body.event.type), ['renewed', 'deployed', 'verified', 'renewed', 'failed', 'deployed', 'verified', 'recovered']);
    const recovered = types('/webhook').at(-1)!.body.event;
    assert.deepEqual(recovered.data.from, ['failed']);
    assert.deepEqual(types('/slack').map((s) => /recovered/.test(s.body.text)), [false, true]);
    assert.equal(types('/teams').length, 2);
    assert.deepEqual(hookCalls().map((c) => c.env.CERTLOOP_EVENT), ['failed', 'recovered']);

    const count = rx.received.length;
    const again = await run('run', '--json');
    assert.equal(again.code, 0);
    assert.equal(rx.received.length, count, 'a healthy run announces nothing');
  });

  it('payloads carry no key material, and logs never show a webhook URL path or a header value', () => {
    assertNoKeyMaterial(rx.received.map((r) => JSON.stringify(r.body)), keyMaterialIn(path.join(lab.dir, 'certloop.db')), 'notification payload');
    const output = capturedOutput.join('\n');
    assert.match(output, /notification sent/);
    assert.ok(!output.includes('XXXXSECRET'), 'the Slack URL path is a credential');
    assert.ok(!output.includes('tok-123-secret'));
  });
});
