/**
 * Fallback CAs end to end with two real Pebbles: the primary behind a switchable TCP relay (so it
 * can be made unreachable and come back with its accounts intact), the fallback requiring
 * external account binding. The primary keeps failing → the fallback issues, status and logs say
 * so → the following renewal is back at the primary. Then the primary is stopped for good.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { cli, startLab, type Lab } from '../support/lab.js';
import { startPebble, type Pebble } from '../support/pebble.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

// Pebble's documented example EAB key (base64url HMAC key).
const EAB_KID = 'kid-1';
const EAB_HMAC = 'zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W';

async function servedSerial(lab: Lab): Promise<string> {
  const r = await cli(['verify', '--endpoint', `127.0.0.1:${lab.port}`, '--sni', 'a.test', '--json']);
  return r.json.endpoints[0].serial;
}

describe('fallback CAs against two Pebbles', () => {
  let lab: Lab;
  let fallback: Pebble;
  let proxy: TcpProxy;
  let primaryDirectory: string;
  const env = { TEST_EAB_KID: EAB_KID, TEST_EAB_HMAC: EAB_HMAC };
  const run = (...args: string[]) => cli(['-c', lab.configFile, ...args], { env });

  before(async () => {
    lab = await startLab('fallback-ca');
    fallback = await startPebble({
      dir: path.join(lab.dir, 'pebble-fallback'),
      httpPort: lab.pebble.httpPort,
      config: { externalAccountBindingRequired: true, externalAccountMACKeys: { [EAB_KID]: EAB_HMAC } },
    });
    proxy = await startTcpProxy(Number(new URL(lab.pebble.directory).port));
    primaryDirectory = `https://127.0.0.1:${proxy.port}/dir`;
    // Both Pebbles' roots, so verify.trust accepts what either issues.
    const trust = path.join(lab.dir, 'roots.pem');
    fs.writeFileSync(trust, fs.readFileSync(lab.pebble.rootFile, 'utf8') + fs.readFileSync(fallback.rootFile, 'utf8'));
    fs.writeFileSync(
      lab.configFile,
      `acme:
  directory: ${primaryDirectory}
  email: ops@example.com
  caBundle: ${lab.pebble.caBundleFile}
  fallback:
    - directory: ${fallback.directory}
      caBundle: ${fallback.caBundleFile}
      eab: { kid: "\${env:TEST_EAB_KID}", hmacKey: "\${env:TEST_EAB_HMAC}" }
state: ./certloop.db
certificates:
  - name: web
    domains: [a.test, b.test]
    challenge: { type: http-01, listen: 127.0.0.1:${lab.pebble.httpPort} }
    targets:
      - type: file
        cert: ./live/web/fullchain.pem
        key: ./live/web/privkey.pem
        reload: ${JSON.stringify(lab.nginx.reloadCommand)}
    verify:
      endpoints:
        - { host: 127.0.0.1, port: ${lab.port}, sni: a.test }
      trust: ${trust}
      pollFor: 5s
      settle: 300ms
`,
    );
  });
  after(async () => {
    await proxy?.stop();
    await fallback?.stop();
    await lab?.stop();
  });

  it('orders from the primary while it works', async () => {
    const r = await run('run', '--json');
    assert.equal(r.code, 0, r.stderr);
    const st = (await run('status', '--json')).json.certificates[0];
    assert.deepEqual(st.ca, { directory: primaryDirectory, label: 'primary', fallback: 0 });
  });

  it('one failure of the primary is retried at the primary; when it keeps failing the fallback issues', async () => {
    proxy.setDown(true);
    const first = await run('renew', 'web', '--force', '--json');
    assert.equal(first.code, 1);
    assert.equal(first.json.certificates[0].error.code, 'ACME_UNREACHABLE');
    const failing = (await run('status', '--json')).json.certificates[0];
    assert.equal(failing.caFailures[primaryDirectory].count, 1);
    assert.equal(failing.caFailures[primaryDirectory].problem, 'unreachable');

    const second = await run('renew', 'web', '--force', '--json');
    assert.equal(second.code, 0, second.stderr);
    const web = second.json.certificates[0];
    assert.equal(web.verified, true);
    assert.equal(await servedSerial(lab), web.issuedSerial);
    assert.match(second.stderr, /ordering from fallback 1 https:\/\/127\.0\.0\.1:\d+\/dir: primary .* failed 2 time\(s\) in a row \(unreachable/);

    const st = (await run('status', '--json')).json.certificates[0];
    assert.deepEqual(st.ca, { directory: fallback.directory, label: 'fallback 1', fallback: 1 });
    assert.deepEqual(st.caFailures, {}, 'a successful order clears the failure count');
    const text = await run('status');
    assert.match(text.stdout, /ca\s+https:\/\/\S+ \(fallback 1\)/);
    const db = new Database(path.join(lab.dir, 'certloop.db'), { readonly: true });
    const ev = db.prepare("SELECT type FROM events WHERE certificate = 'web' AND type = 'ca_fallback'").all();
    db.close();
    assert.equal(ev.length, 1);
    assert.ok(!(second.stdout + second.stderr).includes(EAB_HMAC), 'the EAB key never appears in output');
  });

  it('the following renewal goes back to the primary', async () => {
    proxy.setDown(false);
    const r = await run('renew', 'web', '--force', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await run('status', '--json')).json.certificates[0].ca.label, 'primary');
  });

  it('--ca fallback orders from the fallback on demand, and an unknown --ca is a usage error', async () => {
    const r = await run('renew', 'web', '--force', '--ca', 'fallback', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await run('status', '--json')).json.certificates[0].ca.label, 'fallback 1');
    const bad = await run('renew', 'web', '--force', '--ca', 'fallback-7');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--ca fallback-7: no such CA .*choose one of primary, fallback-1/);
  });

  it('with the primary Pebble stopped, --ca primary fails without failover, and a renewal falls back', async () => {
    await lab.pebble.stop();
    const forced = await run('renew', 'web', '--force', '--ca', 'primary', '--json');
    assert.equal(forced.code, 1);
    assert.equal(forced.json.certificates[0].error.code, 'ACME_UNREACHABLE');
    const again = await run('renew', 'web', '--force', '--json');
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await servedSerial(lab), again.json.certificates[0].issuedSerial);
    assert.equal((await run('status', '--json')).json.certificates[0].ca.label, 'fallback 1');
  });
});
