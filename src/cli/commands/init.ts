/** `certloop init`: write a commented starter certloop.yaml (init.action.ts). */
import type { Command } from 'commander';
import { act, EXIT_CODES_HELP, collect, globalOptions, type CliInvocation } from '../command.js';

export function register(program: Command, cli: CliInvocation): void {
  program
    .command('init')
    .description('write a commented starter certloop.yaml (and certloop.schema.json for editors); never overwrites')
    .option('--domain <name>', 'a DNS name for the certificate (repeatable; the first is the CN)', collect)
    .option('--email <address>', 'ACME account contact')
    .option('--name <name>', 'certificate name (default: the first domain)')
    .option('--directory <url>', 'ACME directory URL or alias (letsencrypt, letsencrypt-staging)', 'letsencrypt')
    .option('--webroot <dir>', 'http-01 through your web server: write challenge files under DIR')
    .option('--standalone [host:port]', 'http-01 answered by certloop itself (default 0.0.0.0:80)')
    .option('--nginx', 'reload nginx after deploying and verify every domain on port 443')
    .addHelpText(
      'after',
      `
Writes -c FILE (default ./certloop.yaml) and certloop.schema.json beside it. Refuses (exit 2) when
the file exists. The file is checked with the real loader before it is written.

Examples:
  certloop init --domain example.com --domain www.example.com --email ops@example.com --webroot /var/www/html --nginx
  certloop init -c /etc/certloop/certloop.yaml --domain api.example.com --standalone 0.0.0.0:80
${EXIT_CODES_HELP}`,
    )
    .action(act(cli, async (o: Record<string, unknown>, cmd: Command) => {
      const { initCommand } = await import('./init.action.js');
      return initCommand({ ...globalOptions(cli, cmd), ...o });
    }));
}
