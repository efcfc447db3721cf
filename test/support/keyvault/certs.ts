/** Test certificates made with openssl: a CA and leaves signed by it (fresh, expired, other names). */
import { execFileSync } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { normalizeSerial } from '../../../src/pki/certificate.js';

export interface TestCertificate {
  fullchainPem: string;
  keyPem: string;
  serial: string;
  notAfter: Date;
}

export interface TestCa {
  /** The CA's own certificate (PEM file), for `verify.trust`. */
  rootFile: string;
  /** `from`/`until` set the validity exactly (openssl ca), e.g. one that started 10 days ago or starts tomorrow. */
  issue(domains: string[], opts?: { days?: number; key?: 'ec' | 'rsa'; from?: Date; until?: Date }): TestCertificate;
}

export function makeTestCa(dir: string): TestCa {
  fs.mkdirSync(dir, { recursive: true });
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const caKey = path.join(dir, 'test-ca.key');
  const ca = path.join(dir, 'test-ca.pem');
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', caKey, '-out', ca, '-days', '3', '-subj', '/CN=certloop test intermediate']);
  return {
    rootFile: ca,
    issue(domains, opts = {}) {
      const id = randomBytes(4).toString('hex');
      const key = path.join(dir, `${id}.key`);
      const csr = path.join(dir, `${id}.csr`);
      const cert = path.join(dir, `${id}.pem`);
      const ext = path.join(dir, `${id}.ext`);
      const keyArgs = opts.key === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
      run(['req', ...keyArgs, '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${domains[0]}`]);
      fs.writeFileSync(ext, `subjectAltName=${domains.map((d) => `DNS:${d}`).join(',')}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
      if (opts.from || opts.until) {
        // `x509 -req` (OpenSSL 3.0) only counts days from now; `ca` takes both dates.
        const db = path.join(dir, `${id}.db`);
        fs.writeFileSync(db, '');
        fs.writeFileSync(`${db}.attr`, 'unique_subject = no\n');
        const cnf = path.join(dir, `${id}.cnf`);
        fs.writeFileSync(`${db}.serial`, `${randomBytes(8).toString('hex')}\n`);
        fs.writeFileSync(cnf, `[ca]\ndefault_ca = d\n[d]\ndatabase = ${db}\nserial = ${db}.serial\nnew_certs_dir = ${dir}\ndefault_md = sha256\npolicy = p\n[p]\ncommonName = supplied\n`);
        const from = opts.from ?? new Date();
        const until = opts.until ?? new Date(from.getTime() + (opts.days ?? 2) * 86_400_000);
        const stamp = (d: Date) => `${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
        run(['ca', '-batch', '-notext', '-config', cnf, '-cert', ca, '-keyfile', caKey, '-in', csr, '-out', cert, '-startdate', stamp(from), '-enddate', stamp(until), '-extfile', ext]);
      } else {
        run(['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-out', cert, '-days', String(opts.days ?? 2), '-extfile', ext]);
      }
      const leaf = fs.readFileSync(cert, 'utf8');
      const x = new X509Certificate(leaf);
      const keyPem = execFileSync('openssl', ['pkey', '-in', key], { stdio: 'pipe' }).toString();
      return { fullchainPem: leaf + fs.readFileSync(ca, 'utf8'), keyPem, serial: normalizeSerial(x.serialNumber), notAfter: new Date(x.validTo) };
    },
  };
}
