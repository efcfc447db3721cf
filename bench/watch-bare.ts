/**
 * bench/watch's baseline, run as its own process so its peak memory is measured the same way as
 * certloop's: the bare probe loop any Node checker needs at least (tls.connect with SNI, read the
 * leaf's serial and expiry, close), at certloop's probe concurrency, over the endpoints in the
 * JSON file given. Prints how many answered.
 */
import fs from 'node:fs';
import tls from 'node:tls';
import pLimit from 'p-limit';
import { DEFAULT_PROBE_CONCURRENCY } from '../src/verify/verify.js';

const endpoints = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) as { sni: string; port: number }[];
const limit = pLimit(DEFAULT_PROBE_CONCURRENCY);

function probe(sni: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: sni, rejectUnauthorized: false, ALPNProtocols: ['h2', 'http/1.1'] });
    const timer = setTimeout(() => (s.destroy(), resolve(false)), 10_000);
    s.once('secureConnect', () => {
      const c = s.getPeerX509Certificate();
      clearTimeout(timer);
      s.destroy();
      resolve(Boolean(c?.serialNumber && c.validTo));
    });
    s.once('error', () => (clearTimeout(timer), resolve(false)));
  });
}

const ok = (await Promise.all(endpoints.map((e) => limit(() => probe(e.sni, e.port))))).filter(Boolean).length;
process.stdout.write(`${ok}\n`);
if (ok !== endpoints.length) process.exit(1);
