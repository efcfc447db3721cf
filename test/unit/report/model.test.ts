/**
 * The status model and page from hand-made records in a real SQLite store: urgency order, stale
 * addresses, overdue renewals, escaping, and that no key material ever reaches the page.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfigText } from '../../../src/config/load.js';
import { renderStatusPage } from '../../../src/report/html.js';
import { buildStatusModel, certificateView, type StatusModel } from '../../../src/report/model.js';
import type { CertificateRecord } from '../../../src/state/record.js';
import { writeLastDrill } from '../../../src/state/drill-result.js';
import { SqliteStore } from '../../../src/state/sqlite.js';

const DAY = 86_400_000;
const NOW = new Date('2026-03-01T12:00:00Z');
const KEY = '-----BEGIN PRIVATE KEY-----\nTHIS-MUST-NEVER-BE-SHOWN\n-----END PRIVATE KEY-----\n';

function config(names: string[]) {
  return parseConfigText(
    `acme: { directory: https://ca.test/dir }
certificates:
${names
  .map(
    (n) => `  - name: ${n}
    domains: [${n}.test]
    challenge: { type: http-01, listen: 127.0.0.1:5002 }
    targets: [{ type: file, cert: ./${n}.pem, key: ./${n}.key }]
    verify: { endpoints: [{ host: 127.0.0.1, port: 8443, sni: ${n}.test }, { host: 127.0.0.2, port: 8443, sni: ${n}.test }] }
`,
  )
  .join('')}`,
    '/etc/certloop/certloop.yaml',
  );
}

/** A record whose certificate was issued `ageDays` ago with a 90-day lifetime (or `lifetimeDays`). */
function record(name: string, o: { ageDays?: number; lifetimeDays?: number; serial?: string; deployed?: boolean; served?: (string | null)[]; servedNotAfter?: string; failure?: string; ready?: boolean } = {}): CertificateRecord {
  const serial = o.serial ?? `${name.toUpperCase().replace(/[^A-F0-9]/g, '')}01`;
  const notBefore = new Date(NOW.getTime() - (o.ageDays ?? 10) * DAY);
  const notAfter = new Date(notBefore.getTime() + (o.lifetimeDays ?? 90) * DAY);
  const issued = { serial, domains: [`${name}.test`], notBefore: notBefore.toISOString(), notAfter: notAfter.toISOString(), fullchainPem: 'CERT', keyPem: KEY, issuedAt: notBefore.toISOString(), directory: 'https://ca.test/dir' };
  const served = o.served ?? [serial, serial];
  const results = served.map((s, i) => ({
    endpoint: `127.0.0.${i + 1}:8443 (SNI ${name}.test)`,
    address: `127.0.0.${i + 1}`,
    ok: s === serial,
    served: s ?? undefined,
    notAfter: s === serial ? notAfter.toISOString() : s ? (o.servedNotAfter ?? notAfter.toISOString()) : undefined,
    error: s ? undefined : 'connect ECONNREFUSED',
  }));
  const deployed = o.deployed ?? true;
  return {
    name,
    version: 0,
    issued,
    targets: {},
    deployedSerial: deployed ? serial : undefined,
    lastVerification: deployed ? { serial, at: NOW.toISOString(), verified: results.every((r) => r.ok), results } : undefined,
    conditions: { Ready: { status: o.ready ?? results.every((r) => r.ok) ? 'True' : 'False', reason: 'x', message: '', since: NOW.toISOString() } },
    lastFailure: o.failure ? { step: 'deploy', code: 'RELOAD_FAILED', message: o.failure, at: NOW.toISOString(), attempts: 2 } : undefined,
    updatedAt: NOW.toISOString(),
  };
}

