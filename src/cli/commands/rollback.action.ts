/** `certloop rollback NAME`: redeploy the previously deployed certificate, then verify it is served. */
import { randomBytes } from 'node:crypto';
import { rollbackCertificate, type RollbackOutcome } from '../../controller/rollback.js';
import { leaseOwner } from '../../controller/lease.js';
import { certificateContext, withLock } from '../../controller/run.js';
import { CertloopError } from '../../errors.js';
import { EXIT, print, printJson, withContext, type GlobalOptions } from '../context.js';
import { VERDICT_MARK } from '../format.js';

export async function rollbackCommand(opts: GlobalOptions & { name: string }): Promise<number> {
  return withContext(opts, async ({ config, store, log }) => {
    const cert = config.certificates.find((c) => c.name === opts.name);
    if (!cert) {
      throw new CertloopError('USAGE', `no certificate named ${opts.name} in ${config.file} (known: ${config.certificates.map((c) => c.name).join(', ')})`, { retryable: false });
    }
    const owner = leaseOwner(randomBytes(4).toString('hex'));
    let outcome: RollbackOutcome;
    try {
      outcome = (await withLock(store, cert, owner, log, () =>
        rollbackCertificate({ ...certificateContext(config, cert, store, log), onStep: opts.onStep }),
      )) as RollbackOutcome;
    } catch (err) {
      if (!(err instanceof CertloopError) || err.code !== 'ROLLBACK_REFUSED') throw err;
      if (opts.json) printJson({ name: cert.name, verdict: 'refused', from: null, to: null, verified: null, endpoints: [], error: { step: err.step, code: err.code, message: err.message } });
      else process.stderr.write(`certloop: ${err.message}\n`);
      return EXIT.FAILED;
    }
    if (outcome.decision.reason === 'Locked') {
      const message = `another certloop process holds the lock for ${cert.name}; try again in a moment`;
      if (opts.json) printJson({ name: cert.name, verdict: 'failed', from: null, to: null, verified: null, endpoints: [], error: { step: 'lock', code: 'LOCK_BUSY', message } });
      else process.stderr.write(`certloop: ${message}\n`);
      return EXIT.FAILED;
    }
    if (opts.json) {
      printJson({
        name: outcome.name,
        verdict: outcome.verdict,
        from: outcome.from ?? null,
        to: outcome.to ?? null,
        deployed: outcome.deployed,
        verified: outcome.verification?.verified ?? null,
        unverified: outcome.verification?.unverified ?? null,
        endpoints: outcome.verification?.results ?? [],
        error: outcome.error ?? null,
      });
    } else {
      const mark = VERDICT_MARK[outcome.verdict];
      print(`${mark} ${outcome.name}: rolled back from ${outcome.from} to ${outcome.to}: ${outcome.error ? `${outcome.error.step}: ${outcome.error.message}` : outcome.verification?.summary ?? 'deployed'}`);
      if (outcome.verdict !== 'failed') print(`automatic renewal is paused until the emergency window; resume now with: certloop renew ${outcome.name} --force`);
    }
    return outcome.verdict === 'ready' ? EXIT.OK : EXIT.FAILED;
  });
}
