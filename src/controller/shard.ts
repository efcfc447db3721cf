/**
 * Sharding: N processes (a Kubernetes Indexed Job, N hosts) split the certificates between them
 * by a stable hash of the name, so together they cover every certificate exactly once and each
 * process's set stays the same from run to run (its logs and cache stay meaningful). Adding or
 * removing a certificate never moves the others. Changing N moves most of them, which is harmless:
 * the per-certificate locks and version-checked writes still guard any overlap while two
 * generations of a Job run side by side.
 */
import { createHash } from 'node:crypto';
import { CertloopError } from '../errors.js';

export interface Shard {
  /** 0-based, like Kubernetes' JOB_COMPLETION_INDEX. */
  index: number;
  count: number;
}

export const SHARD_INDEX_ENV = 'JOB_COMPLETION_INDEX';

/** The shard (0 … count-1) a certificate belongs to: sha256 of its name, mod count. */
export function shardOf(name: string, count: number): number {
  return createHash('sha256').update(name).digest().readUInt32BE(0) % count;
}

export function inShard(name: string, shard: Shard): boolean {
  return shardOf(name, shard.count) === shard.index;
}

/**
 * Parses `--shard I/N` (I from 0 to N-1) or `--shard auto/N`, which takes I from the
 * JOB_COMPLETION_INDEX environment variable that Kubernetes sets in each pod of an Indexed Job.
 */
export function parseShard(spec: string, env: NodeJS.ProcessEnv = process.env): Shard {
  const m = /^(auto|\d+)\/(\d+)$/.exec(spec.trim());
  if (!m) throw usage(`--shard expects INDEX/COUNT such as 0/4, or auto/COUNT (index from $${SHARD_INDEX_ENV}); got "${spec}"`);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(count) || count < 1) throw usage(`--shard ${spec}: COUNT must be at least 1`);
  let index: number;
  if (m[1] === 'auto') {
    const raw = env[SHARD_INDEX_ENV];
    if (raw === undefined || !/^\d+$/.test(raw)) {
      throw usage(
        `--shard auto/${count} takes the index from $${SHARD_INDEX_ENV}, which is ${raw === undefined ? 'not set' : `"${raw}"`}` +
          ' (Kubernetes sets it in Indexed Jobs: completionMode: Indexed); elsewhere pass --shard INDEX/COUNT',
      );
    }
    index = Number(raw);
  } else index = Number(m[1]);
  if (index >= count) {
    throw usage(`--shard ${spec}: INDEX must be between 0 and ${count - 1} (is the Job's completions equal to COUNT?)`);
  }
  return { index, count };
}

function usage(message: string): CertloopError {
  return new CertloopError('USAGE', message, { retryable: false });
}
