/**
 * Slack incoming webhook (https://api.slack.com/messaging/webhooks): `text` is the notification
 * and fallback line; `blocks` lay out the message and the facts.
 */
import { eventFacts, eventTitle } from '../../../src/notify/format.js';
import { postJson, safeHost } from '../../../src/notify/http.js';
import type { CertloopEvent } from '../../../src/observability/events.js';
import type { Notifier, NotifierFactory } from '../../../src/plugins.js';
import type { SlackNotifierConfig } from './schema.js';

export function slackPayload(event: CertloopEvent) {
  const title = eventTitle(event);
  return {
    text: `${title}: ${event.message}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(event.message).slice(0, 3000) } },
      {
        type: 'section',
        fields: eventFacts(event)
          .slice(0, 10)
          .map((f) => ({ type: 'mrkdwn', text: `*${escapeMrkdwn(f.name)}*\n${escapeMrkdwn(f.value)}` })),
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `certloop · ${event.at}` }] },
    ],
  };
}

/** Slack wants &, < and > escaped in mrkdwn text. */
function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export const create: NotifierFactory<SlackNotifierConfig> = (config, id) => ({
  id,
  describe: () => `slack ${id} (${safeHost(config.url)})`,
  send: (event) => postJson(config.url, slackPayload(event), { timeoutMs: config.timeout }),
});
