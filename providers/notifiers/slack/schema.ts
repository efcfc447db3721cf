import { z } from 'zod';
import { NotifierCommon } from '../../../src/notify/schema.js';

/** A Slack incoming webhook. The URL is a credential: keep it in ${env:…} or ${file:…}. */
export const SlackNotifierConfig = z.strictObject({
  type: z.literal('slack'),
  ...NotifierCommon,
  url: z.url({ protocol: /^https?$/, message: 'expected the https:// URL of a Slack incoming webhook' }),
});
export type SlackNotifierConfig = z.infer<typeof SlackNotifierConfig>;
