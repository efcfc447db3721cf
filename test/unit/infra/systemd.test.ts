/**
 * infra/systemd, checked with systemd's own `systemd-analyze verify` (Debian package `systemd`,
 * installed by scripts/ensure-deps.sh), plus the settings certloop relies on.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CLI } from '../../support/cli.js';
import { ROOT, tempDir } from '../../support/workspace.js';
import { assertCliArgs } from './cli-args.js';

const DIR = path.join(ROOT, 'infra', 'systemd');

/** A unit file as section → key → values (keys may repeat). */
function unit(file: string): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  let section = '';
  for (const raw of fs.readFileSync(path.join(DIR, file), 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const s = /^\[(\w+)\]$/.exec(line);
    if (s) {
      section = s[1];
      out[section] ??= {};
      continue;
    }
    const kv = /^(\w+)=(.*)$/.exec(line);
    assert.ok(kv && section, `${file}: cannot parse "${line}"`);
    (out[section][kv[1]] ??= []).push(kv[2]);
  }
  return out;
}

describe('infra/systemd', () => {
  it('systemd-analyze verify accepts the service and the timer without a warning', () => {
    // verify wants ExecStart's program to exist: point it at the built CLI in a copy.
    const dir = tempDir('systemd-verify');
    try {
      const bin = path.join(dir, 'certloop');
      fs.writeFileSync(bin, `#!/bin/sh\nexec node ${CLI} "$@"\n`, { mode: 0o755 });
      const service = fs.readFileSync(path.join(DIR, 'certloop.service'), 'utf8').replace('/usr/local/bin/certloop', bin);
      fs.writeFileSync(path.join(dir, 'certloop.service'), service);
      fs.copyFileSync(path.join(DIR, 'certloop.timer'), path.join(dir, 'certloop.timer'));
      const r = spawnSync('systemd-analyze', ['verify', '--man=no', path.join(dir, 'certloop.service'), path.join(dir, 'certloop.timer')], { encoding: 'utf8' });
      if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
        assert.fail('systemd-analyze is missing: apt-get install -y systemd (scripts/ensure-deps.sh does this)');
      }
      // Unknown keys and bad values are only warnings (exit 0): any output at all fails the test.
      assert.equal(`${r.stdout}${r.stderr}`.trim(), '', 'systemd-analyze verify reported problems');
      assert.equal(r.status, 0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the service is a hardened one-shot run of a real certloop command', () => {
    const s = unit('certloop.service').Service;
    assert.deepEqual(s.Type, ['oneshot']);
    const [program, ...args] = s.ExecStart[0].split(/\s+/);
    assert.equal(path.basename(program), 'certloop');
    assert.equal(assertCliArgs(args, 'certloop.service ExecStart').command, 'run');
    const expect: Record<string, string> = {
      ProtectSystem: 'strict',
      PrivateTmp: 'yes',
      NoNewPrivileges: 'yes',
      ProtectHome: 'yes',
      StateDirectoryMode: '0700',
      UMask: '0077',
    };
    for (const [k, v] of Object.entries(expect)) assert.deepEqual(s[k], [v], k);
    assert.ok(s.User && s.User[0] !== 'root', 'not root');
    assert.ok(s.ReadWritePaths?.includes('/var/lib/certloop'), 'the state folder stays writable under ProtectSystem=strict');
    assert.equal(s.MemoryDenyWriteExecute, undefined, "Node's JIT needs W+X memory; MemoryDenyWriteExecute would crash it");
  });

  it('the timer fires twice a day at a randomized time and catches up after downtime', () => {
    const t = unit('certloop.timer');
    assert.ok(t.Timer.OnCalendar.length >= 1);
    assert.match(t.Timer.RandomizedDelaySec[0], /^\d+(h|min|s)?$/);
    assert.deepEqual(t.Timer.Persistent, ['yes']);
    assert.deepEqual(t.Install.WantedBy, ['timers.target']);
    const calendar = execFileSync('systemd-analyze', ['calendar', '--iterations=2', t.Timer.OnCalendar[0]], { encoding: 'utf8' });
    assert.match(calendar, /Iter\. #2/, 'two elapses a day');
  });
});
