/**
 * infra/kubernetes, checked offline: every object validates against the Kubernetes schemas
 * bundled in `kubernetes-models` (types, required fields, enums), then type-checks against the same
 * package's TypeScript interfaces, whose excess-property checks catch a misspelled field at any
 * depth (the JSON validators let unknown fields through, as the API server's non-strict mode
 * would — and then silently ignore them). On top: the settings certloop relies on, the CLI flags
 * in `args`, and the embedded certloop.yaml against certloop's own config schema.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { parseConfigText } from '../../../src/config/load.js';
import { parseShard } from '../../../src/controller/shard.js';
import { ROOT, tempDir } from '../../support/workspace.js';
import { assertCliArgs } from './cli-args.js';

const DIR = path.join(ROOT, 'infra', 'kubernetes');

/** apiVersion/kind → kubernetes-models module and interface. */
const MODELS: Record<string, { module: string; type: string }> = {
  'v1/Namespace': { module: 'kubernetes-models/v1/Namespace', type: 'INamespace' },
  'v1/ConfigMap': { module: 'kubernetes-models/v1/ConfigMap', type: 'IConfigMap' },
  'v1/Secret': { module: 'kubernetes-models/v1/Secret', type: 'ISecret' },
  'v1/ServiceAccount': { module: 'kubernetes-models/v1/ServiceAccount', type: 'IServiceAccount' },
  'v1/Service': { module: 'kubernetes-models/v1/Service', type: 'IService' },
  'batch/v1/CronJob': { module: 'kubernetes-models/batch/v1/CronJob', type: 'ICronJob' },
  'batch/v1/Job': { module: 'kubernetes-models/batch/v1/Job', type: 'IJob' },
  'apps/v1/Deployment': { module: 'kubernetes-models/apps/v1/Deployment', type: 'IDeployment' },
};

interface Manifest {
  file: string;
  index: number;
  object: any;
}

function manifests(): Manifest[] {
  const out: Manifest[] = [];
  for (const file of fs.readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort()) {
    const docs = parseAllDocuments(fs.readFileSync(path.join(DIR, file), 'utf8'));
    assert.ok(Array.isArray(docs), `${file}: not YAML`);
    docs.forEach((d, index) => {
      assert.deepEqual(d.errors.map((e) => e.message), [], `${file}: YAML errors`);
      out.push({ file, index, object: d.toJS() });
    });
  }
  return out;
}

function byKind(kind: string, name?: string): any[] {
  return manifests()
    .map((m) => m.object)
    .filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
}

function podSpecs(): { where: string; spec: any; labels: Record<string, string> }[] {
  const out: { where: string; spec: any; labels: Record<string, string> }[] = [];
  for (const cj of byKind('CronJob')) out.push({ where: `CronJob ${cj.metadata.name}`, spec: cj.spec.jobTemplate.spec.template.spec, labels: cj.spec.jobTemplate.spec.template.metadata.labels });
  for (const d of byKind('Deployment')) out.push({ where: `Deployment ${d.metadata.name}`, spec: d.spec.template.spec, labels: d.spec.template.metadata.labels });
  return out;
}

