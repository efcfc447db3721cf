import { z } from 'zod';
import { FilePath, Port } from '../../../src/config/fields.js';

/** An inventory file: one `host[:port]` per line (a CSV's first column), `#` starts a comment. */
export const FileSourceConfig = z.strictObject({
  type: z.literal('file'),
  /** Relative to the config file; re-read on every sweep. */
  path: FilePath,
  /** Port of the lines that give none. */
  port: Port.default(443),
});
export type FileSourceConfig = z.infer<typeof FileSourceConfig>;
