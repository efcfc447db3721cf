/**
 * `certloop config check`: load the configuration exactly as `run` does, then print it resolved
 * (defaults applied, paths absolute) with secrets masked, plus what would fail at run time even
 * though the file is well-formed (an unreadable caBundle, a reload program that is not installed,
 * a `state:` file that is a folder, damaged or read-only), and an ACME profile the CA does not offer
 * when the directory can be read (check-profiles.ts).
 * `certloop config schema`: the JSON Schema for editors, from the same zod schema.
 */
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { defaultConfigPath, loadConfig, type LoadedConfig } from '../../config/load.js';
import { configJsonSchema } from '../../config/json-schema.js';
import { maskedConfig } from '../../config/mask.js';
import { sqlitePath } from '../../state/config.js';
import { stateFileProblem } from '../../state/file-check.js';
import { ConfigError } from '../../errors.js';
import { checkProfiles } from '../check-profiles.js';
import { EXIT, print, printJson, type GlobalOptions } from '../context.js';

export async function configCheckCommand(opts: GlobalOptions): Promise<number> {
  // A ConfigError propagates: main prints every problem with file:line:column and exits 2.
  const config = loadConfig(defaultConfigPath(opts.config));
  // A profile the CA does not offer is as invalid as a misspelt field: exit 2 with its location.
  const profiles = await checkProfiles(config);
  if (profiles.problems.length > 0) throw new ConfigError(profiles.problems);
  const warnings = runtimeWarnings(config);
  const shown = maskedConfig(config);
  if (opts.json) {
    const { problems: _none, ...profileReport } = profiles;
    printJson({ file: config.file, valid: true, warnings, profiles: profileReport, config: shown });
  } else {
    for (const n of profiles.notes) process.stderr.write(`certloop: note: ${n}\n`);
    print(`# ${config.file}: valid, ${config.certificates.length} certificate(s); defaults applied, paths absolute, durations in ms, secrets shown as ********`);
    process.stdout.write(stringify(shown, { lineWidth: 0 }));
    for (const w of warnings) process.stderr.write(`certloop: warning: ${w}\n`);
  }
  return warnings.length > 0 ? EXIT.FAILED : EXIT.OK;
}

export async function configSchemaCommand(): Promise<number> {
  printJson(configJsonSchema());
  return EXIT.OK;
}

/** Well-formed but certain to fail when it is used: say so now rather than at 3 a.m. */
function runtimeWarnings(config: LoadedConfig): string[] {
  const out: string[] = [];
  const readable = (file: string | undefined, field: string) => {
    if (!file) return;
    try {
      fs.accessSync(file, fs.constants.R_OK);
    } catch (err) {
      out.push(`${field}: cannot read ${file} (${(err as NodeJS.ErrnoException).code})`);
    }
  };
  const stateFile = sqlitePath(config.state);
  const stateProblem = stateFile === undefined ? undefined : stateFileProblem(stateFile);
  if (stateProblem) out.push(`state: ${stateProblem}`);
  readable(config.acme.caBundle, 'acme.caBundle');
  config.acme.fallback.forEach((f, i) => readable(f.caBundle, `acme.fallback[${i}].caBundle`));
  config.certificates.forEach((c, i) => {
    readable(c.verify.trust, `certificates[${i}].verify.trust`);
    (c.targets ?? []).forEach((t, j) => {
      const reload = (t as { reload?: string[] }).reload;
      if (reload && !findProgram(reload[0], config.baseDir)) {
        out.push(`certificates[${i}].targets[${j}].reload: program "${reload[0]}" not found (on PATH or relative to ${config.baseDir})`);
      }
    });
  });
  return out;
}

function findProgram(program: string, baseDir: string): boolean {
  if (program.includes('/')) return isExecutable(path.resolve(baseDir, program));
  const dirs = (process.env.PATH ?? '').split(path.delimiter).concat(['/usr/sbin', '/sbin']);
  return dirs.some((d) => d && isExecutable(path.join(d, program)));
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
