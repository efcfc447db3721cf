/**
 * ACME profiles (draft-ietf-acme-profiles) end to end: the built CLI against real Pebble 2.4,
 * which has no profiles, behind the responder in test/support/ari-proxy.ts that lists
 * meta.profiles, records each newOrder's `profile` and refuses one it does not list. Pebble
 * issues at the shortlived lifetime (160 h) here: it has one validity for every order, and the
 * signed newOrder cannot be changed on the way (see ari-proxy.ts).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startAriProxy, type AriProxy } from '../support/ari-proxy.js';
import { startLab, type Lab } from '../support/lab.js';

const HOUR = 3_600_000;
const PROFILES = { classic: 'The same profile you are accustomed to', shortlived: 'Valid for 160 hours', tlsserver: 'Server authentication only' };

describe('ACME profiles against Pebble behind a responder that offers them', () => {
  let lab: Lab;
  let proxy: AriProxy;
  /** The lab's config on the responder, with `certificateLines` added to certificate "web". */
  const configure = (certificateLines: string, acmeLines = '') => {
    lab.writeConfig();
    const text = fs.readFileSync(lab.configFile, 'utf8').replace(lab.pebble.directory, proxy.directory);
    fs.writeFileSync(lab.configFile, text.replace('    key: { type: ecdsa-p256 }\n', `    key: { type: ecdsa-p256 }\n${certificateLines}`).replace('state: ', `${acmeLines}state: `));
  };

  before(async () => {
    lab = await startLab('profiles', { validitySeconds: 160 * 3600 });
    proxy = await startAriProxy(lab.pebble, { profiles: PROFILES });
  });
  after(async () => {
    await proxy?.stop();
    await lab?.stop();
  });

  it('an unknown profile is refused by config check and by run with the profiles the CA offers, and nothing is ordered', async () => {
    configure('    profile: sixday\n');
    const check = await lab.run('config', 'check');
    assert.equal(check.code, 2, check.stdout);
    assert.match(check.stderr, /certloop\.yaml:\d+:\d+: certificates\[0\]\.profile: the CA at \S+ does not offer profile "sixday" \(certificates\[web\]\.profile\); it offers classic, shortlived, tlsserver: set certificates\[web\]\.profile to one of classic, shortlived, tlsserver/);

    const r = await lab.run('run', '--json');
    assert.equal(r.code, 1, r.stderr);
    const web = r.json.certificates[0];
    assert.equal(web.error.code, 'ACME_ORDER');
    assert.match(web.error.message, /does not offer profile "sixday" .*it offers classic, shortlived, tlsserver/);
    assert.equal(proxy.orders.length, 0, 'no order was placed');
  });

  it('the short-lived policy orders the shortlived profile, recorded with the certificate, renewing at half the lifetime', async () => {
    configure('    policy: short-lived\n', '  profile: classic\n');
    const check = await lab.run('config', 'check', '--json');
    assert.equal(check.code, 0, check.stderr);
    assert.deepEqual(check.json.profiles, { checked: true, offered: PROFILES, notes: [] });

    // The refused profile placed no order, so the corrected config is tried at once.
    const r = await lab.run('run', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.certificates[0].verified, true);
    assert.equal(proxy.orders.at(-1)!.profile, 'shortlived', 'the policy\'s profile wins over acme.profile');

    const status = await lab.run('status', '--json');
    const web = status.json.certificates[0];
    assert.equal(web.profile, 'shortlived');
    const lifetime = Date.parse(web.notAfter) - Date.parse(web.notBefore);
    assert.ok(Math.abs(lifetime - 160 * HOUR) < 2000, `a 160 h certificate (${lifetime} ms)`);
    assert.equal(Date.parse(web.renewAt), Date.parse(web.notAfter) - Math.round(lifetime / 2), 'renewal at half the lifetime');
    assert.match((await lab.run('status')).stdout, /^ {2}profile {3}shortlived$/m);
  });

  it('a certificate\'s own profile wins, and acme.profile applies when neither it nor its policy names one', async () => {
    configure('    profile: tlsserver\n', '  profile: classic\n');
    const own = await lab.run('renew', 'web', '--force', '--json');
    assert.equal(own.code, 0, own.stderr);
    assert.equal(proxy.orders.at(-1)!.profile, 'tlsserver');

    configure('', '  profile: classic\n');
    const fromAcme = await lab.run('renew', 'web', '--force', '--json');
    assert.equal(fromAcme.code, 0, fromAcme.stderr);
    assert.equal(proxy.orders.at(-1)!.profile, 'classic');
    assert.equal((await lab.run('status', '--json')).json.certificates[0].profile, 'classic');
  });
});
