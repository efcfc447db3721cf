/**
 * `certloop init`: write a commented starter certloop.yaml (and the JSON Schema editors read)
 * from a few flags. It never overwrites an existing configuration, and it only writes a file the
 * real loader accepts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { defaultConfigPath, parseConfigText } from '../../config/load.js';
import { configJsonSchema } from '../../config/json-schema.js';
import { starterConfig, type StarterOptions } from '../../config/starter.js';
import { CertloopError } from '../../errors.js';
import { EXIT, print, printJson, type GlobalOptions } from '../context.js';

export const SCHEMA_FILE = 'certloop.schema.json';

export interface InitOptions extends GlobalOptions {
  domain?: string[];
  email?: string;
  name?: string;
  directory?: string;
  webroot?: string;
  standalone?: string | boolean;
  nginx?: boolean;
}

function usage(message: string): CertloopError {
  return new CertloopError('USAGE', message, { retryable: false });
}

export async function initCommand(opts: InitOptions): Promise<number> {
  const file = defaultConfigPath(opts.config);
  if (!opts.domain || opts.domain.length === 0) throw usage('init needs at least one --domain NAME');
  if (opts.webroot && opts.standalone) throw usage('choose one of --webroot DIR and --standalone [HOST:PORT], not both');
  if (!opts.webroot && !opts.standalone) {
    throw usage('init needs --webroot DIR (your web server serves the challenge files) or --standalone [HOST:PORT] (certloop answers on port 80 itself)');
  }
  if (fs.existsSync(file)) {
    throw usage(`${file} already exists; certloop init never overwrites a configuration (edit it, or pass -c NEW_FILE)`);
  }
  const starter: StarterOptions = {
    domains: opts.domain,
    email: opts.email,
    name: opts.name,
    directory: opts.directory,
    webroot: opts.webroot,
    standalone: typeof opts.standalone === 'string' ? opts.standalone : undefined,
    nginx: opts.nginx,
    schema: `./${SCHEMA_FILE}`,
  };
  const text = starterConfig(starter);
  // Only a file the loader accepts is written: a bad --domain is reported like a config error.
  parseConfigText(text, file);

  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    fs.writeFileSync(file, text, { flag: 'wx', mode: 0o644 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw usage(`${file} already exists; certloop init never overwrites a configuration`);
    throw err;
  }
  // The schema is generated, so refreshing it next to the config is always safe.
  const schemaFile = path.join(path.dirname(file), SCHEMA_FILE);
  fs.writeFileSync(schemaFile, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);

  if (opts.json) printJson({ file, schemaFile });
  else {
    print(`wrote ${file}`);
    print(`wrote ${schemaFile} (editors read it through the yaml-language-server comment)`);
    print('next: certloop config check, then certloop run');
  }
  return EXIT.OK;
}
