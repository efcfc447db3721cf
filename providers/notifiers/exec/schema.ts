import { z } from 'zod';
import { Argv } from '../../../src/config/fields.js';
import { NotifierCommon } from '../../../src/notify/schema.js';

/** Run a program per event: argv without a shell, the event as JSON on stdin and in CERTLOOP_* variables. */
export const ExecNotifierConfig = z.strictObject({
  type: z.literal('exec'),
  ...NotifierCommon,
  command: Argv,
});
export type ExecNotifierConfig = z.infer<typeof ExecNotifierConfig>;
