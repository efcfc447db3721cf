/**
 * The fast path for YAML configs. `yaml`'s parseDocument keeps every node's position, which
 * certloop needs only to point at a problem, and costs several times js-yaml's load (a
 * 1,000-certificate config: ~250 ms against ~45 ms in a fresh process here; bench/idle).
 *
 * A config must mean the same on either path, so js-yaml gets a schema that resolves plain scalars
 * exactly as YAML 1.2's core schema does (what `yaml` uses; js-yaml's own CORE_SCHEMA also reads
 * `0b101`, `+0x1` as numbers and not `+.5`), and the constructs where the two parsers still differ
 * are left to `yaml`: tags, directives, complex and explicit keys, and anchors (js-yaml expands
 * aliases without `yaml`'s limit). So is every document js-yaml refuses; load.ts then reports
 * `yaml`'s located errors. test/unit/config/yaml-fast.test.ts holds both to the same values.
 */
import yaml from 'js-yaml';

// YAML 1.2.2 §10.3.2, the core schema's tag resolution for plain scalars.
const scalar = (tag: string, test: RegExp, construct: (s: string) => unknown) =>
  new yaml.Type(`tag:yaml.org,2002:${tag}`, { kind: 'scalar', resolve: (s: string | null) => test.test(s ?? ''), construct: (s: string | null) => construct(s ?? '') });

const CORE_1_2 = yaml.FAILSAFE_SCHEMA.extend({
  implicit: [
    scalar('null', /^(?:~|null|Null|NULL|)$/, () => null),
    scalar('bool', /^(?:true|True|TRUE|false|False|FALSE)$/, (s) => s[0] === 't' || s[0] === 'T'),
    scalar('int', /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/, (s) => (s.startsWith('0o') ? parseInt(s.slice(2), 8) : s.startsWith('0x') ? parseInt(s.slice(2), 16) : parseInt(s, 10))),
    scalar('float', /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/, (s) =>
      /inf/i.test(s) ? (s.startsWith('-') ? -Infinity : Infinity) : /nan/i.test(s) ? NaN : parseFloat(s),
    ),
  ],
});

/** A tag or anchor (`!x`, `&a`), a directive (`%YAML`), an explicit key (`? k`), a complex key (`[a]: 1`). */
const DIFFERS = /(?:^|[\s[{,])[!&]|^%|^[ \t]*(?:-[ \t]+)*\?(?:[ \t]|$)|[[{,][ \t]*\?[ \t]|[\]}][ \t]*:(?:[ \t]|$)/m;

/** The document's value, or undefined when `yaml` must parse it. */
export function fastYaml(text: string): unknown {
  if (DIFFERS.test(text)) return undefined;
  try {
    return yaml.load(text, { schema: CORE_1_2 }) ?? undefined;
  } catch {
    return undefined;
  }
}
