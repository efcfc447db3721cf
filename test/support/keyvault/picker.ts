/**
 * A TLS endpoint that serves whatever the vault's latest version is, picked up after a delay, the
 * way Application Gateway or App Service poll Key Vault: the deploy succeeds long before the new
 * serial is served, which is what verification must cope with.
 */
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { normalizeSerial } from '../../../src/pki/certificate.js';
import type { FakeKeyVault } from './server.js';

export interface Picker {
  port: number;
  /** Serial being served now. */
  served(): string;
  /** From now on, never pick a new version up (a gateway that lost access to the vault). */
  freeze(): void;
  /** Pick versions up again (the newest one after the delay). */
  thaw(): void;
  stop(): Promise<void>;
}

export async function startPicker(kv: FakeKeyVault, certificateName: string, placeholder: { fullchainPem: string; keyPem: string; serial: string }, opts: { delayMs: number; pollMs?: number }): Promise<Picker> {
  let served = placeholder.serial;
  let seenVersion: string | undefined;
  let frozen = false;
  const server = tls.createServer({ cert: placeholder.fullchainPem, key: placeholder.keyPem });
  server.on('tlsClientError', () => undefined);
  const timers = new Set<NodeJS.Timeout>();
  const poll = setInterval(() => {
    const latest = kv.latest(certificateName);
    if (frozen || !latest || latest.version === seenVersion || !latest.enabled) return;
    seenVersion = latest.version;
    const t = setTimeout(() => {
      timers.delete(t);
      server.setSecureContext({ cert: latest.certs.map((c) => c.toString()).join(''), key: latest.keyPem });
      served = normalizeSerial(latest.certs[0].serialNumber);
    }, opts.delayMs);
    timers.add(t);
  }, opts.pollMs ?? 100);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    served: () => served,
    freeze() {
      frozen = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
    thaw() {
      frozen = false;
    },
    async stop() {
      clearInterval(poll);
      for (const t of timers) clearTimeout(t);
      await new Promise((r) => server.close(r));
    },
  };
}
