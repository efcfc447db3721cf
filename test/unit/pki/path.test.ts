/**
 * Path validation (src/pki/path.ts through the served-chain checks) side by side with Node's own:
 * each chain is served by a real Node TLS server on loopback and a Node client that trusts the
 * test root says whether it is `authorized` (OpenSSL's verification) and whether
 * tls.checkServerIdentity accepts the name. certloop must reject whatever Node rejects, naming the
 * certificate and the reason; where it is stricter on purpose, the case says why.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { before, describe, it } from 'node:test';
import { checkIssuedCertificate } from '../../../src/pki/certificate.js';
import { extensionsOf } from '../../../src/pki/extensions.js';
import { checkServed } from '../../../src/verify/checks.js';
import { days, makeCertificate, type Issued, type MakeOptions } from '../../support/certs.js';

const DAY = 86_400_000;
const x = (pem: string) => new X509Certificate(pem);

/** What a Node client that trusts `rootPem` thinks of the chain `served` (leaf first) for www.test. */
async function nodeVerdict(leaf: Issued, chain: string[], rootPem: string): Promise<{ authorized: boolean; error?: string }> {
  const server = tls.createServer({ cert: leaf.certPem + chain.join(''), key: leaf.keyPem }, (s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as AddressInfo).port;
    return await new Promise((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port, servername: 'www.test', ca: [rootPem], rejectUnauthorized: false }, () => {
        const identity = tls.checkServerIdentity('www.test', socket.getPeerCertificate());
        const error = socket.authorizationError ? String(socket.authorizationError) : identity?.message;
        resolve({ authorized: socket.authorized && !identity, error });
        socket.destroy();
      });
      socket.once('error', reject);
    });
  } finally {
    server.close();
  }
}

interface Case {
  name: string;
  /** Builds leaf and served chain under the root. */
  make: (root: Issued) => { leaf: Issued; chain: Issued[] };
  /** certloop's failed checks, and a pattern its message must match. */
  fails?: { check: string; message: RegExp };
  /** Node's verdict, when certloop is stricter on purpose. */
  nodeAccepts?: string;
}

/** One key pair for every root, one for every intermediate, one for every leaf: the cases differ in certificates, not keys. */
let keys: Record<'root' | 'ca' | 'leaf', Issued> | undefined;
const keyOf = (kind: 'root' | 'ca' | 'leaf') => {
  keys ??= { root: makeCertificate({ cn: 'root key', ca: true }), ca: makeCertificate({ cn: 'ca key', ca: true }), leaf: makeCertificate({ cn: 'leaf key', ca: true }) };
  return keys[kind];
};
const rootCa = (cn: string, o: Partial<MakeOptions> = {}) => makeCertificate({ cn, ca: true, notAfter: days(3650), keyOf: keyOf('root'), ...o });
const ca = (cn: string, issuer: Issued, o: Partial<MakeOptions> = {}) => makeCertificate({ cn, ca: true, issuer, notAfter: days(400), keyOf: keyOf('ca'), ...o });
const leafOf = (issuer: Issued, o: Partial<MakeOptions> = {}) => makeCertificate({ cn: 'www.test', names: ['www.test'], issuer, keyOf: keyOf('leaf'), ...o });
const under = (o: Partial<MakeOptions> = {}, leaf: Partial<MakeOptions> = {}) => (root: Issued) => {
  const inter = ca('path intermediate', root, o);
  return { leaf: leafOf(inter, leaf), chain: [inter] };
};

