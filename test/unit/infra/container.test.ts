/**
 * The container image, checked offline (no Docker engine here): the Dockerfile parses, builds in
 * stages, runs as a numeric non-root user, and its ENTRYPOINT/CMD are the CLI's real bin and
 * command; the runtime stage gets no dev dependency because nothing it ships imports one.
 * `npm run check:image` (scripts/check-image.sh, not part of `npm test`) builds and runs it for real.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Arg, DockerfileParser, type Instruction } from 'dockerfile-ast';
import { ROOT } from '../../support/workspace.js';
import { assertCliArgs } from './cli-args.js';

const FILE = path.join(ROOT, 'infra', 'container', 'Dockerfile');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

/** The ARGs declared before the first FROM, with their defaults: the only ones FROM may use. */
function globalArgs(): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const ins of DockerfileParser.parse(fs.readFileSync(FILE, 'utf8')).getInstructions()) {
    if (ins.getKeyword() === 'FROM') break;
    assert.ok(ins instanceof Arg, `${ins.getKeyword()} before FROM (only ARG may come first)`);
    const prop = ins.getProperty()!;
    out.set(prop.getName(), prop.getValue());
  }
  return out;
}

function stages() {
  const df = DockerfileParser.parse(fs.readFileSync(FILE, 'utf8'));
  const args = globalArgs();
  const out: { name: string; from: string; image: string; instructions: Instruction[] }[] = [];
  for (const ins of df.getInstructions()) {
    if (ins.getKeyword() === 'FROM') {
      const words = ins.getArguments().map((a) => a.getValue());
      const image = words[0].replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a: string | undefined, b: string | undefined) => {
        const value = args.get((a ?? b)!);
        assert.ok(value, `FROM ${words[0]}: ARG ${a ?? b} is not declared with a default before the first FROM`);
        return value;
      });
      out.push({ name: words[2] ?? String(out.length), from: words[0], image, instructions: [] });
    } else if (out.length > 0) {
      out[out.length - 1].instructions.push(ins);
    }
  }
  return out;
}

function jsonForm(ins: Instruction | undefined, what: string): string[] {
  assert.ok(ins, `the runtime stage has no ${what}`);
  const text = ins.getArgumentsContent() ?? '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    assert.fail(`${what} must use the exec (JSON) form so signals reach node, got: ${text}`);
  }
  assert.ok(Array.isArray(parsed) && parsed.every((s) => typeof s === 'string'), `${what}: expected a JSON list of strings`);
  return parsed as string[];
}

/** Bare module names imported anywhere in the compiled code that ships. */
function importedPackages(dir: string, found = new Set<string>()): Set<string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) importedPackages(p, found);
    else if (p.endsWith('.js')) {
      const src = fs.readFileSync(p, 'utf8');
      for (const m of src.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]([^'"./][^'"]*)['"]/g)) {
        const spec = m[1];
        if (spec.startsWith('node:') || builtinModules.includes(spec)) continue;
        found.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
      }
    }
  }
  return found;
}

