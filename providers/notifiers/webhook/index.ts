/**
 * Generic webhook: the event as JSON, for anything that takes a POST (an alert router, a ticketing
 * bridge, a small script). The body is versioned so receivers can rely on it:
 * `{ "version": 1, "event": { type, certificate, at, severity, message, data } }`.
 */
import { postJson, safeHost } from '../../../src/notify/http.js';
import type { Notifier, NotifierFactory } from '../../../src/plugins.js';
import type { WebhookNotifierConfig } from './schema.js';

export const create: NotifierFactory<WebhookNotifierConfig> = (config, id) => ({
  id,
  describe: () => `webhook ${id} (${safeHost(config.url)})`,
  send: (event) => postJson(config.url, { version: 1, event }, { headers: config.headers, timeoutMs: config.timeout }),
});
