import { z } from 'zod';
import { Argv, Duration, FilePath } from '../../../src/config/fields.js';

/** Files on disk, then an optional reload command (argv, no shell). */
export const FileTargetConfig = z.strictObject({
  type: z.literal('file'),
  /** Leaf followed by the chain (what nginx's ssl_certificate wants). */
  cert: FilePath,
  /** Private key, written 0600. */
  key: FilePath,
  /** Optional separate chain file (intermediates only). */
  chain: FilePath.optional(),
  reload: Argv.optional(),
  reloadTimeout: Duration.pipe(z.number().min(1, 'reloadTimeout must be more than 0s: the reload would be killed before it starts')).default(30_000),
});
export type FileTargetConfig = z.infer<typeof FileTargetConfig>;
