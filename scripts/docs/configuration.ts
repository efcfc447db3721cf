/**
 * docs/configuration.md: the hand-written prose of scripts/docs/configuration.template.md with
 * the field tables read from the zod schema (schema-walk.ts) and its sentences (field-docs.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { Config } from '../../src/config/schema.js';
import { FIELD_DOCS } from './field-docs.js';
import { PolicyFile } from '../../src/policy/schema.js';
import { SchemaReference, sectionHeading, yamlValue, type Section } from './schema-walk.js';
import { fillTemplate, generatedNotice, table } from './markdown.js';

export const CONFIGURATION_TEMPLATE = 'scripts/docs/configuration.template.md';

/** The sections of the config file and the one of a policy file, every field described. */
export function configurationSections(docs: Record<string, string> = FIELD_DOCS): { config: Section[]; policy: Section } {
  const reference = new SchemaReference({ docs, opaque: new Set(['certificates[].policy', 'watch.policy']) }).add('', Config).add('policy', PolicyFile);
  reference.check();
  const policy = reference.sections.find((s) => s.path === 'policy')!;
  return { config: reference.sections.filter((s) => s !== policy), policy };
}

function fieldTables(sections: Section[]): string {
  return sections
    .map((s) => {
      const rows = s.rows.map((r) => [`\`${r.field}\``, r.type, r.default, r.range, r.description]);
      return `### ${sectionHeading(s.path, s.kind)}\n\n${table(['field', 'type', 'default', 'range', 'description'], rows)}\n`;
    })
    .join('\n');
}

/** The policy fields, with the value each has in the shipped `default` policy (the built-in defaults). */
function policyTable(policy: Section, root: string): string {
  const shipped = parse(fs.readFileSync(path.join(root, 'policies', 'default.yaml'), 'utf8')) as Record<string, unknown>;
  const valueOf = (field: string): string => {
    if (field === 'description') return '';
    const v = field.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), shipped);
    return v === undefined || (typeof v === 'object' && !Array.isArray(v) && v !== null) ? '' : `\`${yamlValue(v, false)}\``;
  };
  const rows = policy.rows.map((r) => [`\`${r.field}\``, r.type, valueOf(r.field), r.range, r.description]);
  return table(['field', 'type', 'in `default`', 'range', 'description'], rows);
}

export function renderConfiguration(root: string): string {
  const { config, policy } = configurationSections();
  const template = fs.readFileSync(path.join(root, CONFIGURATION_TEMPLATE), 'utf8');
  return (
    generatedNotice([`\`${CONFIGURATION_TEMPLATE}\``, 'the config schema (`src/config/schema.ts` and the provider, state and policy schemas)', '`scripts/docs/field-docs.ts`']) +
    fillTemplate(template, CONFIGURATION_TEMPLATE, {
      'config-fields': () => fieldTables(config),
      'policy-fields': () => policyTable(policy, root),
    })
  );
}
