/**
 * exec: runs the user's program for each TXT value, argv only (no shell, so a value can never
 * be interpreted as shell syntax):
 *
 *   COMMAND... present _acme-challenge.example.com <value>
 *   COMMAND... cleanup _acme-challenge.example.com <value>
 *
 * The same facts are in the environment (CERTLOOP_DNS_ACTION, CERTLOOP_DNS_NAME,
 * CERTLOOP_DNS_VALUE, CERTLOOP_DNS_IDENTIFIER, CERTLOOP_CERTIFICATE). Exit 0 means done; anything
 * else is a solver failure carrying the last lines of the program's stderr. The program must add
 * a value next to any others on the name, and remove only the value it is given.
 */
import { describeCommandFailure, runCommand } from '../../../src/util/run-command.js';
import { Dns01Solver, DnsProviderError, type TxtRecord, type TxtRecordProvider } from '../../../src/dns/solver.js';
import type { SolverFactory } from '../../../src/plugins.js';
import type { ExecDnsConfig } from './schema.js';

export class ExecDnsProvider implements TxtRecordProvider {
  readonly name = 'exec';

  constructor(
    private readonly config: ExecDnsConfig,
    private readonly certificate?: string,
  ) {}

  add(record: TxtRecord): Promise<void> {
    return this.run('present', record);
  }

  remove(record: TxtRecord): Promise<void> {
    return this.run('cleanup', record);
  }

  private async run(action: 'present' | 'cleanup', record: TxtRecord): Promise<void> {
    const argv = [...this.config.command, action, record.name, record.value];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CERTLOOP_DNS_ACTION: action,
      CERTLOOP_DNS_NAME: record.name,
      CERTLOOP_DNS_VALUE: record.value,
      CERTLOOP_DNS_IDENTIFIER: record.identifier,
      ...(this.certificate ? { CERTLOOP_CERTIFICATE: this.certificate } : {}),
    };
    let result;
    try {
      result = await runCommand(argv, { cwd: this.config.cwd, timeoutMs: this.config.timeout, env });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'not found (check command and cwd)' : code === 'EACCES' ? 'not executable' : String(code ?? err);
      throw new DnsProviderError(`cannot run \`${this.config.command[0]}\`: ${why}`, { retryable: false, cause: err });
    }
    if (result.code !== 0 || result.timedOut) {
      throw new DnsProviderError(describeCommandFailure(argv, result, this.config.timeout));
    }
  }
}

export const create: SolverFactory<ExecDnsConfig> = (config, certificate) => new Dns01Solver(new ExecDnsProvider(config, certificate), config, certificate);
