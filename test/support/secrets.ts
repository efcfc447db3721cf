/**
 * Secrets hygiene for the end-to-end suite: every stdout/stderr the suite captured (and any other
 * text a test collected: notification payloads, metrics) must carry no key material. Checked by
 * each lab's stop() for its own state, and kept on disk under test-artifacts/captured-output/ so
 * a person can grep a whole run.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import Database from 'better-sqlite3';

/** Base64 lines of every private key in a state file (certificate keys, pending-order keys, account keys). */
export function keyMaterialIn(stateFile: string): string[] {
  if (!fs.existsSync(stateFile)) return [];
  const db = new Database(stateFile, { readonly: true, fileMustExist: true });
  try {
    const pems: string[] = [];
    for (const { record } of db.prepare('SELECT record FROM certificates').all() as { record: string }[]) {
      const r = JSON.parse(record);
      for (const k of [r.issued?.keyPem, r.previous?.keyPem, r.pendingOrder?.keyPem]) if (k) pems.push(k);
    }
    for (const { record } of db.prepare('SELECT record FROM accounts').all() as { record: string }[]) {
      const a = JSON.parse(record);
      // nextKeyPem: the key of a rollover in flight (issue 19).
      for (const k of [a.keyPem, a.nextKeyPem]) if (k) pems.push(k);
    }
    return pems.flatMap((pem) => pem.split('\n').filter((l) => l.length >= 40 && !l.startsWith('-----')));
  } finally {
    db.close();
  }
}

/** Fails naming what leaked (never printing the secret itself). */
export function assertNoKeyMaterial(texts: string[], keyLines: string[], what = 'captured output'): void {
  texts.forEach((t, i) => {
    assert.ok(!t.includes('PRIVATE KEY'), `${what} #${i} contains a PEM private key header`);
    assert.ok(!/"d"\s*:\s*"/.test(t), `${what} #${i} contains a JWK private exponent ("d":)`);
    const leaked = keyLines.findIndex((l) => t.includes(l) || t.includes(l.slice(0, 40)));
    assert.equal(leaked, -1, `${what} #${i} contains a line of a private key from the state store`);
  });
}
