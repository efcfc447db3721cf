/**
 * The conformance suite every dns-01 solver passes (cf. cert-manager's test/acme/suite.go):
 * present → visible at the zone's authoritative server → cleanup → gone, with two values on one
 * name (a wildcard and its apex), someone else's value on the name left alone, and idempotent
 * calls. A new DNS provider is done when it passes this against a real (or API-faithful) server.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { challengeRecordName, challengeRecordValue } from '../../src/dns/challenge.js';
import { query, txtValues, type DnsServer } from '../../src/dns/client.js';
import type { ChallengeTask, Solver } from '../../src/plugins.js';

export interface ConformanceSubject {
  solver: Solver;
  /** The server the CA would ask: BIND, or the Azure stand-in's DNS. */
  authoritative: DnsServer;
  /** A name inside the solver's zone, unique to this subject. */
  domain: string;
  /** Puts a TXT value on a name as another writer would. */
  seed(name: string, value: string): Promise<void>;
}

export function task(identifier: string, wildcard = false): ChallengeTask {
  const token = randomBytes(16).toString('base64url');
  return { identifier, wildcard, token, keyAuthorization: `${token}.${randomBytes(32).toString('base64url')}` };
}

export async function txtAt(server: DnsServer, name: string): Promise<string[]> {
  const reply = await query(server, name, 'TXT', { recursion: false, timeoutMs: 3000 });
  return txtValues(reply, name).sort();
}

const valueOf = (t: ChallengeTask) => challengeRecordValue(t.keyAuthorization);

export function dns01Conformance(label: string, subject: () => ConformanceSubject): void {
  describe(`dns-01 conformance: ${label}`, () => {
    it('present makes the value visible at the authoritative server, and cleanup removes it', async () => {
      const s = subject();
      const t = task(`one.${s.domain}`);
      const name = challengeRecordName(t.identifier);
      assert.deepEqual(await txtAt(s.authoritative, name), [], 'nothing there before');
      await s.solver.present(t);
      assert.deepEqual(await txtAt(s.authoritative, name), [valueOf(t)]);
      await s.solver.cleanup(t);
      assert.deepEqual(await txtAt(s.authoritative, name), []);
    });

    it('a wildcard and its apex keep two values on one name at once, and each cleanup removes only its own', async () => {
      const s = subject();
      const apex = task(`both.${s.domain}`);
      const wildcard = task(`both.${s.domain}`, true);
      const name = challengeRecordName(apex.identifier);
      // Presented concurrently, as the order code does.
      await Promise.all([s.solver.present(apex), s.solver.present(wildcard)]);
      assert.deepEqual(await txtAt(s.authoritative, name), [valueOf(apex), valueOf(wildcard)].sort());
      await s.solver.cleanup(apex);
      assert.deepEqual(await txtAt(s.authoritative, name), [valueOf(wildcard)]);
      await s.solver.cleanup(wildcard);
      assert.deepEqual(await txtAt(s.authoritative, name), []);
    });

    it("a value someone else put on the name survives present and cleanup", async () => {
      const s = subject();
      const t = task(`shared.${s.domain}`);
      const name = challengeRecordName(t.identifier);
      await s.seed(name, 'someone-elses-validation-token');
      await s.solver.present(t);
      assert.deepEqual(await txtAt(s.authoritative, name), ['someone-elses-validation-token', valueOf(t)].sort());
      await s.solver.cleanup(t);
      assert.deepEqual(await txtAt(s.authoritative, name), ['someone-elses-validation-token']);
    });

    it('present twice and cleanup twice are harmless (a resumed order repeats them)', async () => {
      const s = subject();
      const t = task(`again.${s.domain}`);
      const name = challengeRecordName(t.identifier);
      await s.solver.present(t);
      await s.solver.present(t);
      assert.deepEqual(await txtAt(s.authoritative, name), [valueOf(t)]);
      await s.solver.cleanup(t);
      await s.solver.cleanup(t);
      assert.deepEqual(await txtAt(s.authoritative, name), []);
    });
  });
}
