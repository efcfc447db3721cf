/**
 * The JSON Schema `certloop config schema` prints must accept every configuration the project
 * shows users (the config blocks of docs/configuration.md, the demo, examples/, what `certloop init` writes) and reject the
 * malformed ones the loader rejects, as far as a JSON Schema can tell. Checked with Ajv, an
 * independent validator, so the test does not trust zod to check its own export.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { configJsonSchema } from '../../../src/config/json-schema.js';
import { parseConfigText } from '../../../src/config/load.js';
import { starterConfig } from '../../../src/config/starter.js';
import { demoConfig } from '../../../scripts/demo-config.js';
import { configBlocks, readDoc } from '../../support/docs.js';
import { ROOT } from '../../support/workspace.js';
import { ACCEPTED, GOOD, MALFORMED } from './cases.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * Malformed cases a JSON Schema cannot reject, and why. Everything else in MALFORMED must be
 * rejected by the schema too.
 */
const NOT_EXPRESSIBLE: Record<string, string> = {
  'a YAML syntax error names the line': 'not YAML at all: the YAML parser rejects it before any schema sees it',
  'a wildcard over http-01': 'depends on two fields (a domain and the challenge type); the loader checks it',
  'an IP address among the domains of a dns-01 certificate': 'depends on two fields (a domain and the challenge type); the loader checks it',
  'a duplicate certificate name': 'uniqueness of one property across list items; the loader checks it',
  'unverified: true beside endpoints': 'depends on two fields (unverified and the endpoints list); the loader checks it',
  'an unset environment reference': 'references are resolved at load time; the schema accepts any ${env:NAME}',
  'an unreadable file reference': 'references are resolved at load time; the schema accepts any ${file:PATH}',
  'cert and key on the same path': 'two fields holding the same path once resolved; the loader checks it',
  'two certificates writing the same key file': 'a path shared across list items once resolved; the loader checks it',
  'a reload timeout of 0s': 'durations are text ("0s", "30s") in the schema; the loader checks their value',
  'a YAML alias bomb': 'the YAML parser refuses to expand it before any schema sees it',
};

const ENV = { CERTLOOP_ACME_EMAIL: 'ops@example.com', PFX_PASSWORD: 'pfx-secret', ZEROSSL_EAB_KID: 'kid-1', ZEROSSL_EAB_HMAC_KEY: 'aG1hYw', GTS_EAB_KID: 'kid-2', GTS_EAB_HMAC_KEY: 'aG1hYw' };

function validator() {
  // strictRequired off: `oneOf: [{required: [listen]}, {required: [webroot]}]` names properties
  // declared one level up, which is valid JSON Schema.
  // Union types ("1/3" or 0.33) are standard JSON Schema; ajv strict mode only asks to allow them explicitly.
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
  addFormats(ajv);
  return ajv.compile(configJsonSchema());
}

/** ```yaml blocks of the configuration reference that are whole configurations. */
function referenceConfigs(): [string, string][] {
  return configBlocks(readDoc('docs/configuration.md')).map((text, i) => [`docs/configuration.md config block ${i + 1}`, text]);
}

function exampleConfigs(): [string, string][] {
  const dir = path.join(ROOT, 'examples');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => [`examples/${f}`, fs.readFileSync(path.join(dir, f), 'utf8')]);
}

function starterConfigs(): [string, string][] {
  return [
    ['init --webroot --nginx', starterConfig({ domains: ['example.com', 'www.example.com'], email: 'ops@example.com', webroot: '/var/www/html', nginx: true, schema: './certloop.schema.json' })],
    ['init --standalone', starterConfig({ domains: ['api.example.com'], schema: './certloop.schema.json' })],
    ['init --standalone [::]:8080 --directory letsencrypt-staging', starterConfig({ domains: ['*.example.com', 'example.com'], standalone: '[::]:8080', directory: 'letsencrypt-staging', schema: 'x' })],
  ];
}

describe('the config JSON Schema', () => {
  const validate = validator();
  const shown = [
    ...referenceConfigs(),
    ['the demo config', demoConfig({ directory: 'https://127.0.0.1:14000/dir', httpPort: 5002, port: 8443, reloadCommand: ['/usr/sbin/nginx', '-s', 'reload'] })],
    ['the loader tests example', GOOD],
    ...ACCEPTED.map(([name, text]): [string, string] => [`the edge case: ${name}`, text]),
    ...exampleConfigs(),
    ...starterConfigs(),
  ] as [string, string][];

  it('is found: the configuration reference has a config block and examples/ has configs', () => {
    assert.ok(referenceConfigs().length >= 1, 'docs/configuration.md config block');
    assert.ok(exampleConfigs().length >= 3, 'examples/*.yaml');
  });

  for (const [name, text] of shown) {
    it(`accepts ${name}`, () => {
      const ok = validate(parse(text));
      assert.ok(ok, JSON.stringify(validate.errors, null, 2));
    });
  }

  for (const [name, text] of shown) {
    if (name.startsWith('init --standalone [::]')) continue; // a wildcard over http-01: see NOT_EXPRESSIBLE
    it(`${name} also loads with the real loader`, () => {
      Object.assign(process.env, ENV);
      assert.doesNotThrow(() => parseConfigText(text, path.join(ROOT, 'examples', 'x.yaml')));
    });
  }

  for (const [name, text, _expected] of MALFORMED) {
    if (NOT_EXPRESSIBLE[name]) continue;
    it(`rejects ${name}`, () => {
      assert.equal(validate(parse(text)), false, `the schema accepted: ${name}`);
    });
  }

  it('leaves out only the cases it documents as not expressible, and each of those exists', () => {
    const names = new Set(MALFORMED.map(([n]) => n));
    for (const n of Object.keys(NOT_EXPRESSIBLE)) assert.ok(names.has(n), `NOT_EXPRESSIBLE names a case that no longer exists: ${n}`);
  });

  it('accepts secret references in fields that have a format, and durations as text or seconds', () => {
    const text = GOOD.replace('ops@example.com', '${env:ACME_EMAIL}').replace('trust: ./pebble-root.pem', 'trust: ./pebble-root.pem\n      timeout: 1h30m\n      pollFor: 20');
    assert.ok(validate(parse(text)), JSON.stringify(validate.errors));
    assert.equal(validate(parse(GOOD.replace('trust: ./pebble-root.pem', 'trust: ./pebble-root.pem\n      timeout: soon'))), false);
  });

  it('matches the committed certloop.schema.json (regenerate: certloop config schema > certloop.schema.json)', () => {
    const committed = JSON.parse(fs.readFileSync(path.join(ROOT, 'certloop.schema.json'), 'utf8'));
    assert.deepEqual(committed, configJsonSchema());
  });
});
