/**
 * Every relative link and #anchor in README.md and docs/*.md leads somewhere: the file exists and,
 * for a Markdown page, has a heading with that anchor (as GitHub makes anchors). Moving text
 * between pages (issue 17) is where such links break silently.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { anchors, linkTargets, slug } from '../../../scripts/docs/markdown.js';
import { docPages, readDoc } from '../../support/docs.js';
import { ROOT } from '../../support/workspace.js';

/** What is wrong with each relative link of `page` (a path in the repository), given how to read pages. */
function brokenLinks(page: string, text: string, read: (file: string) => string | undefined): string[] {
  const problems: string[] = [];
  for (const target of linkTargets(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: — not ours to check here
    const [file, anchor] = target.split('#', 2) as [string, string | undefined];
    const resolved = file === '' ? page : path.posix.normalize(path.posix.join(path.posix.dirname(page), file));
    const content = read(resolved);
    if (content === undefined) {
      problems.push(`${page}: ${target}: ${resolved} does not exist`);
      continue;
    }
    if (anchor !== undefined && resolved.endsWith('.md') && !anchors(content).has(anchor)) {
      problems.push(`${page}: ${target}: ${resolved} has no heading with the anchor #${anchor}`);
    }
  }
  return problems;
}

function fromDisk(file: string): string | undefined {
  const full = path.join(ROOT, file);
  if (!fs.existsSync(full)) return undefined;
  return fs.statSync(full).isDirectory() ? '' : fs.readFileSync(full, 'utf8');
}

describe('links in the documentation', () => {
  it('are found: the README links into docs/ and docs/ has its pages', () => {
    const pages = docPages();
    for (const p of ['docs/configuration.md', 'docs/verification.md', 'docs/operations.md', 'docs/runbook.md', 'docs/json-output.md', 'docs/error-codes.md']) assert.ok(pages.includes(p), p);
    const readmeTargets = linkTargets(readDoc('README.md'));
    for (const p of pages.filter((p) => p !== 'README.md')) assert.ok(readmeTargets.includes(p), `README.md links to ${p}`);
  });

  for (const page of docPages()) {
    it(`every relative link and anchor of ${page} resolves`, () => {
      assert.deepEqual(brokenLinks(page, readDoc(page), fromDisk), []);
    });
  }

  const pages: Record<string, string> = {
    'docs/a.md': '# Page A\n\n## `acme.fallback[]`\n\n## Exit codes\n\n## Exit codes\n\n```sh\n# not a heading\n```\n',
  };
  const read = (f: string) => pages[f];
  const cases: [string, string, string[]][] = [
    ['a link to a heading of the same page resolves', '[x](#exit-codes)', []],
    ['a repeated heading gets -1, as on GitHub', '[x](#exit-codes-1)', []],
    ['code marks and brackets drop out of an anchor', '[`acme.fallback[]`](#acmefallback)', []],
    ['a missing anchor is reported', '[x](#exit-code)', ['docs/a.md: #exit-code: docs/a.md has no heading with the anchor #exit-code']],
    ['a comment in a code block is no heading', '[x](#not-a-heading)', ['docs/a.md: #not-a-heading: docs/a.md has no heading with the anchor #not-a-heading']],
    ['a missing file is reported', '[x](runbook.md)', ['docs/a.md: runbook.md: docs/runbook.md does not exist']],
    ['a path is taken from the page\'s folder', '[x](../docs/a.md#page-a)', []],
    ['an absolute URL is not checked here', '[x](https://example.com/#nothing)', []],
    ['a link inside a code block is none', '```\n[x](nowhere.md)\n```', []],
  ];
  for (const [name, link, expected] of cases) {
    it(name, () => assert.deepEqual(brokenLinks('docs/a.md', `${pages['docs/a.md']}\n${link}\n`, read), expected));
  }

  it('anchors are made as GitHub makes them', () => {
    assert.equal(slug('Quick start (fresh Debian machine)'), 'quick-start-fresh-debian-machine');
    assert.equal(slug('`certificates[].challenge`: dns-01 rfc2136'), 'certificateschallenge-dns-01-rfc2136');
    assert.equal(slug('Large configs (thousands of certificates)'), 'large-configs-thousands-of-certificates');
    assert.equal(slug('What "verified" means — and not'), 'what-verified-means--and-not');
  });
});
