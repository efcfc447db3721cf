/**
 * "Verified" only for what was observed (issue 15), through `certloop run`, `verify` and `status`
 * against Pebble and a real nginx: a certificate without endpoints ends Deployed, never Ready, and
 * nothing exits 0 as if it had been seen; `unverified: true` says the same by choice. And the
 * configured path judges the whole served chain: nginx serving the deployed leaf with a
 * cross-signed copy of Pebble's intermediate that is expired, not a CA, or below a pathLen-0 CA.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { crossSign, days, makeCertificate, type Issued } from '../support/certs.js';
import { startLab, type Lab } from '../support/lab.js';
import { waitFor } from '../support/net.js';

type Alert = { reason: string; message: string };

describe('nothing observed is never Ready, and the configured path judges the whole chain (Pebble, nginx)', () => {
  let lab: Lab;
  /** A second root the endpoint check trusts, which cross-signs Pebble's intermediate below. */
  let crossRoot: Issued;
  /** What certloop deployed for web (after the first run): Pebble's leaf and intermediate. */
  let deployed: { leaf: string; intermediate: string } | undefined;

  before(async () => {
    lab = await startLab('verify-unconfirmed');
    crossRoot = makeCertificate({ cn: 'cross root', ca: true, notAfter: days(3650) });
    fs.writeFileSync(path.join(lab.dir, 'trust.pem'), fs.readFileSync(lab.pebble.rootFile, 'utf8') + crossRoot.certPem);
    const http = `challenge: { type: http-01, listen: 127.0.0.1:${lab.pebble.httpPort} }`;
    const files = (n: string) => `targets: [{ type: file, cert: ./live/${n}/fullchain.pem, key: ./live/${n}/privkey.pem }]`;
    fs.writeFileSync(
      lab.configFile,
      `acme: { directory: ${lab.pebble.directory}, staging: ${lab.pebble.directory}, caBundle: ${lab.pebble.caBundleFile} }
state: ./certloop.db
certificates:
  - name: web
    domains: [a.test]
    ${http}
    targets: [{ type: file, cert: ./live/web/fullchain.pem, key: ./live/web/privkey.pem, reload: ${JSON.stringify(lab.nginx.reloadCommand)} }]
    verify:
      endpoints: [{ host: 127.0.0.1, port: ${lab.port}, sni: a.test }]
      trust: ./trust.pem
      pollFor: 5s
  - name: blind
    domains: [blind.test]
    ${http}
    ${files('blind')}
    verify: { endpoints: [], pollFor: 0s }
  - name: chosen
    domains: [chosen.test]
    ${http}
    ${files('chosen')}
    verify: { endpoints: [], unverified: true }
`,
    );
  });
  after(async () => {
    await lab?.stop();
  });

  it('first run: web is served; blind ends Deployed with an alert (exit 1); chosen is Ready, unverified by choice', async () => {
    const r = await lab.run('run', '--json');
    assert.equal(r.code, 1, 'a certificate deployed where nothing confirms it is not success');
    const by = (n: string) => r.json.certificates.find((c: { name: string }) => c.name === n);
    assert.equal(by('web').verdict, 'ready', JSON.stringify(by('web')));
    assert.equal(by('web').unverified, null);
    const blind = by('blind');
    assert.equal(blind.deployed, true);
    assert.equal(blind.verdict, 'deployed');
    assert.equal(blind.verified, false);
    assert.equal(blind.unverified, 'no-endpoints');
    assert.deepEqual(blind.alerts.map((a: Alert) => a.reason), ['NoEndpoints']);
    assert.match(blind.alerts[0].message, /nothing confirms that [0-9A-F]+ is served \(list verify\.endpoints, or set verify\.unverified: true\)/);
    const chosen = by('chosen');
    assert.equal(chosen.verdict, 'ready');
    assert.equal(chosen.unverified, 'by-choice');
    assert.deepEqual(chosen.alerts, []);
    assert.equal(r.json.summary.alerting, 1);
    const text = await lab.run('run');
    assert.match(text.stdout, /^UNSEEN  blind: no endpoints configured: nothing confirms that [0-9A-F]+ is served/m);
    assert.match(text.stdout, /^ok      chosen: unverified by choice \(verify\.unverified: true\)/m);
  });

  it('status: blind is Deployed (exit 1), chosen is Ready and says unverified by choice', async () => {
    const blind = await lab.run('status', 'blind', '--json');
    assert.equal(blind.code, 1);
    const b = blind.json.certificates[0];
    assert.equal(b.state, 'Deployed');
    assert.equal(b.verification.unverified, 'no-endpoints');
    assert.equal(b.verification.pendingSince, null, 'nothing is pending: nothing will ever be observed');
    assert.deepEqual(pick(b.conditions, 'Ready'), ['False', 'NoEndpoints']);
    const chosen = await lab.run('status', 'chosen');
    assert.equal(chosen.code, 0, chosen.stdout);
    assert.match(chosen.stdout, /^chosen {2}Ready \(unverified by choice\) {2}\(chosen\.test\)$/m);
    assert.match(chosen.stdout, /Ready +True +UnverifiedByChoice/);
  });

  it('run --recheck due: no earlier check stands in for an observation that never happened', async () => {
    const r = await lab.run('run', '--recheck', 'due', '--json');
    assert.equal(r.code, 1);
    const by = (n: string) => r.json.certificates.find((c: { name: string }) => c.name === n);
    assert.deepEqual([by('blind').verdict, by('blind').unverified, by('blind').fresh], ['deployed', 'no-endpoints', false]);
    assert.deepEqual([by('chosen').verdict, by('chosen').unverified, by('chosen').fresh], ['ready', 'by-choice', false]);
  });

  it('verify: blind does not exit 0 as if observed; chosen does, by choice', async () => {
    const blind = await lab.run('verify', 'blind', '--json');
    assert.equal(blind.code, 1);
    assert.equal(blind.json.certificates[0].verified, false);
    assert.equal(blind.json.certificates[0].unverified, 'no-endpoints');
    assert.match(blind.json.certificates[0].summary, /^no endpoints configured/);
    const chosen = await lab.run('verify', 'chosen', '--json');
    assert.equal(chosen.code, 0, chosen.stdout);
    assert.equal(chosen.json.certificates[0].unverified, 'by-choice');
  });

  it('drill: the endpoints step of blind fails (its renewal would be unconfirmed as well), the rest passes', async () => {
    const r = await lab.run('drill', 'blind', '--json');
    assert.equal(r.code, 1, r.stdout);
    const steps: { step: string; status: string; message: string }[] = r.json.certificates[0].steps;
    assert.deepEqual(steps.filter((s) => s.status !== 'pass').map((s) => `${s.step}:${s.status}`), ['endpoints:fail']);
    assert.match(steps.find((s) => s.step === 'endpoints')!.message, /no endpoints configured: nothing would confirm/);
  });

  // The served leaf stays the deployed one; only the intermediate after it changes.
  // `verify` for each; `renew` (the run path, same judgement) for the first.
  const cases: [string, () => Issued[], RegExp][] = [
    [
      'an expired cross-signed intermediate',
      () => [asIssued(crossSign(deployed!.intermediate, { issuer: crossRoot, notBefore: days(-400), notAfter: days(-2) }))],
      /^intermediate "Pebble Intermediate CA [^"]+" expired \d{4}-/,
    ],
    ['a cross-signed intermediate with CA:FALSE', () => [asIssued(crossSign(deployed!.intermediate, { issuer: crossRoot, caFlag: false }))], /is not a CA \(basicConstraints CA:FALSE\)$/],
    [
      'a cross-signed intermediate below a pathLen 0 CA',
      () => {
        const top = makeCertificate({ cn: 'cross top', ca: true, issuer: crossRoot, pathLen: 0 });
        return [asIssued(crossSign(deployed!.intermediate, { issuer: top })), top];
      },
      /^intermediate "cross top" allows 0 intermediate CA\(s\) below it \(pathLen 0\) and there are 1$/,
    ],
  ];
  for (const [name, chain, message] of cases) {
    it(`nginx serving the deployed leaf with ${name}: verify (and renew) flag ChainInvalid (exit 1) though the serial is served`, async () => {
      deployed ??= splitChain(fs.readFileSync(lab.certFile, 'utf8'));
      const served = chain();
      await serve(deployed.leaf + served.map((c) => c.certPem).join(''), served[0]);
      for (const command of [['verify', 'web', '--json'], ...(name === cases[0][0] ? [['renew', 'web', '--json']] : [])]) {
        const r = await lab.run(...command);
        assert.equal(r.code, 1, `${command[0]}: ${r.stdout}`);
        const web = r.json.certificates[0];
        assert.equal(web.verified, true, 'the deployed serial is what is served');
        const alerts: Alert[] = web.alerts;
        assert.deepEqual(alerts.map((a) => a.reason), ['ChainInvalid'], JSON.stringify(alerts));
        assert.match(alerts[0].message.replace(/^\S+ \([^)]*\)\): /, ''), message);
      }
    });
  }

  /** nginx serves `fullchain` once reloaded; waits until a new connection gets `second` after the leaf. */
  async function serve(fullchain: string, second: Issued): Promise<void> {
    fs.writeFileSync(lab.certFile, fullchain);
    const [bin, ...args] = lab.nginx.reloadCommand;
    assert.equal(spawnSync(bin, args).status, 0, 'nginx reloads');
    await waitFor(async () => (await servedSecond(lab.port)) === new X509Certificate(second.certPem).fingerprint256, 5000, 'nginx to serve the new chain');
  }
});

function splitChain(pem: string): { leaf: string; intermediate: string } {
  const [leaf, intermediate] = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g)!;
  return { leaf, intermediate };
}

function asIssued(c: { certPem: string; serial: string }): Issued {
  return c as Issued;
}

function pick(conditions: { type: string; status: string; reason: string }[], type: string): [string, string] {
  const c = conditions.find((x) => x.type === type)!;
  return [c.status, c.reason];
}

/** Fingerprint of the certificate the server sends right after the leaf. */
function servedSecond(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'a.test', rejectUnauthorized: false }, () => {
      resolve(s.getPeerX509Certificate()?.issuerCertificate?.fingerprint256);
      s.destroy();
    });
    s.once('error', () => resolve(undefined));
  });
}