describe('status model and page', () => {
  let dir: string;
  let store: SqliteStore;
  let model: StatusModel;
  let html: string;
  const names = ['healthy', 'soon', 'stale', 'broken', 'overdue', 'fresh'];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certloop-report-'));
    store = new SqliteStore(path.join(dir, 'state.db'));
    await store.put(record('healthy', { ageDays: 10 }));
    await store.put(record('soon', { ageDays: 50 }));
    await store.put(record('stale', { ageDays: 2, serial: '57A1E01', served: ['57A1E01', 'D1D5E21A1'], servedNotAfter: new Date(NOW.getTime() + 15 * DAY).toISOString() }));
    await store.put(record('broken', { ageDays: 1, deployed: false, failure: 'reload failed: <img src=x onerror=alert(1)> exited with 1' }));
    await store.put(record('overdue', { ageDays: 70 }));
    await store.addEvent({ certificate: 'broken', at: NOW.toISOString(), type: 'failed', message: 'reload failed: <b>boom</b>' });
    await store.addEvent({ certificate: 'healthy', at: NOW.toISOString(), type: 'verified', message: 'all 2 address(es) serve HEA01' });
    await store.addEvent({ certificate: 'removed-long-ago', at: NOW.toISOString(), type: 'failed', message: 'not configured any more' });
    model = await buildStatusModel(config(names), store, NOW);
    html = renderStatusPage(model);
  });

  after(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const view = (name: string) => model.certificates.find((c) => c.name === name)!;

  it('sorts by urgency: failures, then stale or overdue, then new, then healthy; soonest expiry first within a level', () => {
    assert.deepEqual(
      model.certificates.map((c) => [c.name, c.attention]),
      [
        ['broken', 'critical'],
        ['stale', 'warning'],
        ['overdue', 'warning'],
        ['fresh', 'info'],
        ['soon', 'ok'],
        ['healthy', 'ok'],
      ],
    );
  });

  const cases: [string, () => void][] = [
    [
      'an address serving another serial is stale, and says it is not a certificate certloop issued',
      () => {
        const s = view('stale');
        assert.equal(s.staleAddresses, 1);
        assert.deepEqual(s.addresses.map((a) => a.status), ['ok', 'stale']);
        assert.equal(s.addresses[1].servedIs, 'a certificate certloop did not issue');
        assert.equal(s.soonestExpiry?.early, true, 'the stale address serves a certificate that expires before the renewal is due');
        assert.match(s.reasons[0], /1 of 2 addresses serves another certificate than the deployed one/);
      },
    ],
    [
      'a renewal time that passed without a renewal is overdue',
      () => {
        const o = view('overdue');
        assert.equal(o.renewal?.overdue, true);
        assert.equal(o.renewal?.source, 'fraction');
        assert.match(o.reasons.join(' '), /Renewal was due at .* and has not happened yet/);
      },
    ],
    [
      'a certificate never issued is New, with its endpoints not checked yet',
      () => {
        const f = view('fresh');
        assert.equal(f.state, 'New');
        assert.deepEqual(f.addresses.map((a) => a.status), ['unchecked', 'unchecked']);
        assert.equal(f.renewal, undefined);
      },
    ],
    [
      'a failed deploy is critical and carries its message',
      () => {
        const b = view('broken');
        assert.equal(b.state, 'Failed');
        assert.match(b.reasons[0], /^The last deploy failed \(RELOAD_FAILED\): reload failed/);
      },
    ],
    [
      'the summary counts states and stale addresses',
      () => assert.deepEqual(model.summary, { total: 6, ready: 3, pending: 1, failed: 1, other: 1, staleAddresses: 1, critical: 1, unconfirmed: 0 }),
    ],
    [
      'events of certificates no longer configured are left out',
      () => assert.deepEqual(model.events.map((e) => e.certificate).sort(), ['broken', 'healthy']),
    ],
    [
      'no private key reaches the model or the page',
      () => {
        assert.ok(!JSON.stringify(model).includes('THIS-MUST-NEVER-BE-SHOWN'));
        assert.ok(!html.includes('PRIVATE KEY'));
      },
    ],
    [
      'messages are escaped, so markup in an error shows as text',
      () => {
        assert.ok(!html.includes('<img'));
        assert.ok(!html.includes('<b>boom'));
        assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
      },
    ],
    [
      'the timeline has one row per certificate, in the same order as the table',
      () => {
        const rows = [...html.matchAll(/<g class="row" data-certificate="([^"]+)"/g)].map((m) => m[1]);
        assert.deepEqual(rows, model.certificates.map((c) => c.name));
      },
    ],
    [
      'the page asks for a refresh only when told to',
      () => {
        assert.ok(!html.includes('http-equiv="refresh"'));
        assert.ok(renderStatusPage(model, { refreshSeconds: 30 }).includes('<meta http-equiv="refresh" content="30">'));
      },
    ],
  ];
  for (const [name, check] of cases) it(name, check);

  it('an empty configuration still renders a page that says so', async () => {
    const empty = renderStatusPage({ ...model, certificates: [], events: [], summary: { ...model.summary, total: 0, ready: 0, pending: 0, failed: 0, other: 0, staleAddresses: 0, critical: 0 } });
    assert.match(empty, /No certificates are configured/);
  });

  it('shows the last drill per certificate; a failed drill is a warning with its step and reason', async () => {
    const drill = (passed: boolean, trigger: 'daemon' | 'manual') => ({
      at: NOW.toISOString(), passed, failedStep: passed ? null : 'deploy', reason: passed ? null : 'cannot write drill copies: <ENOTDIR>',
      failedSteps: passed ? [] : ['deploy'], simulatedAt: NOW.toISOString(), trigger, failingSince: passed ? null : NOW.toISOString(),
    });
    await writeLastDrill(store, 'healthy', drill(false, 'daemon'));
    await writeLastDrill(store, 'fresh', drill(true, 'manual'));
    const m = await buildStatusModel(config(names), store, NOW);
    const healthy = m.certificates.find((c) => c.name === 'healthy')!;
    assert.equal(healthy.attention, 'warning');
    assert.deepEqual(healthy.reasons, ['The last near-expiry drill failed at deploy: cannot write drill copies: <ENOTDIR>']);
    assert.equal(m.certificates.find((c) => c.name === 'soon')!.lastDrill, undefined);
    const page = renderStatusPage(m);
    const section = (name: string) => page.match(new RegExp(`<section class="cert [^"]*" id="cert-${name}"[\\s\\S]*?</section>`))![0];
    assert.match(section('healthy'), /<dt>Last drill<\/dt><dd><strong class="flag">failed at deploy<\/strong>.*scheduled.*cannot write drill copies: &lt;ENOTDIR&gt;/s);
    assert.match(section('fresh'), /<dt>Last drill<\/dt><dd>.*passed.*by hand/s);
    assert.match(section('soon'), /<dt>Last drill<\/dt><dd><span class="none">none yet<\/span>/);
  });
});

