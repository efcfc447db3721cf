import { z } from 'zod';
import { NotifierCommon } from '../../../src/notify/schema.js';

/** A generic JSON webhook: POST `{ "version": 1, "event": {…} }` to `url`. */
export const WebhookNotifierConfig = z.strictObject({
  type: z.literal('webhook'),
  ...NotifierCommon,
  url: z.url({ protocol: /^https?$/, message: 'expected an http(s) URL' }),
  /** Extra request headers, e.g. Authorization: "Bearer ${env:HOOK_TOKEN}". Never logged. */
  headers: z.record(z.string(), z.string()).optional(),
});
export type WebhookNotifierConfig = z.infer<typeof WebhookNotifierConfig>;
