// Replaces dist/src/cli/bin.js (tsc's output) by one file holding certloop's own modules, with a
// chunk per lazily imported part beside it. Node 20 resolves, reads and links each ES module
// separately: for the ~80 modules of a quiet run that was a tenth of its time (bench/idle).
// Packages stay in node_modules, untouched; the file keeps its path and its depth under dist/,
// so paths found from import.meta.url (policies/, the probe worker) are the same. Unit tests
// import the unbundled modules; the end-to-end tests run this file.
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const dir = 'dist/src/cli';
// Chunks of an earlier build have other hashes: remove them so none is left behind.
for (const f of fs.readdirSync(dir)) if (/^chunk-.*\.js(\.map)?$/.test(f)) fs.rmSync(path.join(dir, f));

await build({
  entryPoints: ['dist/src/cli/bin.js'],
  outdir: dir,
  allowOverwrite: true,
  bundle: true,
  splitting: true,
  chunkNames: 'chunk-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // Maps through tsc's own maps back to the TypeScript sources.
  sourcemap: true,
  logLevel: 'warning',
});
