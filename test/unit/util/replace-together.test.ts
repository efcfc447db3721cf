/**
 * A target's files change together or not at all, with real failures: an immutable file (chattr
 * +i) refuses the rename of the second file after the first was replaced, and a full tmpfs
 * refuses the second temporary. Previous files are kept as *.prev without following a symbolic
 * link (issue 16, items 4 and 5). Needs root (chattr, mount), as npm test runs here.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { replaceFilesTogether } from '../../../src/util/replace-together.js';
import { tempDir } from '../../support/workspace.js';
import { immutable, smallTmpfs } from '../../support/faults.js';

const root = tempDir('replace-together');
const cleanups: (() => void)[] = [];
after(() => {
  for (const c of cleanups.reverse()) c();
  fs.rmSync(root, { recursive: true, force: true });
});

let n = 0;
/** A folder holding an old set (cert, key) and an older one as *.prev. */
function oldSet(dir = path.join(root, `set${++n}`)): { dir: string; cert: string; key: string } {
  fs.mkdirSync(dir, { recursive: true });
  const cert = path.join(dir, 'fullchain.pem');
  const key = path.join(dir, 'privkey.pem');
  fs.writeFileSync(cert, 'old cert');
  fs.writeFileSync(key, 'old key', { mode: 0o600 });
  fs.writeFileSync(`${cert}.prev`, 'older cert');
  fs.writeFileSync(`${key}.prev`, 'older key', { mode: 0o600 });
  return { dir, cert, key };
}

const read = (f: string) => fs.readFileSync(f, 'utf8');
const newSet = (s: { cert: string; key: string }) => [
  { file: s.cert, data: 'new cert', mode: 0o644 },
  { file: s.key, data: 'new key', mode: 0o600 },
];
/** Only the set and its *.prev: no temporaries or backups left behind. */
const names = (dir: string) => fs.readdirSync(dir).sort();

describe('replaceFilesTogether', () => {
  it('replaces every file and keeps the previous set as *.prev, modes kept', async () => {
    const s = oldSet();
    await replaceFilesTogether(newSet(s), { keepPrevious: true });
    assert.deepEqual([read(s.cert), read(s.key), read(`${s.cert}.prev`), read(`${s.key}.prev`)], ['new cert', 'new key', 'old cert', 'old key']);
    assert.equal(fs.statSync(s.key).mode & 0o777, 0o600);
    assert.equal(fs.statSync(`${s.key}.prev`).mode & 0o777, 0o600);
    assert.deepEqual(names(s.dir), ['fullchain.pem', 'fullchain.pem.prev', 'privkey.pem', 'privkey.pem.prev']);
  });

  it('puts the first file back when the second cannot be replaced (an immutable file), and leaves *.prev alone', async () => {
    const s = oldSet();
    // The key is written second here, as the certificate was written second before the fix.
    const files = newSet(s).reverse();
    cleanups.push(immutable(s.cert));
    await assert.rejects(replaceFilesTogether(files, { keepPrevious: true }), { code: 'EPERM' });
    assert.deepEqual([read(s.key), read(s.cert)], ['old key', 'old cert'], 'the old pair is on disk');
    assert.deepEqual([read(`${s.key}.prev`), read(`${s.cert}.prev`)], ['older key', 'older cert'], '*.prev still holds the previous pair');
    assert.deepEqual(names(s.dir), ['fullchain.pem', 'fullchain.pem.prev', 'privkey.pem', 'privkey.pem.prev']);
  });

  it('changes nothing when the disk fills up while the temporaries are written', async () => {
    const mount = smallTmpfs(path.join(root, 'full'), 64 * 1024);
    cleanups.push(mount.remove);
    const s = oldSet(mount.dir);
    // Leave less room than the two new files need: the first temporary fits, the second does not.
    mount.fillLeaving(4096);
    await assert.rejects(replaceFilesTogether([{ file: s.cert, data: 'c'.repeat(3000), mode: 0o644 }, { file: s.key, data: 'k'.repeat(3000), mode: 0o600 }], { keepPrevious: true }), { code: 'ENOSPC' });
    assert.deepEqual([read(s.cert), read(s.key), read(`${s.cert}.prev`), read(`${s.key}.prev`)], ['old cert', 'old key', 'older cert', 'older key']);
    assert.deepEqual(names(s.dir).filter((f) => f !== 'filler'), ['fullchain.pem', 'fullchain.pem.prev', 'privkey.pem', 'privkey.pem.prev']);
  });

  it('keeps a symbolic link as the link itself: what it points at is never read or written', async () => {
    const s = oldSet();
    const secret = path.join(root, `secret${n}.pem`);
    fs.writeFileSync(secret, 'root-only key material', { mode: 0o600 });
    const chain = path.join(s.dir, 'chain.pem');
    fs.symlinkSync(secret, chain);
    await replaceFilesTogether([...newSet(s), { file: chain, data: 'new chain', mode: 0o644 }], { keepPrevious: true });
    assert.equal(fs.lstatSync(chain).isFile(), true, 'the link is replaced by the new file');
    assert.equal(read(chain), 'new chain');
    assert.equal(fs.lstatSync(`${chain}.prev`).isSymbolicLink(), true, 'chain.pem.prev is the old link');
    assert.equal(fs.readlinkSync(`${chain}.prev`), secret);
    assert.equal(read(secret), 'root-only key material', 'the file it points at is untouched');
    assert.equal(fs.statSync(secret).mode & 0o777, 0o600);
    for (const f of fs.readdirSync(s.dir)) {
      const p = path.join(s.dir, f);
      if (!fs.lstatSync(p).isSymbolicLink()) assert.notEqual(read(p), 'root-only key material', `${f} holds a copy of the linked file`);
    }
  });

  it('keeps no *.prev of an older set for a file that did not exist before', async () => {
    const s = oldSet();
    const chain = path.join(s.dir, 'chain.pem');
    fs.writeFileSync(`${chain}.prev`, 'a chain from long ago');
    await replaceFilesTogether([...newSet(s), { file: chain, data: 'new chain', mode: 0o644 }], { keepPrevious: true });
    assert.equal(fs.existsSync(`${chain}.prev`), false, 'a *.prev not of the previous set would not match it');
  });

  it('refuses one path given twice and writes nothing', async () => {
    const s = oldSet();
    await assert.rejects(replaceFilesTogether([{ file: s.cert, data: 'new cert', mode: 0o644 }, { file: `${s.dir}/./fullchain.pem`, data: 'new key', mode: 0o600 }], { keepPrevious: true }), /given twice/);
    assert.equal(read(s.cert), 'old cert');
  });

  it('removes the temporaries a killed deploy left behind', async () => {
    const s = oldSet();
    fs.writeFileSync(path.join(s.dir, '.privkey.pem.0123456789ab.new'), 'half a key', { mode: 0o600 });
    fs.writeFileSync(path.join(s.dir, '.fullchain.pem.0123456789ab.old'), 'old cert');
    await replaceFilesTogether(newSet(s), { keepPrevious: false });
    assert.deepEqual(names(s.dir), ['fullchain.pem', 'fullchain.pem.prev', 'privkey.pem', 'privkey.pem.prev']);
    assert.equal(read(`${s.cert}.prev`), 'older cert', 'keepPrevious false leaves *.prev as it was');
  });
});
