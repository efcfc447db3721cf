/**
 * Configs written as JSON (JSON is YAML, so certloop.yaml may hold JSON) are parsed with
 * JSON.parse: for 100,000 certificates that is ~0.4 s and ~200 MB where the position-keeping YAML
 * parser takes ~35 s and ~2.7 GB (bench/RESULTS.md). Positions are only needed for error messages,
 * so they are found afterwards, on demand, by walking the text to the field that is wrong.
 */

/** The value of `text` when it is a JSON object, else undefined (then the YAML parser reports why). */
export function parseJsonObject(text: string): { value: Record<string, unknown> } | undefined {
  let i = 0;
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  if (text[i] !== '{') return undefined;
  try {
    const value: unknown = JSON.parse(i === 0 ? text : text.slice(i));
    return value && typeof value === 'object' && !Array.isArray(value) ? { value: value as Record<string, unknown> } : undefined;
  } catch {
    return undefined;
  }
}

/** Whether UTF-8 bytes start like a JSON object (after a BOM and white space); JSON.parse decides the rest. */
export function parseableAsJsonObject(bytes: Uint8Array): boolean {
  const scan = new JsonScanner(bytes);
  return bytes[scan.start()] === OPEN_OBJECT;
}

export interface Position {
  line: number;
  col: number;
}

/**
 * Finds where a field path is in a JSON text, 1-based line and column of its value, walking down
 * as far as the document goes (a missing field is reported at its parent, as for YAML). Array
 * element offsets are remembered, so many errors in a long `certificates` list cost one pass.
 */
export function jsonPositions(text: string): (keys: (string | number)[]) => Position | undefined {
  const bytes = Buffer.from(text, 'utf8');
  const scan = new JsonScanner(bytes);
  const elements = new Map<number, number[]>();
  let lineStarts: number[] | undefined;

  const toPosition = (offset: number): Position => {
    if (!lineStarts) {
      lineStarts = [0];
      for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, i + 1)) lineStarts.push(i + 1);
    }
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    // Offsets are in bytes; the column counts characters, as YAML's does.
    return { line: lo + 1, col: bytes.toString('utf8', lineStarts[lo], offset).length + 1 };
  };
  /** Start of element `n` of the array at `i`, or undefined. */
  const element = (i: number, n: number): number | undefined => {
    let starts = elements.get(i);
    if (!starts) {
      starts = [];
      try {
        for (const [start] of scan.elements(i)) starts.push(start);
      } catch {
        // Not JSON after all past some element: the ones before it still have positions.
      }
      elements.set(i, starts);
    }
    return starts[n];
  };

  return (keys) => {
    let at = scan.start();
    for (const key of keys) {
      const c = bytes[at];
      const next = c === OPEN_OBJECT && typeof key === 'string' ? scan.member(at, key) : c === OPEN_ARRAY && typeof key === 'number' ? element(at, key) : undefined;
      if (next === undefined) break;
      at = next;
    }
    return at < bytes.length ? toPosition(at) : undefined;
  };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

/**
 * Walks the UTF-8 bytes of a JSON text without building it: where a member's value or an array's
 * elements start and end. Every byte JSON's structure is made of is ASCII, and no byte of a
 * multi-byte UTF-8 character is, so bytes can be scanned as they are. The text stays a Buffer
 * (outside the JavaScript heap) and only one element at a time becomes a string. Assumes
 * well-formed JSON (callers parse each part with JSON.parse too, which is the judge).
 */
export class JsonScanner {
  private readonly buffer: Buffer;

  constructor(readonly bytes: Uint8Array) {
    this.buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Offset of the top-level value (after a UTF-8 byte order mark and white space). */
  start(): number {
    const b = this.bytes;
    return this.skipSpace(b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0);
  }

  skipSpace(i: number): number {
    const b = this.bytes;
    while (i < b.length && isSpace(b[i])) i++;
    return i;
  }

  text(start: number, end: number): string {
    return this.buffer.toString('utf8', start, end);
  }

  private endOfString(i: number): number {
    const b = this.bytes;
    // A byte at a time: a config's strings are short, and a native search per string cost more in
    // calls than it saved. A backslash escapes the byte after it (\" \\ \uXXXX alike).
    for (let j = i + 1; j < b.length; j++) {
      const c = b[j];
      if (c === QUOTE) return j + 1;
      if (c === BACKSLASH) j++;
    }
    return b.length;
  }

  /** Offset just past the value starting at `i`. */
  endOfValue(i: number): number {
    const b = this.bytes;
    const c = b[i];
    if (c === QUOTE) return this.endOfString(i);
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      let depth = 0;
      for (let j = i; j < b.length; j++) {
        const d = b[j];
        if (d === QUOTE) j = this.endOfString(j) - 1;
        else if (d === OPEN_OBJECT || d === OPEN_ARRAY) depth++;
        else if ((d === CLOSE_OBJECT || d === CLOSE_ARRAY) && --depth === 0) return j + 1;
      }
      return b.length;
    }
    let j = i;
    while (j < b.length) {
      const d = b[j];
      if (d === COMMA || d === CLOSE_OBJECT || d === CLOSE_ARRAY || isSpace(d)) break;
      j++;
    }
    return j;
  }

  /** Start of the value of member `key` of the object at `i`, or undefined. */
  member(i: number, key: string): number | undefined {
    for (const [name, at] of this.members(i)) if (name === key) return at;
    return undefined;
  }

  /**
   * Each member of the object at `i`: its name and where its value starts. `endOf` finds where a
   * member's value ends (a caller that walks a value anyway can say so, and it is walked once).
   */
  *members(i: number, endOf: (name: string, at: number) => number = (_, at) => this.endOfValue(at)): Generator<[string, number]> {
    const b = this.bytes;
    let j = this.skipSpace(i + 1);
    while (b[j] === QUOTE) {
      const end = this.endOfString(j);
      const name = JSON.parse(this.text(j, end)) as string;
      j = this.skipSpace(this.skipSpace(end) + 1); // past ":"
      yield [name, j];
      j = this.skipSpace(endOf(name, j));
      if (b[j] !== COMMA) return;
      j = this.skipSpace(j + 1);
    }
  }

  /**
   * [start, end) of each element of the array at `i`. Throws when what lies between the elements
   * is not JSON (the elements themselves are for JSON.parse to judge).
   */
  *elements(i: number): Generator<[number, number]> {
    const b = this.bytes;
    let j = this.skipSpace(i + 1);
    if (b[j] === CLOSE_ARRAY) return;
    for (;;) {
      const end = this.endOfValue(j);
      yield [j, end];
      j = this.skipSpace(end);
      if (b[j] === CLOSE_ARRAY) return;
      if (b[j] !== COMMA) throw new SyntaxError(`expected "," or "]" at byte ${j}`);
      j = this.skipSpace(j + 1);
    }
  }

  /**
   * Where each element of the array at `i` starts and ends (`bounds` holds start, end, start,
   * end, ...) and where the array ends, in one pass. Throws where `elements` throws, and when the
   * array is not closed by "]".
   */
  elementBounds(i: number): { bounds: number[]; end: number } {
    const bounds: number[] = [];
    let last = i + 1;
    for (const [s, e] of this.elements(i)) {
      bounds.push(s, e);
      last = e;
    }
    const close = this.skipSpace(last);
    if (this.bytes[close] !== CLOSE_ARRAY) throw new SyntaxError(`expected "]" at byte ${close}`);
    return { bounds, end: close + 1 };
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
