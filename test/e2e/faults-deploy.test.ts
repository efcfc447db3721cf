/**
 * Faults an adversarial operator found (issue 16), against real Pebble and nginx on loopback and
 * real failures of the machine: an immutable file (chattr +i), a symbolic link into a root-only
 * file, a reload command that leaves children behind, a damaged state file, a state file deleted
 * under a running daemon, `verify` beside a `renew`, and configs `config check` used to pass.
 * (The service side of the issue, hung CAs and the daemon's HTTP, is in faults-service.test.ts.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { get, listeningOn, startDaemon, type Daemon } from '../support/daemon.js';
import { immutable } from '../support/faults.js';
import { cli, startLab, type CliResult, type Lab } from '../support/lab.js';
import { waitFor } from '../support/net.js';
import { processAlive } from '../support/processes.js';

describe('faults: deploys, reloads, state and config (issue 16)', () => {
  let lab: Lab;
  const undo: (() => void)[] = [];
  const daemons: Daemon[] = [];
  const leftPids: number[] = [];
  let firstSerial: string;
  before(async () => {
    lab = await startLab('faults-deploy');
    configWith(withChain);
    const first = await lab.run('run', '--json');
    assert.equal(first.code, 0, first.stderr);
    firstSerial = first.json.certificates[0].deployedSerial;
  });
  after(async () => {
    for (const u of undo.reverse()) u();
    for (const d of daemons) if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGKILL');
    for (const pid of leftPids) if (processAlive(pid)) process.kill(pid, 'SIGKILL');
    await lab?.stop();
  });

  const read = (f: string) => fs.readFileSync(f, 'utf8');
  const readIfThere = (f: string) => (fs.existsSync(f) ? read(f) : undefined);
  const live = () => path.dirname(lab.certFile);
  const chainFile = () => path.join(live(), 'chain.pem');

  async function served(): Promise<string> {
    const r = await cli(['verify', '--endpoint', `127.0.0.1:${lab.port}`, '--sni', 'a.test', '--json']);
    return r.json.endpoints[0].serial;
  }

  /** `nginx -t` with the lab's nginx.conf: does nginx accept the files on disk as they are? */
  function nginxTest(): { ok: boolean; output: string } {
    const [bin, ...args] = lab.nginx.reloadCommand;
    const r = spawnSync(bin, [...args.slice(0, -2), '-t'], { encoding: 'utf8' });
    return { ok: r.status === 0, output: r.stderr };
  }

  function pairMatches(cert: string, key: string): boolean {
    return new X509Certificate(read(cert)).checkPrivateKey(createPrivateKey(read(key)));
  }

  const serialOf = (file: string) => new X509Certificate(read(file)).serialNumber.replace(/^0+/, '');

  /** The lab's config with edits to its text (the lab writes the base). */
  function configWith(edit: (text: string) => string, reload?: string[]): void {
    lab.writeConfig(reload ? { reload } : {});
    fs.writeFileSync(lab.configFile, edit(read(lab.configFile)));
  }
  const withChain = (t: string) => t.replace('        key: ./live/web/privkey.pem\n', '        key: ./live/web/privkey.pem\n        chain: ./live/web/chain.pem\n');

  it('item 4: a file that cannot be replaced (chattr +i) leaves the old pair on disk, nginx -t passes, the old serial is served, *.prev untouched', async () => {
    const files = [lab.certFile, lab.keyFile, chainFile()];
    let servedBefore = firstSerial;
    const snapshot = () => files.flatMap((f) => [read(f), readIfThere(`${f}.prev`)]);
    // The certificate refuses to be replaced (the key used to be written first and stay), then
    // the chain (the last file: the certificate and key already replaced must be put back).
    for (const stuck of [lab.certFile, chainFile()]) {
      const before = snapshot();
      const release = immutable(stuck);
      undo.push(release);
      const r = await lab.run('renew', 'web', '--force', '--json');
      release();
      assert.equal(r.code, 1, r.stderr);
      const web = r.json.certificates[0];
      assert.equal(web.error.code, 'DEPLOY_FAILED');
      assert.ok(pairMatches(lab.certFile, lab.keyFile), 'the key on disk matches the certificate on disk');
      const t = nginxTest();
      assert.ok(t.ok, `nginx -t accepts the files: ${t.output}`);
      assert.deepEqual(snapshot(), before, `${path.basename(stuck)} immutable: every file and *.prev as before`);
      assert.match(web.error.message, /EPERM.*the files on disk are unchanged/);
      assert.equal(await served(), servedBefore, 'the old certificate is still served');

      // Writable again: the next run deploys the certificate it already has (no new order).
      const next = await lab.run('run', '--json');
      assert.equal(next.code, 0, next.stderr);
      assert.equal(next.json.certificates[0].renewed, false);
      assert.equal(next.json.certificates[0].deployedSerial, web.issuedSerial);
      assert.equal(next.json.certificates[0].verified, true, 'and nginx serves it');
      servedBefore = web.issuedSerial;
      assert.deepEqual([read(`${lab.certFile}.prev`), read(`${lab.keyFile}.prev`), read(`${chainFile()}.prev`)], [before[0], before[2], before[4]], '*.prev is the pair that was replaced');
      assert.ok(pairMatches(`${lab.certFile}.prev`, `${lab.keyFile}.prev`), 'the previous key matches the previous certificate');
    }
  });

  it('item 5: live files that are links (certbot layout, and one into a root-only file) are kept as links, never read through', async () => {
    configWith(withChain);
    // certbot's layout: live/ holds links into archive/. And chain.pem points at a root-only file.
    const archive = path.join(lab.dir, 'archive', 'web');
    fs.mkdirSync(archive, { recursive: true });
    const secretDir = path.join(lab.dir, 'root-only');
    fs.mkdirSync(secretDir, { mode: 0o700 });
    const secret = path.join(secretDir, 'secret.pem');
    fs.writeFileSync(secret, 'root-only secret material\n', { mode: 0o600 });
    const links: Record<string, string> = {
      [lab.certFile]: '../../archive/web/fullchain1.pem',
      [lab.keyFile]: '../../archive/web/privkey1.pem',
      [chainFile()]: secret,
    };
    fs.copyFileSync(lab.certFile, path.join(archive, 'fullchain1.pem'));
    fs.copyFileSync(lab.keyFile, path.join(archive, 'privkey1.pem'));
    fs.chmodSync(path.join(archive, 'privkey1.pem'), 0o600);
    const archived = fs.readdirSync(archive).map((f) => read(path.join(archive, f)));
    for (const [file, target] of Object.entries(links)) {
      fs.rmSync(file);
      fs.symlinkSync(target, file);
    }

    const r = await lab.run('renew', 'web', '--force', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await served(), r.json.certificates[0].issuedSerial);
    for (const [file, target] of Object.entries(links)) {
      assert.ok(fs.lstatSync(file).isFile(), `${path.basename(file)} is the new file, in place of the link`);
      assert.ok(fs.lstatSync(`${file}.prev`).isSymbolicLink(), `${path.basename(file)}.prev is the old link itself`);
      assert.equal(fs.readlinkSync(`${file}.prev`), target);
    }
    assert.equal(serialOf(lab.certFile), r.json.certificates[0].issuedSerial);
    assert.deepEqual(fs.readdirSync(archive).map((f) => read(path.join(archive, f))), archived, 'archive/ untouched');
    assert.equal(read(secret), 'root-only secret material\n');
    assert.equal(fs.statSync(secret).mode & 0o777, 0o600);
    for (const f of fs.readdirSync(live())) {
      const p = path.join(live(), f);
      if (fs.lstatSync(p).isFile()) assert.ok(!read(p).includes('root-only secret material'), `${f} holds a copy of the root-only file`);
    }
    // Back to plain files for the tests after this one.
    lab.writeConfig();
    for (const file of Object.keys(links)) fs.rmSync(`${file}.prev`);
    fs.rmSync(chainFile());
  });

  it('item 7: a reload timeout kills what the reload started; a reload that leaves a child running is not waited for', async () => {
    const pidFile = path.join(lab.dir, 'hung-reload.pid');
    configWith((t) => t.replace('        reload:', '        reloadTimeout: 1s\n        reload:'), ['sh', '-c', `sleep 30 & echo $! > ${pidFile}; wait`]);
    const hung = await cli(['-c', lab.configFile, 'renew', 'web', '--force', '--json'], { timeoutMs: 15_000 });
    assert.equal(hung.code, 1, `the run came back (before: after the 30 s sleep): ${hung.stderr}`);
    assert.equal(hung.json.certificates[0].error.code, 'RELOAD_FAILED');
    assert.match(hung.json.certificates[0].error.message, /did not finish within 1s and was killed/);
    const sleeper = Number(read(pidFile));
    leftPids.push(sleeper);
    await waitFor(() => !processAlive(sleeper), 3000, 'the reload\'s child to be killed with its process group');

    // `nginx -s reload`, then a child that keeps the reload's stdout and stderr open.
    const bgFile = path.join(lab.dir, 'background.pid');
    const reload = lab.nginx.reloadCommand.map((a) => `'${a}'`).join(' ');
    configWith((t) => t, ['sh', '-c', `${reload} && { sleep 30 & echo $! > ${bgFile}; }`]);
    const r = await cli(['-c', lab.configFile, 'run', '--json'], { timeoutMs: 15_000 });
    assert.equal(r.code, 0, `the run came back (before: after the 30 s sleep): ${r.stderr}`);
    assert.equal(r.json.certificates[0].deployedSerial, hung.json.certificates[0].issuedSerial);
    assert.equal(await served(), hung.json.certificates[0].issuedSerial);
    const background = Number(read(bgFile));
    leftPids.push(background);
    assert.ok(processAlive(background), 'what the reload left in the background is its business: not killed');
    lab.writeConfig();
  });

  it('item 9: a damaged, cut short, read-only or folder state file is STATE_FAILED naming the file, as JSON with --json, and config check warns', async () => {
    const good = path.join(lab.dir, 'certloop.db');
    const made: string[] = [];
    const kinds: [string, (file: string) => void, RegExp][] = [
      ['garbage', (f) => fs.writeFileSync(f, Buffer.alloc(8192, 0x5a)), /is not a certloop state file or is damaged/],
      ['cut short', (f) => {
        // Two pages and a bit are left: the schema, and none of the records' pages.
        fs.copyFileSync(good, f);
        fs.truncateSync(f, 8192 + 100);
      }, /is not a certloop state file or is damaged/],
      ['read-only (immutable)', (f) => {
        fs.copyFileSync(good, f);
        undo.push(immutable(f));
      }, /cannot be written/],
      ['a folder', (f) => fs.mkdirSync(f), /must name a file/],
    ];
    for (const [kind, make, why] of kinds) {
      const dir = path.join(lab.dir, `state-${kind.replace(/\W+/g, '-')}`);
      fs.mkdirSync(dir);
      made.push(dir);
      const file = path.join(dir, 'certloop.db');
      make(file);
      const config = path.join(lab.dir, `certloop-${path.basename(dir)}.yaml`);
      fs.writeFileSync(config, read(lab.configFile).replace('state: ./certloop.db', `state: ${file}`));
      // Every command that opens the state for writing; plan only reads (a read-only file is fine for it).
      const commands = kind === 'garbage' ? [['status'], ['run'], ['verify'], ['plan']] : [['run']];
      for (const args of commands) {
        const r: CliResult = await cli(['-c', config, ...args, '--json']);
        const what = `${kind} state, ${args[0]}: ${r.code} ${r.stdout} ${r.stderr}`;
        assert.equal(r.code, 1, what);
        assert.ok(r.json, `--json printed JSON: ${what}`);
        assert.equal(r.json.error.code, 'STATE_FAILED', what);
        assert.ok(r.json.error.message.includes(`state file ${file}`), what);
        assert.match(r.json.error.message, why, what);
        assert.match(r.stderr, /STATE_FAILED: state file/, what);
        assert.doesNotMatch(r.stderr, /unexpected error/, what);
      }
      const check = await cli(['-c', config, 'config', 'check', '--json']);
      assert.equal(check.code, 1, `config check warns about a ${kind} state file: ${check.stdout}`);
      assert.ok(check.json.warnings.some((w: string) => w.startsWith('state: ')), JSON.stringify(check.json.warnings));
    }
    // The lab's secrets check reads every state file left under it: these are not readable.
    for (const u of undo.splice(0)) u();
    for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('item 9: verify beside a renew always prints JSON and never fails on the renew\'s writes; the renew is not disturbed', async () => {
    const renew = lab.run('renew', 'web', '--force', '--json');
    let finished = false;
    void renew.then(() => (finished = true));
    const verifies: CliResult[] = [];
    while (!finished || verifies.length < 3) verifies.push(await lab.run('verify', '--json'));
    const r = await renew;
    assert.equal(r.code, 0, `the renew beside the verifies: ${r.stderr}`);
    for (const v of verifies) {
      assert.ok(v.json, `verify --json printed JSON: ${v.stdout} ${v.stderr}`);
      assert.equal(v.json.error, undefined, v.stdout);
      assert.ok(v.code === 0 || v.code === 1, v.stderr);
      assert.equal(v.json.certificates[0].name, 'web');
      assert.doesNotMatch(v.stderr, /changed underneath|unexpected error/);
    }
    assert.ok(verifies.some((v) => v.json.certificates[0].recorded === false) || verifies.every((v) => v.json.certificates[0].recorded), 'each says whether it recorded');
  });

  it('item 9: a state file deleted under a running daemon is written back (healthz stays 200); one replaced by another file makes /healthz 503', async () => {
    const state = path.join(lab.dir, 'certloop.db');
    const before = (await lab.run('status', '--json')).json.certificates[0].serials;
    const d = startDaemon(lab.configFile, ['--listen', '127.0.0.1:0', '--schedule', '0 0 1 1 *', '--verify-interval', '1h', '--no-initial-run']);
    daemons.push(d);
    const base = await listeningOn(d);
    await waitFor(async () => (await get(`${base}/healthz`).catch(() => ({ status: 0 }))).status === 200, 20_000, 'the daemon to answer /healthz');

    fs.rmSync(state);
    const h = await get(`${base}/healthz`);
    assert.equal(h.status, 200, h.body);
    assert.ok(fs.existsSync(state), 'the state file is back');
    assert.equal(fs.statSync(state).mode & 0o777, 0o600);
    assert.match(d.output(), /was deleted while certloop had it open; it was written again/);
    const after = await lab.run('status', '--json');
    assert.deepEqual(after.json.certificates[0].serials.deployed, before.deployed, 'with everything it held');

    // Another file put in its place (a restored backup): this process cannot use it.
    const copy = `${state}.copy`;
    fs.copyFileSync(state, copy);
    fs.renameSync(copy, state);
    const replaced = await get(`${base}/healthz`);
    assert.equal(replaced.status, 503);
    assert.match(replaced.body, /was replaced by another file .*restart certloop/);
    d.child.kill('SIGTERM');
    assert.equal((await d.exited).code, 0);
  });

  it('item 5: cert and key on one path, or a daemon port above 65535, stop at the config (exit 2), nothing written', async () => {
    const files = [lab.certFile, lab.keyFile].map(read);
    configWith((t) => t.replace('key: ./live/web/privkey.pem', 'key: ./live/web/fullchain.pem'));
    const check = await lab.run('config', 'check');
    assert.equal(check.code, 2);
    assert.match(check.stderr, /certificates\[0\]\.targets\[0\]\.key: .*fullchain\.pem is also written by certificates\[0\]\.targets\[0\]\.cert/);
    const renew = await lab.run('renew', 'web', '--force', '--json');
    assert.equal(renew.code, 2);
    assert.equal(renew.json.error.code, 'CONFIG_INVALID');
    assert.deepEqual([lab.certFile, lab.keyFile].map(read), files, 'the key was not overwritten with the certificate');

    configWith((t) => `${t}listen: 127.0.0.1:99999\n`);
    const daemon = await lab.run('daemon', '--no-initial-run');
    assert.equal(daemon.code, 2, daemon.stderr);
    assert.match(daemon.stderr, /listen: expected HOST:PORT with a port up to 65535/);
    lab.writeConfig();
  });
});
