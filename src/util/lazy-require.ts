/**
 * A CommonJS package loaded on first use instead of at start-up. Every certloop command loads the
 * config schema, and through it whatever the schema's modules import; packages needed only for
 * some work (node-forge for ARI cert IDs, prom-client for metrics, cron for schedules, dns-packet
 * for RFC 2136) stay unloaded when that work does not happen. Synchronous, unlike import(), so
 * synchronous code keeps its shape.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(id) as T);
}
