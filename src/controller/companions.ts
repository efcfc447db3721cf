/**
 * The serials of the certificates an endpoint `alsoServes` (another key type on the same server,
 * also managed here), read from the state store: what certloop deployed for each, and what it
 * issued and is deploying, since both kinds are renewed by the same runs and a server may already
 * have picked up the newer one.
 */
import type { CertificateConfig } from '../config/schema.js';
import type { StateStore } from '../state/store.js';
import type { Companion } from '../verify/verify.js';

export async function companionsOf(store: Pick<StateStore, 'get'>, config: CertificateConfig): Promise<Companion[]> {
  const names = [...new Set(config.verify.endpoints.flatMap((ep) => ep.alsoServes ?? []))];
  return Promise.all(
    names.map(async (name) => {
      const record = await store.get(name);
      const serials = [record?.deployedSerial, record?.issued?.serial].filter((s): s is string => s !== undefined);
      return { name, serials: [...new Set(serials)] };
    }),
  );
}
