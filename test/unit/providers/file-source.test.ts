/** The `file` watch source (providers/sources/file): what an inventory line becomes, and what fails it. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseInventory } from '../../../providers/sources/file/index.js';
import { createWatchSource } from '../../../providers/registry.js';
import { CertloopError } from '../../../src/errors.js';

const hosts = (text: string) => parseInventory(text, 'inv.txt', 443).map((e) => `${e.host} ${e.port}`);

describe('file watch source', () => {
  const cases: [string, string, string[]][] = [
    ['a name without a port gets the default port', 'www.example.com\n', ['www.example.com 443']],
    ['a port after the name wins', 'api.example.com:8443', ['api.example.com 8443']],
    ['comments and blank lines are passed over', '# inventory\n\n  a.example.com  # old\n', ['a.example.com 443']],
    ['a CSV counts by its first column, after a header row', 'host,owner\nb.example.com:444,web\n"c.example.com",db\n', ['b.example.com 444', 'c.example.com 443']],
    ['IPv4 and IPv6 addresses, bracketed with a port or bare', '10.0.0.7:8443\n[2001:db8::1]:443\n2001:db8::2\n', ['10.0.0.7 8443', '2001:db8::1 443', '2001:db8::2 443']],
    ['names are lower-cased and lose a trailing dot', 'WWW.Example.COM.\n', ['www.example.com 443']],
    ['a single-label internal name is a name', 'intranet:8443', ['intranet 8443']],
  ];
  for (const [name, text, want] of cases) it(name, () => assert.deepEqual(hosts(text), want));

  const bad: [string, string, RegExp][] = [
    ['a line with spaces in it names file and line', 'a.example.com\nnot a host\n', /inv\.txt:2: "not a host" is not host\[:port\]/],
    ['a port out of range', 'a.example.com:70000', /inv\.txt:1: "a\.example\.com:70000"/],
    ['brackets around something that is no IPv6 address', '[a.example.com]:443', /inv\.txt:1/],
  ];
  for (const [name, text, message] of bad) {
    it(name, () => assert.throws(() => parseInventory(text, 'inv.txt', 443), (e: unknown) => e instanceof CertloopError && e.code === 'SOURCE_FAILED' && message.test(e.message)));
  }

  it('every endpoint says where it came from, and an unreadable file fails the source', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certloop-file-source-'));
    const file = path.join(dir, 'inventory.txt');
    fs.writeFileSync(file, 'a.example.com\n');
    const source = await createWatchSource({ type: 'file', path: file, port: 443 });
    assert.equal(source.id, `file:${file}`);
    const log = { debug() {} } as never;
    assert.deepEqual(await source.list({ signal: new AbortController().signal, log }), [{ host: 'a.example.com', port: 443, origin: `file ${file}, line 1` }]);
    fs.rmSync(dir, { recursive: true });
    await assert.rejects(source.list({ signal: new AbortController().signal, log }), (e: unknown) => e instanceof CertloopError && e.code === 'SOURCE_FAILED' && /cannot read it \(ENOENT\)/.test(e.message));
  });
});