describe('a certificate nothing observes on the status page', () => {
  const view = (reason: string, status: 'True' | 'False') => {
    const r = record('blind', { served: [] });
    r.conditions.Ready = { status, reason, message: '', since: NOW.toISOString() };
    const [cert] = parseConfigText(
      `acme: { directory: https://ca.test/dir }
certificates:
  - name: blind
    domains: [blind.test]
    challenge: { type: http-01, listen: 127.0.0.1:5002 }
    targets: [{ type: file, cert: ./b.pem, key: ./b.key }]
`,
      '/etc/certloop/certloop.yaml',
    ).certificates;
    return certificateView(cert, r, [], NOW);
  };
  it('without endpoints it is Deployed, a warning that says nothing confirms it', () => {
    const v = view('NoEndpoints', 'False');
    assert.equal(v.state, 'Deployed');
    assert.equal(v.attention, 'warning');
    assert.match(v.reasons.join(' '), /nothing confirms it is served/);
    assert.match(renderStatusPage({ generatedAt: NOW.toISOString(), summary: { total: 1, ready: 0, pending: 0, failed: 0, other: 0, staleAddresses: 0, critical: 0, unconfirmed: 1 }, certificates: [v], events: [] }), /1<\/strong> deployed, unconfirmed/);
  });
  it('unverified by choice it is Ready and says so', () => {
    const v = view('UnverifiedByChoice', 'True');
    assert.equal(v.state, 'Ready');
    assert.equal(v.unverified, 'by-choice');
    assert.deepEqual(v.reasons, ['Deployed; unverified by choice (verify.unverified: true): nothing confirms it is served.']);
  });
});

describe('the status page calls a certificate critical when it is expiring (the one rule of pki/expiry.ts)', () => {
  const cert = config(['web']).certificates[0];
  const cases: [string, Parameters<typeof record>[1], boolean][] = [
    ['a 90-day certificate with 20 days left is not critical', { ageDays: 70 }, false],
    ["a 90-day certificate with 10 days left is critical: inside the default policy's 14 days", { ageDays: 80 }, true],
    ['a freshly issued 6-day certificate is not critical (the threshold is at most a fifth of its lifetime)', { ageDays: 0.5, lifetimeDays: 6 }, false],
    ['a 6-day certificate with a day left is critical', { ageDays: 5, lifetimeDays: 6 }, true],
  ];
  for (const [name, o, critical] of cases) {
    it(name, () => {
      const v = certificateView(cert, record('web', o), [], NOW);
      assert.equal(v.reasons.some((r) => /expires within \d+ h/.test(r)), critical, v.reasons.join(' | '));
    });
  }
});
