/**
 * Renewal policies as data: the shipped policies/*.yaml plus the files a config lists under
 * `policies:`, each validated with the same schema and located errors as the config itself
 * (`policies/team.yaml:4:3: remainingFraction: ...`). A certificate's policy is resolved once, when
 * the config is loaded, and looked up by `policyFor(cert)` afterwards.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { issuesToProblemsAt, readYaml } from '../config/read-yaml.js';
import type { ConfigProblem } from '../errors.js';
import { DEFAULT_POLICY } from './defaults.js';
import { formatFraction } from './renewal-time.js';
import type { RenewalPolicy } from './types.js';
import { PolicyFile, type PolicyOverrides, type PolicyRef } from './schema.js';

const DAY = 86_400_000;

/** The policies/ folder shipped with certloop (next to dist/ in the package). */
export function shippedPoliciesDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '..', '..', '..', 'policies'), path.resolve(here, '..', '..', 'policies')];
  return candidates.find((d) => fs.existsSync(path.join(d, 'default.yaml'))) ?? candidates[0];
}

interface ParsedPolicy {
  file: string;
  spec: PolicyFile;
}

function readPolicyFile(file: string, problems: ConfigProblem[]): ParsedPolicy | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    problems.push({ file, path: '', message: `cannot read the policy file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
    return undefined;
  }
  const yaml = readYaml(text, file);
  if ('problems' in yaml) {
    problems.push(...yaml.problems);
    return undefined;
  }
  const result = PolicyFile.safeParse(yaml.raw, { reportInput: true });
  if (!result.success) {
    problems.push(...issuesToProblemsAt(result.error.issues, yaml.position, file));
    return undefined;
  }
  return { file, spec: result.data };
}

/** Field values of a policy file or of inline overrides, applied over a base policy. */
export function applyFields(base: RenewalPolicy, f: Omit<PolicyOverrides, 'name'> & { description?: string }, name: string): RenewalPolicy {
  const p: RenewalPolicy = { ...base, name, retrySchedulesMs: { ...base.retrySchedulesMs } };
  if (f.description !== undefined) p.description = f.description;
  if (f.ari !== undefined) p.ari = f.ari;
  if (f.remainingFraction !== undefined) p.remainingFraction = f.remainingFraction;
  if (f.remainingDays !== undefined) p.remainingDays = f.remainingDays ?? undefined;
  if (f.shortLifetime !== undefined) p.shortLifetimeMs = f.shortLifetime;
  if (f.shortLivedFraction !== undefined) p.shortLivedFraction = f.shortLivedFraction;
  if (f.emergencyFraction !== undefined) p.emergencyFraction = f.emergencyFraction;
  if (f.jitter !== undefined) p.jitterMs = f.jitter;
  if (f.retry?.issue) p.retrySchedulesMs.issue = f.retry.issue;
  if (f.retry?.deploy) p.retrySchedulesMs.deploy = f.retry.deploy;
  if (f.retry?.verify) p.retrySchedulesMs.verify = f.retry.verify;
  if (f.verifyDeadline !== undefined) p.verifyDeadlineMs = f.verifyDeadline;
  if (f.recheckInterval !== undefined) p.recheckIntervalMs = f.recheckInterval;
  if (f.expiringAlert !== undefined) p.expiringAlertMs = f.expiringAlert;
  if (f.profile !== undefined) p.profile = f.profile;
  if (f.expiringThresholds !== undefined) p.expiringThresholdsMs = [...new Set(f.expiringThresholds)].sort((a, b) => b - a);
  if (p.remainingDays === undefined) delete p.remainingDays;
  if (p.description === undefined) delete p.description;
  return p;
}

/** Combinations that are each valid alone but make no sense together; each names its field. */
export function incoherence(p: RenewalPolicy): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  if (p.emergencyFraction >= p.remainingFraction) {
    out.push({
      field: 'emergencyFraction',
      message: `${formatFraction(p.emergencyFraction)} must be smaller than remainingFraction (${formatFraction(p.remainingFraction)}): the emergency floor is the last resort, not the plan`,
    });
  }
  if (p.emergencyFraction >= p.shortLivedFraction) {
    out.push({ field: 'emergencyFraction', message: `${formatFraction(p.emergencyFraction)} must be smaller than shortLivedFraction (${formatFraction(p.shortLivedFraction)})` });
  }
  if (p.jitterMs > 30 * DAY) out.push({ field: 'jitter', message: 'a jitter above 30d would move renewals by more than a month; use at most 30d' });
  return out;
}

export interface PolicySet {
  policies: Map<string, RenewalPolicy>;
  /** Where each policy came from, for messages. */
  files: Map<string, string>;
  problems: ConfigProblem[];
}

let shippedCache: PolicySet | undefined;

/** The shipped policies plus `extraFiles`, with `extends` resolved. */
export function loadPolicySet(extraFiles: string[] = []): PolicySet {
  if (extraFiles.length === 0 && shippedCache) return shippedCache;
  const problems: ConfigProblem[] = [];
  const dir = shippedPoliciesDir();
  let shipped: string[] = [];
  try {
    shipped = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => path.join(dir, f));
  } catch (err) {
    problems.push({ file: dir, path: '', message: `cannot read the shipped policies folder (${(err as NodeJS.ErrnoException).code}); reinstall certloop` });
  }
  const parsed = new Map<string, ParsedPolicy>();
  for (const file of [...shipped, ...extraFiles]) {
    const p = readPolicyFile(file, problems);
    if (!p) continue;
    const earlier = parsed.get(p.spec.name);
    if (earlier) {
      problems.push({
        file,
        path: 'name',
        message: `policy "${p.spec.name}" is already defined in ${earlier.file}; give this one another name (it may "extends: ${p.spec.name}")`,
      });
      continue;
    }
    parsed.set(p.spec.name, p);
  }

  const policies = new Map<string, RenewalPolicy>();
  const files = new Map<string, string>();
  const resolving = new Set<string>();
  const resolve = (name: string): RenewalPolicy | undefined => {
    const done = policies.get(name);
    if (done) return done;
    const p = parsed.get(name);
    if (!p) return undefined;
    if (resolving.has(name)) {
      problems.push({ file: p.file, path: 'extends', message: `"extends" loops back to "${name}" (${[...resolving].join(' → ')} → ${name})` });
      return undefined;
    }
    resolving.add(name);
    let base = DEFAULT_POLICY;
    if (p.spec.extends) {
      const b = resolve(p.spec.extends);
      resolving.delete(name);
      if (!b) {
        if (!parsed.has(p.spec.extends)) {
          problems.push({ file: p.file, path: 'extends', message: `unknown policy "${p.spec.extends}" (known: ${[...parsed.keys()].join(', ')})` });
        }
        return undefined;
      }
      base = b;
    }
    resolving.delete(name);
    const { name: _n, extends: _e, ...fields } = p.spec;
    const policy = applyFields(base, fields, name);
    for (const bad of incoherence(policy)) problems.push({ file: p.file, path: bad.field, message: bad.message });
    policies.set(name, policy);
    files.set(name, p.file);
    return policy;
  };
  for (const name of parsed.keys()) resolve(name);

  const set = { policies, files, problems };
  if (extraFiles.length === 0) shippedCache = set;
  return set;
}

export interface PolicyProblem {
  /** Field path inside the config file. */
  path: (string | number)[];
  message: string;
}

/** A certificate's effective policy: the named one with its inline overrides applied. */
export function resolvePolicyRef(ref: PolicyRef | undefined, set: PolicySet): { policy?: RenewalPolicy; problems: { path: string[]; message: string }[] } {
  const spec: PolicyOverrides = typeof ref === 'string' ? { name: ref } : (ref ?? { name: 'default' });
  const base = set.policies.get(spec.name);
  if (!base) {
    return {
      problems: [{ path: typeof ref === 'string' ? [] : ['name'], message: `unknown policy "${spec.name}" (known: ${[...set.policies.keys()].sort().join(', ')}; add files under "policies:" for more)` }],
    };
  }
  const { name, ...fields } = spec;
  if (Object.keys(fields).length === 0) return { policy: base, problems: [] };
  const policy = applyFields(base, fields, `${name}+overrides`);
  return { policy, problems: incoherence(policy).map((b) => ({ path: [b.field], message: b.message })) };
}

// Resolved once per loaded config and kept beside the certificate's config object, so every
// command (run, status, plan, drill) sees the same policy without resolving it again.
const resolved = new WeakMap<object, RenewalPolicy>();

interface PolicyConfig {
  policies?: string[];
  certificates: { name: string; policy?: PolicyRef }[];
  /** Watched endpoints take their thresholds from `watch.policy`. */
  watch?: { policy?: PolicyRef };
}

/**
 * Resolves every certificate's policy. Returns problems in the policy files (complete) and in the
 * config (field paths, for the loader to locate).
 */
export function attachPolicies(config: PolicyConfig): { fileProblems: ConfigProblem[]; configProblems: PolicyProblem[] } {
  const set = loadPolicySet(config.policies ?? []);
  const configProblems: PolicyProblem[] = [];
  // A policy named without overrides resolves the same for every certificate naming it.
  const byName = new Map<string | undefined, ReturnType<typeof resolvePolicyRef>>();
  config.certificates.forEach((cert, i) => {
    const named = cert.policy === undefined || typeof cert.policy === 'string';
    let r = named ? byName.get(cert.policy as string | undefined) : undefined;
    if (!r) {
      r = resolvePolicyRef(cert.policy, set);
      if (named) byName.set(cert.policy as string | undefined, r);
    }
    for (const p of r.problems) configProblems.push({ path: ['certificates', i, 'policy', ...p.path], message: p.message });
    if (r.policy) resolved.set(cert, r.policy);
  });
  if (config.watch) {
    const r = resolvePolicyRef(config.watch.policy, set);
    for (const p of r.problems) configProblems.push({ path: ['watch', 'policy', ...p.path], message: p.message });
    if (r.policy) resolved.set(config.watch, r.policy);
  }
  return { fileProblems: set.problems, configProblems };
}

/** The policy of a certificate from a loaded config (resolved at load time). */
export function resolvedPolicyFor(cert: { policy?: PolicyRef }): RenewalPolicy {
  const found = resolved.get(cert);
  if (found) return found;
  // A config built in code rather than loaded: resolve against the shipped policies now.
  const r = resolvePolicyRef(cert.policy, loadPolicySet());
  if (!r.policy) throw new Error(r.problems.map((p) => p.message).join('; '));
  resolved.set(cert, r.policy);
  return r.policy;
}
