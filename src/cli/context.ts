/**
 * What every command shares: global options, the config, the state store, the logger, and the
 * exit-code convention (0 all good, 1 something failed or is not served, 2 bad usage or config).
 */
import { defaultConfigPath, loadConfig, type LoadedConfig } from '../config/load.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { openStore } from '../state/open.js';
import type { StateStore } from '../state/store.js';
import type { StepHook } from '../controller/step-hook.js';

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

export interface GlobalOptions {
  config?: string;
  json?: boolean;
  logLevel?: string;
  /** Not an option: set by a test entry point through main() (controller/step-hook.ts). */
  onStep?: StepHook;
}

export interface CommandContext {
  opts: GlobalOptions;
  log: Logger;
  config: LoadedConfig;
  store: StateStore;
}

export function makeLogger(opts: GlobalOptions): Logger {
  return createLogger({ level: opts.logLevel, json: opts.json });
}

/** Loads config and opens state; the caller closes the store. Config errors propagate (exit 2). */
export function openContext(opts: GlobalOptions): CommandContext {
  const log = makeLogger(opts);
  const config = loadConfig(defaultConfigPath(opts.config));
  const store = openStore(config.state);
  return { opts, log, config, store };
}

export async function withContext(opts: GlobalOptions, fn: (ctx: CommandContext) => Promise<number>): Promise<number> {
  const ctx = openContext(opts);
  try {
    return await fn(ctx);
  } finally {
    await ctx.store.close();
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}
