/**
 * The near-expiry fire drill end to end: the built CLI, real Pebble as production and staging CA
 * (the same directory, as the README advises for Pebble), real nginx as the endpoint.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writePlaceholder } from '../support/nginx.js';
import { closedPort } from '../support/tls-servers.js';
import { startLab, type CliResult, type Lab } from '../support/lab.js';

function checksums(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir).sort()) out[f] = createHash('sha256').update(fs.readFileSync(path.join(dir, f))).digest('hex');
  return out;
}

type Step = { step: string; status: string; message: string };
const step = (r: CliResult, name: string): Step[] => r.json.certificates[0].steps.filter((s: Step) => s.step === name);

describe('certloop drill', () => {
  let lab: Lab;
  let baseConfig: string;
  const configure = (o: { staging?: string; certDir?: string } = {}) => {
    let text = baseConfig.replace(/(  caBundle: .*\n)/, `$1  staging: ${o.staging ?? lab.pebble.directory}\n`);
    if (o.certDir) text = text.replace('./live/web/fullchain.pem', `${o.certDir}/fullchain.pem`).replace('./live/web/privkey.pem', `${o.certDir}/privkey.pem`);
    fs.writeFileSync(lab.configFile, text);
  };

  before(async () => {
    lab = await startLab('drill');
    baseConfig = fs.readFileSync(lab.configFile, 'utf8');
    configure();
    const r = await lab.run('run', '--json');
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await lab?.stop();
  });

  it('passes on a healthy setup without touching production files or state', async () => {
    const liveDir = path.dirname(lab.certFile);
    const before = checksums(liveDir);
    const status = (await lab.run('status', '--json')).json.certificates[0];

    const r = await lab.run('drill', '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = r.json.certificates[0];
    assert.equal(report.passed, true);
    assert.deepEqual(report.steps.map((s: Step) => `${s.step}:${s.status}`), ['schedule:pass', 'staging:pass', 'issue:pass', 'check:pass', 'deploy:pass', 'cleanup:pass', 'endpoints:pass']);
    assert.match(step(r, 'schedule')[0].message, /renews: .*\[fraction\]/);
    assert.ok(Date.parse(report.at) > Date.now() + 365 * 86_400_000, 'the clock was set to the renewal time of the 5-year Pebble certificate');
    assert.match(step(r, 'deploy')[0].message, /fullchain\.pem\.drill.*reload not run/);
    assert.notEqual(report.drillSerial, status.serials.issued);
    assert.equal(report.deployedSerial, status.serials.deployed);

    assert.deepEqual(checksums(liveDir), before, 'production files untouched, no drill copies left');
    const after = (await lab.run('status', '--json')).json.certificates[0];
    assert.deepEqual(after.serials, status.serials, 'state untouched');
    // Recorded like the daemon's scheduled drills, so status shows the last drill either way.
    assert.equal(after.lastDrill.passed, true);
    assert.equal(after.lastDrill.trigger, 'manual');
    assert.equal(after.lastDrill.failedStep, null);
    assert.ok(Date.now() - Date.parse(after.lastDrill.at) < 60_000);
  });

  it('fails clearly when the target folder cannot be written', async () => {
    // Tests run as root, which chmod does not stop: a folder path running through a regular file does.
    const blocker = path.join(lab.dir, 'not-a-folder');
    fs.writeFileSync(blocker, 'a file where the target folder should be');
    configure({ certDir: './not-a-folder/web' });
    try {
      const r = await lab.run('drill');
      assert.equal(r.code, 1);
      assert.match(r.stdout, /FAILED +web/);
      assert.match(r.stdout, /FAIL +deploy +cannot write drill copies .*not-a-folder\/web\/fullchain\.pem\.drill.*: ENOTDIR/);
      assert.match(r.stdout, /pass +issue/, 'renewal itself works');
      const { lastDrill } = (await lab.run('status', '--json')).json.certificates[0];
      assert.equal(lastDrill.passed, false);
      assert.equal(lastDrill.failedStep, 'deploy');
      assert.match(lastDrill.reason, /ENOTDIR/);
      assert.deepEqual(lastDrill.failedSteps, ['deploy', 'cleanup']);
    } finally {
      configure();
    }
  });

  it('fails clearly when the challenge port is taken', async () => {
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(lab.pebble.httpPort, '127.0.0.1', resolve));
    try {
      const r = await lab.run('drill', '--json');
      assert.equal(r.code, 1);
      const [issue] = step(r, 'issue');
      assert.equal(issue.status, 'fail');
      assert.match(issue.message, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${lab.pebble.httpPort}: another program already listens there`));
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  });

  it('fails clearly when the staging ACME directory is unreachable', async () => {
    configure({ staging: `https://127.0.0.1:${await closedPort()}/dir` });
    try {
      const r = await lab.run('drill', '--json');
      assert.equal(r.code, 1);
      const [staging] = step(r, 'staging');
      assert.equal(staging.status, 'fail');
      assert.match(staging.message, /cannot reach the staging directory https:\/\/127\.0\.0\.1:\d+\/dir: ECONNREFUSED/);
      assert.equal(step(r, 'issue')[0].status, 'skip');
      assert.equal(step(r, 'endpoints')[0].status, 'pass', 'the endpoint check still runs');
    } finally {
      configure();
    }
  });

  it('fails clearly when an endpoint serves something other than the deployed serial', async () => {
    writePlaceholder(lab.certFile, lab.keyFile, 'someone-else.invalid');
    const reload = spawnSync(lab.nginx.reloadCommand[0], lab.nginx.reloadCommand.slice(1));
    assert.equal(reload.status, 0);
    const r = await lab.run('drill', '--json');
    assert.equal(r.code, 1);
    const [endpoints] = step(r, 'endpoints');
    assert.equal(endpoints.status, 'fail');
    assert.match(endpoints.message, new RegExp(`0 of 1 serve ${r.json.certificates[0].deployedSerial}; 127\\.0\\.0\\.1 .* serves [0-9A-F]+ \\(expected the last deployed serial\\)`));
    assert.equal(step(r, 'issue')[0].status, 'pass', 'renewal itself would still work');
  });
});
