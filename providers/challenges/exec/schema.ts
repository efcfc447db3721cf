import { z } from 'zod';
import { Argv, DurationWithin, FilePath } from '../../../src/config/fields.js';
import { BOUNDS } from '../../../src/config/bounds.js';
import { Dns01CommonFields } from '../../../src/dns/schema.js';

/**
 * exec: the user's own program adds and removes the TXT value, for DNS services certloop has no
 * provider for. Called as `COMMAND... present|cleanup NAME VALUE`, without a shell.
 */
export const ExecDnsConfig = z.strictObject({
  ...Dns01CommonFields,
  provider: z.literal('exec'),
  /** Program and leading arguments; certloop appends the action, record name and value. */
  command: Argv,
  /** Folder the command runs in; default: the config file's folder. */
  cwd: FilePath.prefault('.'),
  /** How long one call may take before it is killed and counted as a failure. */
  timeout: DurationWithin(...BOUNDS.commandTimeout).default(60_000),
});
export type ExecDnsConfig = z.infer<typeof ExecDnsConfig>;
