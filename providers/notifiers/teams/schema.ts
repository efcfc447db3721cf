import { z } from 'zod';
import { NotifierCommon } from '../../../src/notify/schema.js';

/** A Microsoft Teams Workflows webhook ("When a Teams webhook request is received"). The URL is a credential. */
export const TeamsNotifierConfig = z.strictObject({
  type: z.literal('teams'),
  ...NotifierCommon,
  url: z.url({ protocol: /^https?$/, message: 'expected the https:// URL of a Teams Workflows webhook' }),
});
export type TeamsNotifierConfig = z.infer<typeof TeamsNotifierConfig>;
