/**
 * Microsoft Teams through a Workflows webhook (the replacement of Office 365 connectors): a
 * `message` with one Adaptive Card attachment, which the "Post card in a chat or channel" action
 * posts as is.
 */
import { eventFacts, eventTitle } from '../../../src/notify/format.js';
import { postJson, safeHost } from '../../../src/notify/http.js';
import type { CertloopEvent } from '../../../src/observability/events.js';
import type { Notifier, NotifierFactory } from '../../../src/plugins.js';
import type { TeamsNotifierConfig } from './schema.js';

const COLOR = { info: 'Good', warning: 'Warning', critical: 'Attention' } as const;

export function teamsPayload(event: CertloopEvent) {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', size: 'Medium', weight: 'Bolder', wrap: true, color: COLOR[event.severity], text: eventTitle(event) },
            { type: 'TextBlock', wrap: true, text: event.message },
            { type: 'FactSet', facts: eventFacts(event).map((f) => ({ title: f.name, value: f.value })) },
          ],
        },
      },
    ],
  };
}

export const create: NotifierFactory<TeamsNotifierConfig> = (config, id) => ({
  id,
  describe: () => `teams ${id} (${safeHost(config.url)})`,
  send: (event) => postJson(config.url, teamsPayload(event), { timeoutMs: config.timeout }),
});
