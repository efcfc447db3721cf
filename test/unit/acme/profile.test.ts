import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseProfile, offeredProfiles, profileWishes } from '../../../src/acme/profile.js';

const DIR = 'https://ca.example/dir';
const LE = { classic: 'c', shortlived: 's', tlsserver: 't' };

describe('choosing the ACME profile of an order (draft-ietf-acme-profiles)', () => {
  const cases: [string, Parameters<typeof profileWishes>[0], Record<string, string> | undefined, { profile?: string; refused?: RegExp; note?: RegExp }][] = [
    ['nothing named sends no profile', { certificate: 'web' }, LE, {}],
    ['the certificate\'s profile wins over its policy\'s and acme.profile', { certificate: 'web', profile: 'tlsserver', policy: { name: 'short-lived', profile: 'shortlived' }, acmeProfile: 'classic' }, LE, { profile: 'tlsserver' }],
    ['the policy\'s profile wins over acme.profile when the CA offers it', { certificate: 'web', policy: { name: 'short-lived', profile: 'shortlived' }, acmeProfile: 'classic' }, LE, { profile: 'shortlived' }],
    ['a policy\'s profile the CA lacks falls through to acme.profile, with a note', { certificate: 'web', policy: { name: 'short-lived', profile: 'shortlived' }, acmeProfile: 'classic' }, { classic: 'c' }, { profile: 'classic', note: /does not offer profile "shortlived" \(policy "short-lived"\); it offers classic; ordering without it/ }],
    ['a policy\'s profile at a CA with no profiles at all orders without one', { certificate: 'web', policy: { name: 'short-lived', profile: 'shortlived' } }, undefined, { note: /lists no profiles/ }],
    ['an unknown certificate profile is refused with the offered list', { certificate: 'web', profile: 'sixday' }, LE, { refused: /does not offer profile "sixday" \(certificates\[web\]\.profile\); it offers classic, shortlived, tlsserver: set certificates\[web\]\.profile to one of classic, shortlived, tlsserver/ }],
    ['acme.profile at a CA with no profiles is refused', { certificate: 'web', acmeProfile: 'classic' }, undefined, { refused: /lists no profiles .*: remove acme\.profile/ }],
  ];
  for (const [name, input, offered, want] of cases) {
    it(name, () => {
      const choice = chooseProfile(profileWishes(input), offered, DIR);
      if (want.refused) {
        assert.equal(choice.ok, false);
        if (!choice.ok) assert.match(choice.message, want.refused);
        return;
      }
      assert.ok(choice.ok);
      if (!choice.ok) return;
      assert.equal(choice.profile, want.profile);
      if (want.note) assert.match(choice.notes.join('\n'), want.note);
      else assert.deepEqual(choice.notes, []);
    });
  }

  it('reads meta.profiles and nothing else as the offer', () => {
    assert.deepEqual(offeredProfiles({ meta: { profiles: LE } }), LE);
    assert.equal(offeredProfiles({ meta: { termsOfService: 'x' } }), undefined);
    assert.equal(offeredProfiles({ meta: { profiles: ['classic'] } }), undefined);
  });
});
