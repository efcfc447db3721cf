import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { probe } from '../../../src/verify/probe.js';
import { STARTTLS_PROTOCOLS } from '../../../src/verify/starttls.js';
import { makePki, type Issued } from '../../support/certs.js';
import { startStartTlsServer, type TestServer } from '../../support/tls-servers.js';

describe('STARTTLS upgrades against responders that speak each real dialogue', () => {
  let leaf: Issued;
  let served: { certPem: string; keyPem: string };
  const servers: TestServer[] = [];
  before(() => {
    const pki = makePki('starttls');
    leaf = pki.leaf(['mail.test']);
    served = { certPem: leaf.certPem + pki.intermediate.certPem, keyPem: leaf.keyPem };
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  for (const protocol of STARTTLS_PROTOCOLS) {
    it(`${protocol}: upgrades and reads the served certificate`, async () => {
      const server = await startStartTlsServer(protocol, served);
      servers.push(server);
      const r = await probe({ host: 'mail.test', port: server.port, sni: 'mail.test', address: '127.0.0.1', timeoutMs: 3000, starttls: protocol });
      assert.equal(r.error, undefined);
      assert.equal(r.ok, true);
      assert.equal(r.leaf?.serial, leaf.serial);
      assert.equal(r.chainPem?.length, 1, 'the intermediate came through the upgraded connection');
    });

    it(`${protocol}: a server that refuses the upgrade is a result that says so`, async () => {
      const server = await startStartTlsServer(protocol, served, { offer: false });
      servers.push(server);
      const r = await probe({ host: 'mail.test', port: server.port, sni: 'mail.test', address: '127.0.0.1', timeoutMs: 3000, starttls: protocol });
      assert.equal(r.ok, false);
      assert.match(r.error ?? '', new RegExp(`^${protocol.toUpperCase()} STARTTLS: `));
      assert.equal(r.leaf, undefined);
    });
  }

  const rawCases: { name: string; protocol: 'smtp' | 'imap' | 'pop3'; script: (s: net.Socket, line: string) => void; greeting: string; expect: RegExp }[] = [
    {
      name: 'SMTP: plaintext sent right after "220 Ready" is refused as injection',
      protocol: 'smtp',
      greeting: '220 mx ESMTP\r\n',
      script: (s, line) => {
        if (line.startsWith('EHLO')) s.write('250-mx\r\n250 STARTTLS\r\n');
        if (line === 'STARTTLS') s.write('220 Ready\r\n250 injected\r\n');
      },
      expect: /sent data after agreeing to start TLS/,
    },
    {
      name: 'SMTP: a 554 greeting (service refused) is reported with the reply',
      protocol: 'smtp',
      greeting: '554 no service for you\r\n',
      script: () => {},
      expect: /greeting answered "554 no service for you" \(expected 220\)/,
    },
    {
      name: 'IMAP: untagged lines before the tagged OK are skipped',
      protocol: 'imap',
      greeting: '* OK ready\r\n',
      script: (s, line) => {
        if (line === 'a001 STARTTLS') s.write('* CAPABILITY IMAP4rev1\r\na001 NO [ALERT] not today\r\n');
      },
      expect: /refused: "a001 NO \[ALERT\] not today"/,
    },
    {
      name: 'POP3: a server that hangs up mid-dialogue is reported, not thrown',
      protocol: 'pop3',
      greeting: '+OK hi\r\n',
      script: (s) => s.end(),
      expect: /closed the connection while waiting for a line/,
    },
  ];
  for (const c of rawCases) {
    it(c.name, async () => {
      const server = net.createServer((s) => {
        s.on('error', () => {});
        s.write(c.greeting);
        let buf = '';
        s.on('data', (d) => {
          buf += d.toString();
          let i;
          while ((i = buf.indexOf('\r\n')) >= 0) {
            const line = buf.slice(0, i);
            buf = buf.slice(i + 2);
            c.script(s, line);
          }
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const port = (server.address() as net.AddressInfo).port;
        const r = await probe({ host: 'mail.test', port, sni: 'mail.test', address: '127.0.0.1', timeoutMs: 3000, starttls: c.protocol });
        assert.equal(r.ok, false);
        assert.match(r.error ?? '', c.expect);
      } finally {
        await new Promise((r) => server.close(r));
      }
    });
  }

  it('a server that never sends its greeting times out in the STARTTLS stage', async () => {
    const server = net.createServer(() => {});
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const r = await probe({ host: 'mail.test', port, address: '127.0.0.1', timeoutMs: 300, starttls: 'smtp' });
      assert.equal(r.ok, false);
      assert.equal(r.stage, 'starttls');
      assert.match(r.error ?? '', /SMTP STARTTLS dialogue did not finish within 300 ms/);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