describe('infra/kubernetes', () => {
  let all: Manifest[];
  before(() => {
    all = manifests();
  });

  it('every object validates against the Kubernetes schemas', async () => {
    assert.ok(all.length >= 9, `expected the namespace, service account, config, secret, jobs and daemon; found ${all.length} objects`);
    for (const m of all) {
      const key = `${m.object.apiVersion}/${m.object.kind}`;
      const model = MODELS[key];
      assert.ok(model, `${m.file}: no schema mapping for ${key}`);
      const mod = await import(model.module);
      const Cls = mod[model.type.slice(1)];
      try {
        new Cls(m.object).validate();
      } catch (err) {
        assert.fail(`${m.file} (document ${m.index + 1}, ${key} ${m.object.metadata?.name}): ${(err as Error).message}`);
      }
    }
  });

  it('no object has a field Kubernetes does not know (a typo would be silently ignored)', () => {
    const dir = tempDir('k8s-typecheck');
    const file = path.join(dir, 'manifests.ts');
    const lines = all.map((m, i) => {
      const model = MODELS[`${m.object.apiVersion}/${m.object.kind}`];
      return `import type { ${model.type} as T${i} } from '${model.module}';\n// ${m.file} #${m.index + 1}\nexport const m${i}: T${i} = ${JSON.stringify(m.object, null, 1)};`;
    });
    fs.writeFileSync(file, lines.join('\n'));
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      types: [],
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const pos = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      const near = d.file && pos ? d.file.text.split('\n').slice(0, pos.line).reverse().find((l) => l.startsWith('// ')) : '';
      return `${near ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n').slice(-1)[0]}`;
    });
    fs.rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(problems, []);
  });

  it('kustomization.yaml lists every manifest in the folder', () => {
    const k = parseAllDocuments(fs.readFileSync(path.join(DIR, 'kustomization.yaml'), 'utf8'))[0].toJS() as { resources: string[]; namespace: string };
    const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
    assert.deepEqual([...k.resources].sort(), files);
    for (const m of all) if (m.object.kind !== 'Namespace') assert.equal(m.object.metadata.namespace, k.namespace, `${m.file}: namespace`);
  });

  it('the CronJob never overlaps itself and retries a failed run with back-off', () => {
    for (const cj of byKind('CronJob')) {
      assert.equal(cj.spec.concurrencyPolicy, 'Forbid', cj.metadata.name);
      assert.ok(cj.spec.jobTemplate.spec.backoffLimit >= 1, `${cj.metadata.name}: backoffLimit`);
      assert.ok(cj.spec.jobTemplate.spec.activeDeadlineSeconds > 0, `${cj.metadata.name}: a hung run must end`);
      assert.doesNotMatch(cj.spec.schedule, /^0 /, `${cj.metadata.name}: not at the top of the hour (Let's Encrypt asks clients to spread load)`);
    }
  });

  it('the Indexed Job has one pod per shard and each pod takes its shard from JOB_COMPLETION_INDEX', () => {
    const [cj] = byKind('CronJob', 'certloop-sharded');
    const job = cj.spec.jobTemplate.spec;
    assert.equal(job.completionMode, 'Indexed');
    assert.equal(job.parallelism, job.completions);
    const args: string[] = job.template.spec.containers[0].args;
    const { command, options } = assertCliArgs(args, 'indexed-job.yaml');
    assert.equal(command, 'run');
    assert.match(String(options.shard), /^auto\/\d+$/);
    // Every index Kubernetes hands out is a valid shard, and together they are all the shards.
    const seen = new Set<number>();
    for (let i = 0; i < job.completions; i++) seen.add(parseShard(String(options.shard), { JOB_COMPLETION_INDEX: String(i) }).index);
    assert.equal(seen.size, parseShard(String(options.shard), { JOB_COMPLETION_INDEX: '0' }).count, '--shard auto/N must have N equal to completions');
  });

  it('every container runs as non-root with a read-only root filesystem, no privilege escalation and no capabilities', () => {
    for (const { where, spec } of podSpecs()) {
      assert.equal(spec.securityContext.runAsNonRoot, true, where);
      assert.notEqual(spec.securityContext.runAsUser, 0, where);
      assert.equal(spec.securityContext.seccompProfile.type, 'RuntimeDefault', where);
      for (const c of spec.containers) {
        assert.equal(c.securityContext.readOnlyRootFilesystem, true, where);
        assert.equal(c.securityContext.allowPrivilegeEscalation, false, where);
        assert.deepEqual(c.securityContext.capabilities.drop, ['ALL'], where);
        const mounts = new Set(c.volumeMounts.map((v: { mountPath: string }) => v.mountPath));
        assert.ok(mounts.has('/tmp') && mounts.has('/var/lib/certloop'), `${where}: writable /tmp and state volume`);
      }
    }
  });

  it('pods use the Workload Identity service account, and the config and secrets are wired in', () => {
    const [sa] = byKind('ServiceAccount');
    assert.match(sa.metadata.annotations['azure.workload.identity/client-id'], /^[0-9a-f-]{36}$/);
    const configMaps = new Set(byKind('ConfigMap').map((c) => c.metadata.name));
    const secrets = new Set(byKind('Secret').map((s) => s.metadata.name));
    for (const { where, spec, labels } of podSpecs()) {
      assert.equal(spec.serviceAccountName, sa.metadata.name, where);
      assert.equal(labels['azure.workload.identity/use'], 'true', `${where}: the pod label the Workload Identity webhook looks for`);
      for (const v of spec.volumes.filter((v: any) => v.configMap)) assert.ok(configMaps.has(v.configMap.name), `${where}: ConfigMap ${v.configMap.name}`);
      for (const c of spec.containers) {
        for (const e of c.envFrom ?? []) assert.ok(secrets.has(e.secretRef.name), `${where}: Secret ${e.secretRef.name}`);
        const env = Object.fromEntries(c.env.map((e: { name: string; value: string }) => [e.name, e.value]));
        const configMount = c.volumeMounts.find((m: { name: string }) => spec.volumes.find((v: any) => v.name === m.name)?.configMap);
        assert.equal(env.CERTLOOP_CONFIG, `${configMount.mountPath}/certloop.yaml`, `${where}: CERTLOOP_CONFIG points into the mounted ConfigMap`);
      }
    }
  });

  it('every container command line is one the CLI accepts', () => {
    for (const { where, spec } of podSpecs()) for (const c of spec.containers) assertCliArgs(c.args, where);
  });

  it('the daemon is probed on /healthz and exposes /metrics on the port it is told to listen on', () => {
    const [d] = byKind('Deployment', 'certloop-daemon');
    const c = d.spec.template.spec.containers[0];
    assert.equal(c.args[0], 'daemon');
    const listen = c.args[c.args.indexOf('--listen') + 1];
    assert.match(listen, /^0\.0\.0\.0:\d+$/, 'the daemon must listen beyond loopback for the kubelet and Prometheus');
    const port = Number(listen.split(':')[1]);
    const metricsPort = c.ports.find((p: { name: string }) => p.name === 'metrics');
    assert.equal(metricsPort.containerPort, port);
    assert.equal(c.livenessProbe.httpGet.path, '/healthz');
    assert.equal(c.readinessProbe.httpGet.path, '/healthz');
    assert.equal(c.livenessProbe.httpGet.port, 'metrics');
    const [svc] = byKind('Service', 'certloop-metrics');
    assert.deepEqual(svc.spec.selector, d.spec.selector.matchLabels);
    assert.equal(svc.spec.ports[0].targetPort, 'metrics');
  });

  it('the embedded certloop.yaml is a valid certloop config once its ${env:...} values are set', () => {
    const [cm] = byKind('ConfigMap', 'certloop-config');
    const [secret] = byKind('Secret', 'certloop-env');
    const saved = { ...process.env };
    Object.assign(process.env, secret.stringData);
    try {
      const config = parseConfigText(cm.data['certloop.yaml'], '/etc/certloop/certloop.yaml');
      assert.equal(typeof config.state === 'object' && config.state.type, 'azure-blob', 'shared state, so the workloads can run side by side');
    } finally {
      process.env = saved;
    }
  });
});
