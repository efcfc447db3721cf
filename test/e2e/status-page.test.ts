/**
 * The status page as an operator sees it, in a real headless Chromium. The states on the page are
 * made by the real loop against Pebble and nginx, not written by hand:
 *
 * - healthy: issued, deployed, nginx A reloaded, served.
 * - pending: issued and deployed, but nginx B is never reloaded: it keeps serving its placeholder.
 * - stale:   served by nginx A and nginx B; renewed with a reload of A only, so B's address keeps
 *            serving the previous certificate.
 * - failed:  the reload command is `false`: a failed deploy.
 *
 * Then `certloop report --html FILE` writes the page and Chromium shows it; the same page is served
 * by the HTTP handler with authentication. Screenshots land in test-artifacts/status-page/.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import type { Page } from 'playwright-core';
import { loadConfig } from '../../src/config/load.js';
import { statusPageHandler } from '../../src/report/http.js';
import { buildStatusModel } from '../../src/report/model.js';
import { openStore } from '../../src/state/open.js';
import { launchChromium, type Browser } from '../support/browser.js';
import { cli, ROOT, tempDir, type CliResult } from '../support/lab.js';
import { startNginx, writePlaceholder, type Nginx } from '../support/nginx.js';
import { startPebble, type Pebble } from '../support/pebble.js';

// Callbacks passed to page.evaluate run inside Chromium; the project compiles without the DOM
// library, so the few page globals they use are declared here (types only, nothing is emitted).
declare const document: any;
declare const window: any;
declare function getComputedStyle(element: unknown, pseudo?: string): { backgroundColor: string; color: string; content: string };

const SHOTS = path.join(ROOT, 'test-artifacts', 'status-page');
const NAMES = ['healthy', 'pending', 'stale', 'failed'] as const;
const TOKEN = 'status-token-3f9c1e7a5b2d4c6e8f0a1b2c3d4e5f60';
const BASIC = { user: 'ops', password: 'correct horse battery staple' };

interface World {
  dir: string;
  pebble: Pebble;
  nginxA: Nginx;
  nginxB: Nginx;
  configFile: string;
  ports: { healthy: number; pending: number; staleA: number; staleB: number; failed: number };
  /** The serial the stale address still serves (the first certificate of "stale"). */
  oldStaleSerial: string;
  newStaleSerial: string;
}

async function setUp(): Promise<World> {
  const dir = tempDir('status-page');
  const pebble = await startPebble({ dir: path.join(dir, 'pebble'), validitySeconds: 90 * 86_400 });
  const stop: (() => unknown)[] = [() => pebble.stop()];
  try {
    const files = (name: string) => ({ cert: path.join(dir, 'live', name, 'fullchain.pem'), key: path.join(dir, 'live', name, 'privkey.pem') });
    for (const name of NAMES) writePlaceholder(files(name).cert, files(name).key);
    const nginxA = await startNginx(path.join(dir, 'nginx-a'), [
      { server_name: 'healthy.test', port: 'healthy', ...files('healthy') },
      { server_name: 'stale.test', port: 'staleA', ...files('stale') },
    ]);
    stop.push(() => nginxA.stop());
    const nginxB = await startNginx(path.join(dir, 'nginx-b'), [
      { server_name: 'pending.test', port: 'pending', ...files('pending') },
      { server_name: 'stale.test', port: 'staleB', ...files('stale') },
      { server_name: 'failed.test', port: 'failed', ...files('failed') },
    ]);
    stop.push(() => nginxB.stop());
    const { healthy, staleA } = nginxA.ports;
    const { pending, staleB, failed } = nginxB.ports;
    return { dir, pebble, nginxA, nginxB, configFile: path.join(dir, 'certloop.yaml'), ports: { healthy, pending, staleA, staleB, failed }, oldStaleSerial: '', newStaleSerial: '' };
  } catch (err) {
    for (const s of stop.reverse()) await s();
    throw err;
  }
}

