/**
 * Exec hook: runs `command` (argv, no shell: nothing in an event can inject a command) in the
 * config file's folder with the event as JSON on stdin (the webhook body) and in environment
 * variables: CERTLOOP_EVENT (type), CERTLOOP_CERTIFICATE, CERTLOOP_SEVERITY, CERTLOOP_MESSAGE,
 * CERTLOOP_AT, CERTLOOP_SERIAL (when the event has one), CERTLOOP_EVENT_JSON. A non-zero exit or
 * a timeout is a failed delivery.
 */
import type { CertloopEvent } from '../../../src/observability/events.js';
import type { Notifier, NotifierFactory } from '../../../src/plugins.js';
import { describeCommandFailure, runCommand } from '../../../src/util/run-command.js';
import type { ExecNotifierConfig } from './schema.js';

export function eventEnv(event: CertloopEvent): Record<string, string> {
  const data = event.data as Record<string, unknown>;
  const serial = data.serial ?? data.expected;
  return {
    CERTLOOP_EVENT: event.type,
    CERTLOOP_CERTIFICATE: event.certificate,
    CERTLOOP_SEVERITY: event.severity,
    CERTLOOP_MESSAGE: event.message,
    CERTLOOP_AT: event.at,
    ...(typeof serial === 'string' ? { CERTLOOP_SERIAL: serial } : {}),
    CERTLOOP_EVENT_JSON: JSON.stringify(event),
  };
}

export const create: NotifierFactory<ExecNotifierConfig> = (config, id) => ({
  id,
  describe: () => `exec ${id} (${config.command[0]})`,
  async send(event, ctx) {
    const body = JSON.stringify({ version: 1, event });
    const r = await runCommand(config.command, { cwd: ctx.baseDir, timeoutMs: config.timeout, input: body, env: { ...process.env, ...eventEnv(event) } });
    if (r.code !== 0) throw new Error(describeCommandFailure(config.command, r, config.timeout));
  },
});
