/**
 * `config check`'s look at the CA's profiles (draft-ietf-acme-profiles): when a certificate, its
 * policy or acme.profile names one, read the directory (with a deadline) and refuse a required
 * profile the CA does not offer, listing the ones it does, the same refusal a run would meet at
 * its first order. An unreachable CA is no config error: the check is then skipped, with a note.
 */
import { chooseProfile, offeredProfiles, profileWishes } from '../acme/profile.js';
import { getJson } from '../acme/http-get.js';
import { configureAcmeTimeouts } from '../acme/timeouts.js';
import { trustAcmeServer } from '../acme/trust.js';
import { readConfigText, readConfigValue, type LoadedConfig } from '../config/load.js';
import { locateAt } from '../config/read-yaml.js';
import { describeError, type ConfigProblem } from '../errors.js';
import { resolvedPolicyFor } from '../policy/load.js';

/** A directory read in `config check` waits at most this (or acme.timeout when shorter). */
const CHECK_DEADLINE_MS = 10_000;

export interface ProfileCheck {
  /** false: nothing names a profile, or the directory could not be read (`note` says why). */
  checked: boolean;
  /** meta.profiles of the primary CA, when read. */
  offered?: Record<string, string>;
  problems: ConfigProblem[];
  notes: string[];
}

export async function checkProfiles(config: LoadedConfig): Promise<ProfileCheck> {
  const wishes = config.certificates.map((c) => profileWishes({ certificate: c.name, profile: c.profile, policy: resolvedPolicyFor(c), acmeProfile: config.acme.profile }));
  if (wishes.every((w) => w.length === 0)) return { checked: false, problems: [], notes: [] };
  const directory = config.acme.directory;
  let offered: Record<string, string> | undefined;
  try {
    trustAcmeServer(config.acme.caBundle);
    configureAcmeTimeouts(config.acme);
    const res = await getJson(directory, Math.min(config.acme.timeout, CHECK_DEADLINE_MS));
    if (res.status !== 200) throw new Error(`the directory answered HTTP ${res.status}`);
    offered = offeredProfiles(res.json);
  } catch (err) {
    return { checked: false, problems: [], notes: [`profiles not checked: cannot read the ACME directory ${directory} (${describeError(err)}); a run checks them before its first order`] };
  }
  const problems: ConfigProblem[] = [];
  const notes: string[] = [];
  let position: ReturnType<typeof readConfigValue>['position'] | undefined;
  const locate = (keys: (string | number)[], message: string): ConfigProblem => {
    position ??= readConfigValue(readConfigText(config.file), config.file).position;
    return locateAt(position, config.file, keys, message);
  };
  const reported = new Set<string>();
  config.certificates.forEach((c, i) => {
    const choice = chooseProfile(wishes[i], offered, directory);
    if (choice.ok) {
      notes.push(...choice.notes.map((n) => `certificates[${i}] (${c.name}): ${n}`));
      return;
    }
    const keys = choice.wish.from === 'acme.profile' ? ['acme', 'profile'] : ['certificates', i, 'profile'];
    if (reported.has(keys.join('.'))) return;
    reported.add(keys.join('.'));
    problems.push(locate(keys, choice.message));
  });
  return { checked: true, offered, problems, notes };
}