function writeConfig(w: World, staleReload: string[]): void {
  // Polling ends as soon as every address serves the new serial, so a certificate expected to be
  // served gets a generous budget (a busy CI machine may take a while to reload nginx), and one
  // that is expected to stay unserved a short one, which it always spends in full.
  const cert = (name: string, reload: string[] | null, endpoints: number[], pollFor: string) => `  - name: ${name}
    domains: [${name}.test]
    challenge: { type: http-01, listen: 127.0.0.1:${w.pebble.httpPort} }
    targets:
      - type: file
        cert: ./live/${name}/fullchain.pem
        key: ./live/${name}/privkey.pem
${reload ? `        reload: ${JSON.stringify(reload)}\n` : ''}    verify:
      endpoints:
${endpoints.map((p) => `        - { host: 127.0.0.1, port: ${p}, sni: ${name}.test }`).join('\n')}
      trust: ${w.pebble.rootFile}
      pollFor: ${pollFor}
`;
  fs.writeFileSync(
    w.configFile,
    `acme:
  directory: ${w.pebble.directory}
  caBundle: ${w.pebble.caBundleFile}
state: ./certloop.db
certificates:
${cert('healthy', w.nginxA.reloadCommand, [w.ports.healthy], '15s')}${cert('pending', null, [w.ports.pending], '1s')}${cert('stale', staleReload, [w.ports.staleA, w.ports.staleB], '4s')}${cert('failed', ['false'], [w.ports.failed], '1s')}`,
  );
}

const run = (w: World, ...args: string[]): Promise<CliResult> => cli(['-c', w.configFile, ...args]);

/** Makes the four states with the real loop (see the file comment). */
async function makeStates(w: World): Promise<void> {
  // "stale" first gets a certificate both nginx servers load...
  const both = ['sh', '-c', `${w.nginxA.reloadCommand.join(' ')} && ${w.nginxB.reloadCommand.join(' ')}`];
  writeConfig(w, both);
  const first = await run(w, 'renew', 'stale', '--json');
  assert.equal(first.code, 0, first.stderr);
  w.oldStaleSerial = first.json.certificates[0].issuedSerial;

  // ...then only A is reloaded from now on, and nginx B is never reloaded again.
  writeConfig(w, w.nginxA.reloadCommand);
  const all = await run(w, 'run', '--json');
  assert.equal(all.code, 1, all.stderr);
  const verdicts = Object.fromEntries(all.json.certificates.map((c: { name: string; verdict: string }) => [c.name, c.verdict]));
  assert.deepEqual(verdicts, { healthy: 'ready', pending: 'pending', stale: 'ready', failed: 'failed' });

  const renewed = await run(w, 'renew', 'stale', '--force', '--json');
  assert.equal(renewed.code, 1, renewed.stderr);
  assert.equal(renewed.json.certificates[0].verdict, 'pending');
  w.newStaleSerial = renewed.json.certificates[0].issuedSerial;
  assert.notEqual(w.newStaleSerial, w.oldStaleSerial);
}

async function visibleText(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).innerText()).replace(/\s+/g, ' ');
}