const CASES: Case[] = [
  { name: 'a valid leaf and intermediate under the trusted root pass', make: under() },
  {
    name: 'an expired intermediate fails, named with its expiry',
    make: under({ notBefore: days(-400), notAfter: days(-1) }),
    fails: { check: 'chain-valid', message: /^intermediate "path intermediate" expired \d{4}-\d\d-\d\dT/ },
  },
  {
    name: 'an intermediate not yet valid fails',
    make: under({ notBefore: days(2) }),
    fails: { check: 'chain-valid', message: /^intermediate "path intermediate" is not valid before / },
  },
  {
    name: 'an intermediate with basicConstraints CA:FALSE fails as not a CA',
    make: under({ caFlag: false }),
    fails: { check: 'chain-valid', message: /^intermediate "path intermediate" is not a CA \(basicConstraints CA:FALSE\)$/ },
  },
  {
    name: 'an intermediate whose keyUsage lacks keyCertSign fails',
    make: under({ keyUsage: ['digitalSignature', 'cRLSign'] }),
    fails: { check: 'chain-valid', message: /^intermediate "path intermediate" may not sign certificates \(keyUsage digitalSignature, cRLSign lacks keyCertSign\)$/ },
  },
  {
    name: 'an intermediate limited to clientAuth fails for a TLS server',
    make: under({ extKeyUsage: ['clientAuth'] }),
    fails: { check: 'chain-valid', message: /^intermediate "path intermediate" may not issue TLS server certificates/ },
  },
  { name: 'an intermediate limited to serverAuth and clientAuth passes', make: under({ extKeyUsage: ['serverAuth', 'clientAuth'] }) },
  {
    name: 'pathLen 0 with another intermediate CA below it fails',
    make: (root) => {
      const top = ca('path top', root, { pathLen: 0 });
      const low = ca('path low', top);
      return { leaf: leafOf(low), chain: [low, top] };
    },
    fails: { check: 'chain-valid', message: /^intermediate "path top" allows 0 intermediate CA\(s\) below it \(pathLen 0\) and there are 1$/ },
  },
  {
    name: 'pathLen 1 with one intermediate CA below it passes',
    make: (root) => {
      const top = ca('path top', root, { pathLen: 1 });
      const low = ca('path low', top);
      return { leaf: leafOf(low), chain: [low, top] };
    },
  },
  {
    name: 'a leaf limited to clientAuth fails',
    make: under({}, { extKeyUsage: ['clientAuth'] }),
    fails: { check: 'chain-valid', message: /^the leaf "www\.test" is not for TLS servers/ },
  },
  {
    name: 'a leaf whose keyUsage allows only certificate signing fails',
    make: under({}, { keyUsage: ['keyCertSign'] }),
    fails: { check: 'chain-valid', message: /^the leaf "www\.test" may not be used for TLS \(keyUsage keyCertSign has neither/ },
  },
  {
    name: 'a leaf without subjectAltName fails name-matches although Node falls back to its CN',
    make: under({}, { noSan: true }),
    fails: { check: 'name-matches', message: /no subjectAltName, so it covers no name/ },
    nodeAccepts: 'tls.checkServerIdentity still reads the CN when there is no subjectAltName; browsers have not since 2017',
  },
];

describe('path validation agrees with Node (OpenSSL) and names the certificate', () => {
  let root: Issued;
  before(() => {
    root = rootCa('path root');
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const { leaf, chain } = c.make(root);
      const checks = checkServed({
        certs: [leaf.certPem, ...chain.map((i) => i.certPem)].map(x),
        sni: 'www.test',
        address: '127.0.0.1',
        roots: [x(root.certPem)],
        now: new Date(),
        expiringAlertMs: 14 * DAY,
      });
      const failed = checks.filter((k) => !k.ok);
      const node = await nodeVerdict(leaf, chain.map((i) => i.certPem), root.certPem);
      if (!c.fails) {
        assert.deepEqual(failed, [], 'certloop accepts');
        assert.equal(node.authorized, true, `Node accepts too (${node.error})`);
        return;
      }
      assert.deepEqual(failed.map((k) => k.name), [c.fails.check]);
      assert.match(failed[0].message, c.fails.message);
      if (c.nodeAccepts) assert.equal(node.authorized, true, c.nodeAccepts);
      else assert.equal(node.authorized, false, 'Node rejects it too');
    });
  }

  it('an expired root fails as Node says CERT_HAS_EXPIRED', async () => {
    const old = rootCa('old root', { notBefore: days(-800), notAfter: days(-1) });
    const inter = ca('path intermediate', old);
    const leaf = leafOf(inter);
    const c = checkServed({ certs: [x(leaf.certPem), x(inter.certPem)], sni: 'www.test', address: '127.0.0.1', roots: [x(old.certPem)], now: new Date(), expiringAlertMs: DAY });
    assert.match(c.find((k) => k.name === 'chain-valid')!.message, /^root "old root" expired /);
    assert.equal((await nodeVerdict(leaf, [inter.certPem], old.certPem)).error, 'CERT_HAS_EXPIRED');
  });

  it('every problem of the path is named, not only the last one OpenSSL reports', () => {
    const inter = ca('path intermediate', root, { caFlag: false, notBefore: days(-400), notAfter: days(-1) });
    const leaf = leafOf(inter);
    const c = checkServed({ certs: [x(leaf.certPem), x(inter.certPem)], sni: 'www.test', address: '127.0.0.1', roots: [x(root.certPem)], now: new Date(), expiringAlertMs: DAY });
    assert.match(c.find((k) => k.name === 'chain-valid')!.message, /expired .*; intermediate "path intermediate" is not a CA/);
  });

  it('the issuers are judged at the given time: valid today, expired at a later `now`', () => {
    const inter = ca('path intermediate', root, { notAfter: days(10) });
    const leaf = leafOf(inter);
    const at = (now: Date) =>
      checkServed({ certs: [x(leaf.certPem), x(inter.certPem)], sni: 'www.test', address: '127.0.0.1', roots: [x(root.certPem)], now, expiringAlertMs: DAY }).find((k) => k.name === 'chain-valid')!;
    assert.equal(at(new Date()).ok, true);
    assert.equal(at(days(11)).ok, false, 'the same chain, from the cache, at a later time');
  });
});

