/** Bytes per buffer the rows are encoded into: a row longer than this gets a buffer of its own size. */
const COPY_CHUNK_BYTES = 4 << 20;
/** UTF-16 code units encode to at most this many UTF-8 bytes each. */
const UTF8_BYTES_PER_UNIT_MAX = 3;

const COPY_SPECIAL = /[\\\t\n\r]/;

/**
 * A text value as one field of COPY's text format: backslash, tab, newline and carriage return are what
 * the format gives a meaning, so they are written as their backslash escapes; every other character is itself.
 */
export const copyField = (value: string): string =>
  COPY_SPECIAL.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : value;

export type CopyRows = {
  /** One row: its fields already passed through `copyField` (or known to need nothing), joined by tabs. */
  push(row: string): void;
  readonly count: number;
  /** The rows so far, each newline-ended, as COPY FROM STDIN reads them, in buffers to send one after another. */
  chunks(): Uint8Array[];
};

/**
 * Rows for a COPY, gathered as they are folded. They are encoded at once into buffers outside the JavaScript
 * heap: a rebuild gathers hundreds of thousands between writes, which as strings or objects would live long
 * enough to be copied by every young-generation collection and then marked by the old one. Full buffers are
 * kept, not grown: growing one copied everything encoded so far each time it doubled.
 */
export const createCopyRows = (): CopyRows => {
  const full: Buffer[] = [];
  let buffer: Buffer | undefined;
  let length = 0;
  let count = 0;
  return {
    push: (row) => {
      const bytesMax = (row.length + 1) * UTF8_BYTES_PER_UNIT_MAX;
      if (buffer === undefined || length + bytesMax > buffer.length) {
        if (buffer !== undefined) full.push(buffer.subarray(0, length));
        buffer = Buffer.allocUnsafeSlow(Math.max(COPY_CHUNK_BYTES, bytesMax));
        length = 0;
      }
      length += buffer.write(row, length, 'utf8');
      buffer[length] = 0x0a;
      length += 1;
      count += 1;
    },
    get count() { return count; },
    chunks: () => (buffer === undefined ? [...full] : [...full, buffer.subarray(0, length)]),
  };
};