/** True when nothing sticks out sideways: the window never needs a horizontal scrollbar. */
async function overflowsHorizontally(page: Page): Promise<{ scrollWidth: number; innerWidth: number; widest: string }> {
  return page.evaluate(() => {
    let widest = '';
    let right = 0;
    for (const el of Array.from<any>(document.querySelectorAll('body *'))) {
      const r = el.getBoundingClientRect();
      if (r.right > right) {
        right = r.right;
        widest = `${el.tagName.toLowerCase()}.${(el.getAttribute('class') ?? '').replace(/ /g, '.')} ${Math.round(r.right)}px`;
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, widest };
  });
}

describe('the status page in a real browser', () => {
  let w: World | undefined;
  let browser: Browser | undefined;
  let pageFile: string;
  let html: string;

  before(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    const [world, b] = await Promise.all([setUp(), launchChromium()]);
    w = world;
    browser = b;
    await makeStates(w);
    pageFile = path.join(w.dir, 'out', 'status.html');
    const r = await run(w, 'report', '--html', pageFile);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /4 certificate\(s\), 1 ready, 2 pending, 1 failed, 2 stale address\(es\)/);
    html = fs.readFileSync(pageFile, 'utf8');
  });

  after(async () => {
    await browser?.close();
    if (w) {
      w.nginxA.stop();
      w.nginxB.stop();
      await w.pebble.stop();
    }
  });

  it('shows every certificate most urgent first, with what a person needs to know in each row', async () => {
    const page = await browser!.context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(pathToFileURL(pageFile).href);
    await page.screenshot({ path: path.join(SHOTS, 'wide.png'), fullPage: true });

    assert.equal(await page.title(), 'certloop: 1 failed, 2 pending, 1 ready');
    assert.equal(await visibleText(page, 'h1'), 'Certificate status');
    assert.match(await visibleText(page, 'ul.summary'), /1 failed .*2 pending .*2 stale addresses .*1 ready/);

    // Urgency: an endpoint serving a certificate that expires tomorrow, then the failed deploy,
    // then the stale address, then the healthy one.
    const order = await page.locator('table.overview tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-certificate')));
    assert.deepEqual(order, ['pending', 'failed', 'stale', 'healthy']);

    const row = (name: string) => visibleText(page, `table.overview tr[data-certificate="${name}"]`);
    const healthy = await row('healthy');
    assert.match(healthy, /healthy healthy\.test/);
    assert.match(healthy, /✓ Ready/);
    assert.match(healthy, /1 of 1 serve the deployed certificate/);
    assert.match(healthy, /by fraction of lifetime/);
    assert.match(healthy, /Served on its one address/);

    const pending = await row('pending');
    assert.match(pending, /✕ Pending/);
    assert.match(pending, /0 of 1 serve the deployed certificate · 1 stale/);
    assert.match(pending, /but one served expires in (23|24)h/, 'the placeholder nginx B still serves expires within a day');

    const stale = await row('stale');
    assert.match(stale, /! Pending/);
    assert.match(stale, /1 of 2 serve the deployed certificate · 1 stale/);
    assert.match(stale, /1 of 2 addresses serves another certificate than the deployed one/);

    const failed = await row('failed');
    assert.match(failed, /✕ Failed/);
    assert.match(failed, /The last deploy failed \(RELOAD_FAILED\): reload failed: `false` exited with 1/);

    // Self-contained: the page loaded nothing but itself, and has no script at all.
    assert.deepEqual(requests, [pathToFileURL(pageFile).href]);
    assert.equal(await page.evaluate(() => document.scripts.length), 0);
    assert.doesNotMatch(html, /PRIVATE KEY|<script|https?:\/\/(?!127\.0\.0\.1|localhost|www\.w3\.org\/2000\/svg)/);
    await page.close();
  });

  it('marks the stale address and names the serial it still serves', async () => {
    const page = await browser!.context.newPage();
    await page.goto(pathToFileURL(pageFile).href);
    const section = page.locator('section#cert-stale');
    const rows = section.locator('table.addresses tbody tr');
    assert.equal(await rows.count(), 2);
    const good = (await rows.filter({ hasText: `127.0.0.1:${w!.ports.staleA}` }).innerText()).replace(/\s+/g, ' ');
    const bad = (await rows.filter({ hasText: `127.0.0.1:${w!.ports.staleB}` }).innerText()).replace(/\s+/g, ' ');
    assert.match(good, /✓ serves the deployed certificate/);
    assert.match(good, new RegExp(w!.newStaleSerial));
    assert.match(bad, /✕ STALE: serves another certificate/);
    assert.match(bad, new RegExp(`${w!.oldStaleSerial} the previous certificate ${w!.newStaleSerial}`), 'serves the old serial where the new one is expected');

    // It stands out by more than its words: a tinted row with a red edge.
    const look = await rows.evaluateAll((trs) => trs.map((tr) => getComputedStyle(tr).backgroundColor));
    assert.equal(new Set(look).size, 2, `the stale row looks different (${look.join(' vs ')})`);
    await section.screenshot({ path: path.join(SHOTS, 'stale-certificate.png') });
    await page.close();
  });

  it('shows the failure message, when it happened and when certloop tries again', async () => {
    const page = await browser!.context.newPage();
    await page.goto(pathToFileURL(pageFile).href);
    const failure = await visibleText(page, 'section#cert-failed .failure');
    assert.match(failure, /✕ Deploy failed \d{4}-\d\d-\d\d \d\d:\d\d UTC \(\d+[smh] ago\) · attempt 1 · RELOAD_FAILED/);
    assert.match(failure, /reload failed: `false` exited with 1/);
    assert.match(failure, /Next attempt: /);
    const conditions = await visibleText(page, 'section#cert-failed table.conditions');
    assert.match(conditions, /Deployed False DeployFailed reload failed/);
    assert.match(conditions, /Issued True Issued certificate/);

    const events = page.locator('section[aria-labelledby="events-h"] tbody tr.event-failed');
    assert.equal(await events.count(), 1);
    assert.match((await events.innerText()).replace(/\s+/g, ' '), /failed ✕ failed reload failed: `false` exited with 1/);
    await page.locator('section#cert-failed').screenshot({ path: path.join(SHOTS, 'failed-certificate.png') });
    await page.close();
  });

  it('draws one timeline row per certificate with its validity bar and renewal point', async () => {
    const page = await browser!.context.newPage();
    await page.goto(pathToFileURL(pageFile).href);
    const svg = page.locator('figure.timeline svg[role="img"]');
    assert.equal(await svg.count(), 1);
    const rows = await svg.locator('g.row').evaluateAll((gs) =>
      gs.map((g) => ({
        name: g.getAttribute('data-certificate'),
        bar: g.querySelector('rect.bar')?.getBoundingClientRect().width ?? 0,
        renew: !!g.querySelector('circle.renew'),
        servedExpiry: !!g.querySelector('line.served-expiry'),
        label: g.querySelector('text.label')?.textContent,
      })),
    );
    assert.deepEqual(rows.map((r) => r.name), ['pending', 'failed', 'stale', 'healthy']);
    for (const r of rows) {
      assert.ok(r.bar > 200, `${r.name} has a visible validity bar (${r.bar}px)`);
      assert.ok(r.renew, `${r.name} has a renewal point`);
    }
    // nginx B still serves its placeholder for pending, which expires long before any renewal is due.
    assert.deepEqual(rows.map((r) => r.servedExpiry), [true, false, false, false], 'an older certificate still served is marked');
    assert.equal(rows[0].label, 'pending · Pending (needs action)');
    assert.match(await svg.locator('desc').textContent() ?? '', /healthy: valid \d{4}-\d\d-\d\d \d\d:\d\d to .*renewal/);
    await svg.screenshot({ path: path.join(SHOTS, 'timeline.png') });
    await page.close();
  });

  it('has text with a contrast of at least 4.5:1 against its background everywhere (WCAG AA)', async () => {
    const page = await browser!.context.newPage();
    await page.goto(pathToFileURL(pageFile).href);
    const low = await page.evaluate(() => {
      const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
      const lum = ([r, g, b]: number[]) => {
        const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
      };
      const background = (el: any): number[] => {
        for (let e = el; e; e = e.parentElement) {
          const c = rgb(getComputedStyle(e).backgroundColor);
          if (c.length === 3 || c[3] > 0) return c;
        }
        return [255, 255, 255];
      };
      const out: string[] = [];
      for (const el of Array.from<any>(document.querySelectorAll('body *'))) {
        const text = Array.from<any>(el.childNodes).filter((n) => n.nodeType === 3 && n.textContent.trim()).map((n) => n.textContent.trim()).join(' ');
        if (!text || el.closest('svg')) continue;
        const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(background(el))].sort((x, y) => y - x);
        const ratio = (a + 0.05) / (b + 0.05);
        if (ratio < 4.5) out.push(`${ratio.toFixed(2)} ${el.tagName} "${text.slice(0, 30)}"`);
      }
      return out;
    });
    assert.deepEqual(low, []);
    await page.close();
  });

  it('fits a 380 px window without sideways scrolling', async () => {
    const page = await browser!.context.newPage();
    await page.setViewportSize({ width: 380, height: 800 });
    await page.goto(pathToFileURL(pageFile).href);
    const o = await overflowsHorizontally(page);
    assert.ok(o.scrollWidth <= o.innerWidth, `page is ${o.scrollWidth}px wide in a ${o.innerWidth}px window; widest: ${o.widest}`);
    // Table rows become cards whose cells say what they are.
    const cells = await page.locator('table.overview tr[data-certificate="stale"] td').evaluateAll((tds) =>
      tds.map((td) => `${getComputedStyle(td, '::before').content.replace(/"/g, '')}: ${td.innerText.replace(/\s+/g, ' ')}`),
    );
    assert.match(cells[0], /^State: ! Pending$/);
    assert.match(cells[1], /^Endpoints: 1 of 2 serve/);
    const head = await page.locator('table.overview thead').boundingBox();
    assert.ok(head && head.height <= 1 && head.width <= 1, 'column headers are left to screen readers');
    const svgWidth = await page.locator('figure.timeline svg[role="img"]').evaluate((e) => e.getBoundingClientRect().width);
    assert.ok(svgWidth > 300 && svgWidth <= 380, `timeline fits (${svgWidth}px)`);
    await page.screenshot({ path: path.join(SHOTS, 'narrow.png'), fullPage: true });
    await page.close();
  });

  it('is served by the HTTP handler only with the bearer token or the basic credentials', async () => {
    const logged: string[] = [];
    const log = pino({ level: 'info' }, new Writable({ write: (chunk, _e, cb) => (logged.push(String(chunk)), cb()) }));
    const config = loadConfig(w!.configFile);
    const store = openStore(config.state);
    const handler = statusPageHandler({ load: () => buildStatusModel(config, store, new Date()), auth: { bearerToken: TOKEN, basic: BASIC }, log });
    const server = http.createServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    try {
      const cases: [string, Record<string, string>, number][] = [
        ['no credentials are refused', {}, 401],
        ['a wrong token is refused', { authorization: `Bearer ${TOKEN.slice(0, -1)}x` }, 401],
        ['a token that is a prefix of the right one is refused', { authorization: `Bearer ${TOKEN.slice(0, 10)}` }, 401],
        ['a wrong password is refused', { authorization: basic(BASIC.user, 'wrong') }, 401],
        ['the bearer token is accepted', { authorization: `Bearer ${TOKEN}` }, 200],
        ['the scheme name is case-insensitive', { authorization: `bearer ${TOKEN}` }, 200],
        ['the basic credentials are accepted', { authorization: basic(BASIC.user, BASIC.password) }, 200],
      ];
      for (const [name, headers, status] of cases) {
        const res = await fetch(`${base}/`, { headers });
        const body = await res.text();
        assert.equal(res.status, status, name);
        if (status === 401) {
          const challenge = res.headers.get('www-authenticate') ?? '';
          assert.match(challenge, /Bearer realm="certloop"/, name);
          assert.match(challenge, /Basic realm="certloop"/, name);
          assert.doesNotMatch(body, /healthy|stale/, `${name}: nothing leaks in the body`);
        } else {
          assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
          assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
          assert.match(body, /<h1>Certificate status<\/h1>/);
        }
      }

      // In the browser, with the token (Chromium turns a 401 with a Basic challenge into a
      // navigation error without credentials, so the refusals are checked with fetch above).
      const page = await browser!.context.newPage();
      await page.setExtraHTTPHeaders({ authorization: `Bearer ${TOKEN}` });
      const ok = await page.goto(`${base}/`);
      assert.equal(ok?.status(), 200);
      assert.deepEqual(await page.locator('table.overview tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-certificate'))), ['pending', 'failed', 'stale', 'healthy']);
      await page.screenshot({ path: path.join(SHOTS, 'served.png') });
      await page.close();

      const logs = logged.join('');
      assert.match(logs, /request without valid credentials refused/);
      for (const secret of [TOKEN, TOKEN.slice(0, 10), BASIC.password, Buffer.from(`${BASIC.user}:${BASIC.password}`).toString('base64')]) {
        assert.ok(!logs.includes(secret), 'no credential reaches the log');
      }
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await store.close();
    }
  });
});
