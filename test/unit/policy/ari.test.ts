import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { adoptWindow, certIdFrom, certIdOf, nextFetchTime, noteFailure, parseRetryAfter } from '../../../src/policy/ari.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const info = (start: string, end: string) => ({ windowStart: start, windowEnd: end });

describe('ARI certID', () => {
  it('matches the example in RFC 9773 (AKI 69:88:5B..., serial 00:87:65:43:21)', () => {
    assert.equal(certIdFrom('69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4', '0087654321'), 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE');
    assert.equal(certIdFrom('69885B6B87464041E1B37B847BA0AE2CDE01C8D4', '87654321'), 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE', 'adds the DER sign byte');
  });

  it('reads the authority key identifier and serial of a real certificate', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certloop-ari-'));
    const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe', cwd: dir });
    run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=ca']);
    run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=leaf']);
    fs.writeFileSync(path.join(dir, 'ext'), 'authorityKeyIdentifier=keyid\n');
    run(['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '0x87654321', '-out', 'leaf.pem', '-days', '1', '-extfile', 'ext']);
    const ski = run(['x509', '-in', 'ca.pem', '-noout', '-ext', 'subjectKeyIdentifier']).toString().split('\n')[1].trim();
    assert.equal(certIdOf(fs.readFileSync(path.join(dir, 'leaf.pem'))), certIdFrom(ski, '87654321'));
  });
});

describe('ARI window', () => {
  it('picks a time inside the window', () => {
    const a = adoptWindow(undefined, 'AA', 'x.y', info('2026-02-01T00:00:00.000Z', '2026-02-03T00:00:00.000Z'), NOW, () => 0.5);
    assert.equal(a.selectedAt, '2026-02-02T00:00:00.000Z');
  });

  it('keeps the picked time across fetches while the window is unchanged', () => {
    const first = adoptWindow(undefined, 'AA', 'x.y', info('2026-02-01T00:00:00.000Z', '2026-02-03T00:00:00.000Z'), NOW, () => 0.1);
    const again = adoptWindow(first, 'AA', 'x.y', info('2026-02-01T00:00:00.000Z', '2026-02-03T00:00:00.000Z'), NOW, () => 0.9);
    assert.equal(again.selectedAt, first.selectedAt);
  });

  it('picks again when the CA moves the window', () => {
    const first = adoptWindow(undefined, 'AA', 'x.y', info('2026-02-01T00:00:00.000Z', '2026-02-03T00:00:00.000Z'), NOW, () => 0.1);
    const moved = adoptWindow(first, 'AA', 'x.y', info('2026-01-01T00:00:00.000Z', '2026-01-01T10:00:00.000Z'), NOW, () => 0.5);
    assert.equal(moved.selectedAt, '2026-01-01T05:00:00.000Z');
  });

  it('keeps the last window of the same certificate when a fetch fails, and drops one of another serial', () => {
    const first = adoptWindow(undefined, 'AA', 'x.y', info('2026-02-01T00:00:00.000Z', '2026-02-03T00:00:00.000Z'), NOW, () => 0.1);
    const failed = noteFailure(first, 'AA', 'x.y', 'HTTP 500', NOW);
    assert.equal(failed.selectedAt, first.selectedAt);
    assert.equal(failed.error, 'HTTP 500');
    assert.equal(noteFailure(first, 'BB', 'x.z', 'HTTP 500', NOW).selectedAt, undefined);
  });
});

describe('Retry-After for ARI', () => {
  const wait = (s: number | undefined) => nextFetchTime(NOW, s).getTime() - NOW.getTime();
  it('is honoured within one minute and one day', () => {
    assert.equal(wait(7200), 7_200_000);
    assert.equal(wait(1), 60_000);
    assert.equal(wait(10 * 86400), 86_400_000);
    assert.equal(wait(undefined), 6 * 3_600_000);
  });
  it('reads delta-seconds and HTTP dates', () => {
    assert.equal(parseRetryAfter('120', NOW.getTime()), 120);
    assert.equal(parseRetryAfter(new Date(NOW.getTime() + 90_000).toUTCString(), NOW.getTime()), 90);
    assert.equal(parseRetryAfter('soon', NOW.getTime()), undefined);
  });
});