describe('infra/container/Dockerfile', () => {
  it('builds in two stages and the runtime stage copies only from the build stage', () => {
    const s = stages();
    assert.deepEqual(s.map((x) => x.name), ['build', 'runtime']);
    const engines = Number(/\d+/.exec(pkg.engines.node)![0]);
    for (const stage of s) {
      const major = Number(/^node:(\d+)/.exec(stage.image)?.[1]);
      assert.ok(major >= engines, `${stage.name}: base image ${stage.image} is older than engines.node ${pkg.engines.node}`);
    }
    const runtime = s[1];
    for (const copy of runtime.instructions.filter((i) => i.getKeyword() === 'COPY')) {
      assert.match(copy.getTextContent(), /--from=build\b/, `runtime COPY without --from=build: ${copy.getTextContent()}`);
    }
    assert.ok(!runtime.instructions.some((i) => i.getKeyword() === 'RUN' && /npm (ci|install)|yarn|pnpm/.test(i.getTextContent())), 'the runtime stage installs nothing from npm');
  });

  it('both stages start from one substitutable base whose default is the official Node image', () => {
    const s = stages();
    const [arg] = [...globalArgs().keys()];
    assert.ok(arg, 'declare the base as a global ARG so a mirror or a local stand-in can replace it (scripts/check-image.sh)');
    assert.deepEqual(s.map((x) => x.from), [`\${${arg}}`, `\${${arg}}`], 'both stages build FROM the same ARG: builder and runtime share one libc and one Node ABI');
    assert.match(s[0].image, /^node:\d+-bookworm-slim$/, 'the default base stays the official node image');
    const script = fs.readFileSync(path.join(ROOT, 'scripts', 'check-image.sh'), 'utf8');
    assert.match(script, new RegExp(`--build-arg "${arg}=`), `scripts/check-image.sh substitutes its local base through --build-arg ${arg}`);
  });

  it('documents its probes instead of one HEALTHCHECK for both the one-shot run and the daemon', () => {
    const runtime = stages()[1];
    assert.ok(!runtime.instructions.some((i) => i.getKeyword() === 'HEALTHCHECK'), 'a HEALTHCHECK fails every one-shot `run` container or misses the daemon\'s --listen port');
    const text = fs.readFileSync(FILE, 'utf8');
    assert.match(text, /exit code is its health/, 'the Dockerfile says how `run` reports health');
    assert.match(text, /GET \/healthz/, 'the Dockerfile names the daemon\'s probe');
    const daemon = fs.readFileSync(path.join(ROOT, 'infra', 'kubernetes', 'daemon.yaml'), 'utf8');
    assert.match(daemon, /livenessProbe:\s*\n\s*httpGet: \{ path: \/healthz/, 'the daemon manifest probes /healthz');
  });

  it('the build stage removes dev dependencies before the runtime stage copies node_modules', () => {
    const build = stages()[0];
    assert.ok(build.instructions.some((i) => i.getKeyword() === 'RUN' && /npm prune --omit=dev/.test(i.getTextContent())));
  });

  it('nothing the image ships imports a dev dependency (so pruning them cannot break it)', () => {
    const deps = new Set(Object.keys(pkg.dependencies));
    const used = new Set([...importedPackages(path.join(ROOT, 'dist', 'src')), ...importedPackages(path.join(ROOT, 'dist', 'providers'))]);
    assert.ok(used.size > 5, 'expected to find the imports of the compiled code (is dist/ built?)');
    const missing = [...used].filter((p) => !deps.has(p));
    assert.deepEqual(missing, [], `imported by dist/src or dist/providers but not in package.json dependencies: ${missing.join(', ')}`);
  });

  it('runs as a numeric non-root user, with state on a volume and no secrets baked in', () => {
    const runtime = stages()[1];
    const users = runtime.instructions.filter((i) => i.getKeyword() === 'USER');
    assert.equal(users.length, 1);
    const [uid, gid] = users[0].getArgumentsContent()!.split(':');
    assert.match(uid, /^\d+$/, 'numeric UID, so Kubernetes runAsNonRoot can check it');
    assert.notEqual(Number(uid), 0);
    assert.notEqual(Number(gid ?? 1), 0);
    const volume = jsonForm(runtime.instructions.find((i) => i.getKeyword() === 'VOLUME'), 'VOLUME');
    assert.deepEqual(volume, ['/var/lib/certloop']);
    for (const env of runtime.instructions.filter((i) => i.getKeyword() === 'ENV' || i.getKeyword() === 'ARG')) {
      assert.doesNotMatch(env.getTextContent(), /secret|password|key=|token|connection/i, 'no credentials in the image');
    }
  });

  it('ENTRYPOINT is the package bin and CMD is a real certloop command line', () => {
    const runtime = stages()[1];
    const entry = jsonForm(runtime.instructions.find((i) => i.getKeyword() === 'ENTRYPOINT'), 'ENTRYPOINT');
    assert.equal(entry[0], 'node');
    assert.equal(entry[1], path.posix.join('/app', pkg.bin.certloop), 'ENTRYPOINT runs package.json bin.certloop from WORKDIR /app');
    const workdir = runtime.instructions.find((i) => i.getKeyword() === 'WORKDIR')?.getArgumentsContent();
    assert.equal(workdir, '/app');
    // The file the entrypoint names is one the runtime stage copies.
    assert.ok(runtime.instructions.some((i) => i.getKeyword() === 'COPY' && i.getTextContent().includes('/src/dist/src ./dist/src')));
    assert.ok(fs.existsSync(path.join(ROOT, pkg.bin.certloop)), 'the bin exists after the build');
    const cmd = jsonForm(runtime.instructions.find((i) => i.getKeyword() === 'CMD'), 'CMD');
    assert.equal(assertCliArgs(cmd, 'Dockerfile CMD').command, 'run');
  });

  it('everything package.json "files" ships at run time is in the image', () => {
    const runtime = stages()[1].instructions.filter((i) => i.getKeyword() === 'COPY').map((i) => i.getTextContent());
    // README.md and docs/ are for readers of the package, not needed at run time.
    const shipped = (pkg.files as string[]).filter((f) => f !== 'README.md' && f !== 'docs' && fs.existsSync(path.join(ROOT, f.startsWith('dist/') ? f.replace(/^dist\//, '') : f)));
    assert.ok(shipped.includes('dist/src'));
    for (const f of shipped) {
      assert.ok(runtime.some((c) => c.includes(`/src/${f} ./${f}`)), `package.json files lists ${f} but the runtime stage does not copy it (add COPY --from=build /src/${f} ./${f}, and COPY it in the build stage)`);
    }
  });

  it('the build context sends only what the build stage copies', () => {
    const ignore = fs.readFileSync(`${FILE}.dockerignore`, 'utf8');
    assert.match(ignore, /^\*$/m, 'deny by default: no node_modules, dist, state or test artifacts in the context');
    const copied = stages()[0].instructions
      .filter((i) => i.getKeyword() === 'COPY')
      .flatMap((i) => i.getArguments().slice(0, -1).map((a) => a.getValue()));
    for (const src of copied) {
      assert.ok(fs.existsSync(path.join(ROOT, src)), `COPY ${src}: not in the repository`);
      assert.match(ignore, new RegExp(`^!${src.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(/\\*\\*)?$`, 'm'), `${src} is excluded from the build context`);
    }
  });
});
