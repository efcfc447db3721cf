/** Listener certificates for local HTTPS servers that need one on disk, made with openssl. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** A throwaway CA and a localhost/127.0.0.1 certificate for a local HTTPS listener (Pebble, the Key Vault and Azure DNS imitations). */
export function makeListenerCertificate(dir: string): { ca: string; cert: string; key: string } {
  fs.mkdirSync(dir, { recursive: true });
  const ca = path.join(dir, 'listener-ca.pem');
  const caKey = path.join(dir, 'listener-ca.key');
  const cert = path.join(dir, 'listener.pem');
  const key = path.join(dir, 'listener.key');
  const csr = path.join(dir, 'listener.csr');
  const ext = path.join(dir, 'listener.ext');
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', caKey, '-out', ca, '-days', '2', '-subj', '/CN=certloop test listener CA']);
  run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr, '-subj', '/CN=localhost']);
  fs.writeFileSync(ext, 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  run(['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', ext]);
  return { ca, cert, key };
}
