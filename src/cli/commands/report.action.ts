/** `certloop report --html FILE`: the status page the daemon serves, written to a file (or stdout). */
import path from 'node:path';
import { CertloopError } from '../../errors.js';
import { renderStatusPage } from '../../report/html.js';
import { buildStatusModel } from '../../report/model.js';
import { writeFileAtomic } from '../../util/atomic-file.js';
import { EXIT, print, printJson, withContext, type GlobalOptions } from '../context.js';

export interface ReportOptions extends GlobalOptions {
  html?: string;
}

export async function reportCommand(opts: ReportOptions): Promise<number> {
  if (!opts.html) {
    throw new CertloopError('USAGE', 'say where to write the page: certloop report --html status.html (or --html - for stdout)', { retryable: false });
  }
  if (opts.html === '-' && opts.json) {
    // stdout cannot hold both the page and the JSON that --json promises there.
    throw new CertloopError('USAGE', '--html - writes the page to stdout, where --json writes JSON: write the page to a file (--html FILE --json) or leave out --json', { retryable: false });
  }
  return withContext(opts, async ({ config, store }) => {
    const model = await buildStatusModel(config, store, new Date());
    const html = renderStatusPage(model);
    if (opts.html === '-') {
      process.stdout.write(html);
      return EXIT.OK;
    }
    const file = path.resolve(opts.html!);
    // Atomic, so a web server or a browser reloading the file never sees half a page.
    // 0644: the page holds names, serials and messages, never key material.
    await writeFileAtomic(file, html, 0o644);
    const s = model.summary;
    if (opts.json) printJson({ file, generatedAt: model.generatedAt, summary: s });
    else print(`wrote ${file}: ${s.total} certificate(s), ${s.ready} ready, ${s.pending} pending, ${s.failed} failed, ${s.staleAddresses} stale address(es)`);
    return EXIT.OK;
  });
}