describe('the pre-deploy check applies the same path rules', () => {
  it('an issued chain with an expired intermediate is never deployed', () => {
    const root = rootCa('issuing root');
    const inter = ca('issuing intermediate', root, { notBefore: days(-400), notAfter: days(-1) });
    const leaf = leafOf(inter, { names: ['www.test'] });
    const results = checkIssuedCertificate(leaf.certPem + inter.certPem, leaf.keyPem, ['www.test'], new Date(), [x(root.certPem)]);
    const failed = results.filter((r) => !r.ok);
    assert.deepEqual(failed.map((r) => r.name), ['chain-valid']);
    assert.match(failed[0].message, /intermediate "issuing intermediate" expired/);
  });

  it('an issued chain whose intermediate is not a CA is never deployed, even when no root is trusted', () => {
    const root = rootCa('issuing root');
    const inter = ca('issuing intermediate', root, { caFlag: false });
    const leaf = leafOf(inter);
    const failed = checkIssuedCertificate(leaf.certPem + inter.certPem, leaf.keyPem, ['www.test'], new Date(), []).filter((r) => !r.ok);
    assert.deepEqual(failed.map((r) => r.name), ['chain-valid']);
    assert.match(failed[0].message, /is not a CA \(basicConstraints CA:FALSE\)/);
  });

  it('a good issued chain passes, also at a simulated time within every validity', () => {
    const root = rootCa('issuing root');
    const inter = ca('issuing intermediate', root);
    const leaf = leafOf(inter);
    for (const now of [new Date(), days(30)]) {
      assert.deepEqual(checkIssuedCertificate(leaf.certPem + inter.certPem, leaf.keyPem, ['www.test'], now, [x(root.certPem)]).filter((r) => !r.ok), []);
    }
  });
});

describe('reading basicConstraints and keyUsage from the DER', () => {
  it('reads CA, pathLen and keyUsage bits as written', () => {
    const root = rootCa('der root', { pathLen: 3, keyUsage: ['keyCertSign', 'cRLSign'] });
    const e = extensionsOf(x(root.certPem));
    assert.deepEqual(e.basicConstraints, { ca: true, pathLen: 3 });
    assert.deepEqual([...e.keyUsage!].sort(), ['cRLSign', 'keyCertSign']);
  });
  it('reads a leaf as not a CA, without pathLen', () => {
    const root = rootCa('der root');
    const e = extensionsOf(x(leafOf(root).certPem));
    assert.deepEqual(e.basicConstraints, { ca: false });
    assert.deepEqual([...e.keyUsage!].sort(), ['digitalSignature', 'keyEncipherment']);
  });
});
