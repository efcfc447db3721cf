/**
 * Output for commands that print one entry per certificate, sized for 100,000 certificates: lines
 * are written in chunks (a write per line was ~1 s of `plan` over 100,000 certificates), and JSON
 * is written entry by entry instead of as one string of ~100 MB, byte for byte what
 * `printJson` prints.
 */
const CHUNK = 1 << 16;

export class ChunkedOutput {
  private parts: string[] = [];
  private size = 0;

  constructor(private readonly write: (s: string) => void = (s) => void process.stdout.write(s)) {}

  line(text = ''): void {
    this.parts.push(text, '\n');
    this.size += text.length + 1;
    if (this.size >= CHUNK) this.flush();
  }

  raw(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= CHUNK) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0) return;
    this.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}

/**
 * `JSON.stringify({...head, [key]: items}, null, 2)` plus a newline, written through `out` a batch
 * of items at a time. `key` comes last, as it does when it is the last property of the object printed.
 */
export function writeJsonWithList(out: ChunkedOutput, head: Record<string, unknown>, key: string, items: Iterable<unknown>): void {
  const start = JSON.stringify({ ...head, [key]: [] }, null, 2);
  // "...\n  "key": []\n}" → everything up to the "[", then the items, then "]\n}".
  const open = start.slice(0, start.lastIndexOf('[') + 1);
  out.raw(open);
  // A batch printed as {"key": [...]} holds its items exactly as they appear in the whole
  // ("\n    item,\n    item"): one stringify per batch instead of one per item plus re-indenting.
  const batchOpen = `{\n  ${JSON.stringify(key)}: [`.length;
  const batchClose = '\n  ]\n}'.length;
  let batch: unknown[] = [];
  let first = true;
  const flushBatch = () => {
    if (batch.length === 0) return;
    const text = JSON.stringify({ [key]: batch }, null, 2);
    out.raw(`${first ? '' : ','}${text.slice(batchOpen, text.length - batchClose)}`);
    first = false;
    batch = [];
  };
  for (const item of items) {
    batch.push(item);
    if (batch.length === JSON_BATCH) flushBatch();
  }
  flushBatch();
  out.raw(first ? ']\n}\n' : '\n  ]\n}\n');
  out.flush();
}

const JSON_BATCH = 100;
