/**
 * bench/verify's bare loop on a worker thread: the same minimal tls.connect probe, over the
 * targets it is sent, at the concurrency it is told; answers with how many it probed.
 */
import tls from 'node:tls';
import { parentPort } from 'node:worker_threads';
import pLimit from 'p-limit';

export function bareProbe(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host, port, servername: 'localhost', rejectUnauthorized: false }, () => {
      const serial = s.getPeerCertificate().serialNumber;
      s.destroy();
      resolve(serial);
    });
    s.once('error', reject);
  });
}

parentPort?.on('message', async (m: { targets: { address: string; port: number }[]; concurrency: number }) => {
  const limit = pLimit(m.concurrency);
  await Promise.all(m.targets.map((t) => limit(() => bareProbe(t.address, t.port))));
  parentPort!.postMessage(m.targets.length);
});
