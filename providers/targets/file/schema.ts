import { z } from 'zod';
import { Argv, DurationWithin, FilePath } from '../../../src/config/fields.js';
import { BOUNDS } from '../../../src/config/bounds.js';

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
  reloadTimeout: DurationWithin(...BOUNDS.commandTimeout).default(30_000),
});
export type FileTargetConfig = z.infer<typeof FileTargetConfig>;
