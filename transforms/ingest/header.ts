import { isAscii, isUtf8 } from 'node:buffer';
import { contentStream, isGzipPath } from './content-stream.ts';

/** The first bytes of a zip archive (a local file header, PKWARE's APPNOTE 4.3.7). */
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/** The longest header line read: a layout's header is a few hundred bytes. */
export const MAX_HEADER_BYTES = 1 << 20;

/**
 * Reads the header line of a delimited file (gzip-aware) and splits it, honouring
 * double quotes. We read it ourselves so that missing, extra and duplicated column
 * names get a clear message before DuckDB reads a single row. Null when the first line
 * does not end within MAX_HEADER_BYTES: no header, and splitting a piece of it would
 * only give a misleading reason. The line is decoded as staging reads it (headerText), whatever
 * the layout declares, after a UTF-8 byte order mark if there is one.
 */
export async function readHeader(path: string, delimiter: string): Promise<string[] | null> {
  const { head, total } = await readStart(path, (buf, read) => buf.includes(0x0a) || read > MAX_HEADER_BYTES);
  const bytes = withoutBom(head);
  const end = bytes.indexOf(0x0a);
  if (end === -1 && total > MAX_HEADER_BYTES) return null;
  const line = headerText(end === -1 ? bytes : bytes.subarray(0, end)).replace(/\r$/, '');
  if (line.trim() === '') return [];
  return named(splitLine(line, delimiter));
}

/** The bytes of a UTF-8 byte order mark, which Windows programs write before text in any encoding. */
export const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** `bytes` without a leading UTF-8 byte order mark. */
export function withoutBom(bytes: Buffer): Buffer {
  return bytes.subarray(0, 3).equals(UTF8_BOM) ? bytes.subarray(3) : bytes;
}

/**
 * The header line's text as staging reads the line: UTF-8 where it is valid UTF-8, else
 * Windows-1252, whatever the layout declares. A Latin-1 file whose lines are UTF-8 is read as
 * UTF-8, and a UTF-8 file whose lines are not is read as Windows-1252 (stage.ts); read only as
 * declared, its header's `Prøvenr` would be `PrÃ¸venr` or `Pr\ufffdvenr`, and the run would stop
 * saying the mapping names a column the file lacks. Latin-1 and Windows-1252 agree on every
 * byte but 0x80-0x9F, where only Windows-1252 has text.
 */
function headerText(line: Buffer): string {
  if (isAscii(line) || isUtf8(line)) return line.toString('utf8');
  // decoded as a stream: Node 20's one-shot windows-1252 decode drops the bytes 0x80-0x9F
  return new TextDecoder('windows-1252').decode(line, { stream: true });
}

/**
 * A column without a name is given one by its position, '(unnamed N)' from 1: Excel saves the
 * empty columns to the right of a sheet's data as ';;;' at the end of every line, the header
 * too, and a read needs a name for each column. No layout or mapping can name such a column.
 */
function named(columns: readonly string[]): string[] {
  return columns.map((c, i) => (c.trim() === '' ? `(unnamed ${i + 1})` : c));
}

/**
 * Why a file declared UTF-8 or Latin-1 cannot be read as either (gzip-aware), or null: it is
 * UTF-16, by its byte order mark or, without one, by a NUL byte beside every character of its
 * first 400 bytes. Read as the layout says, such a header is every character with a NUL between, and a
 * message quoting it would spell out whatever it holds, an identifier included, past the masking.
 * Or it is no text at all but gzip (in a file not named .gz, or compressed twice) or a zip
 * archive, by its first bytes: read as text, its "header" is one field of binary.
 */
export async function wrongEncoding(path: string, encoding: 'utf-8' | 'latin-1', declaredBy = 'as its layout says'): Promise<string | null> {
  const { head } = await readStart(path, (_buf, read) => read >= 4096);
  if (head[0] === 0x1f && head[1] === 0x8b) {
    return isGzipPath(path)
      ? 'the file is gzip-compressed twice: deliver it compressed once'
      : 'the file is gzip-compressed, but its name does not end in .gz: deliver it named .gz, or uncompressed';
  }
  if (head.subarray(0, 4).equals(ZIP_MAGIC)) return 'the file is a zip archive, not text: deliver the file it holds';
  const declared = encoding === 'latin-1' ? 'Latin-1' : 'UTF-8';
  const utf16 = utf16Of(head);
  return utf16 === null ? null : `the file is UTF-16 (${utf16.by}), not ${declared} text ${declaredBy}: save it as UTF-8`;
}

/**
 * Whether text starting with `head` is UTF-16, and in which byte order: by its byte order mark or,
 * without one, by a NUL byte beside every character of its first 400 bytes (ASCII text in
 * UTF-16); null when it is not.
 */
export function utf16Of(head: Buffer): { readonly encoding: 'utf-16le' | 'utf-16be'; readonly by: string } | null {
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', by: 'byte order mark FF FE' };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', by: 'byte order mark FE FF' };
  const line = head.subarray(0, Math.min(head.length, 400));
  const pairs = Math.floor(line.length / 2);
  if (pairs < 4) return null;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < pairs * 2; i += 2) {
    if (line[i] === 0) evenNul++;
    if (line[i + 1] === 0) oddNul++;
  }
  const mostly = (n: number) => n >= pairs * 0.9;
  const rarely = (n: number) => n <= pairs * 0.1;
  const by = 'a NUL byte beside every character';
  if (mostly(oddNul) && rarely(evenNul)) return { encoding: 'utf-16le', by };
  if (mostly(evenNul) && rarely(oddNul)) return { encoding: 'utf-16be', by };
  return null;
}

/** The first bytes of a file (gzip-aware), read until `enough` says so or the file ends. */
export async function readStart(path: string, enough: (chunk: Buffer, read: number) => boolean): Promise<{ head: Buffer; total: number }> {
  const stream = contentStream(path, 64 * 1024);
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      const buf = chunk as Buffer;
      chunks.push(buf);
      total += buf.length;
      if (enough(buf, total)) break;
    }
  } finally {
    stream.destroy();
  }
  return { head: Buffer.concat(chunks), total };
}

function splitLine(line: string, delimiter: string): string[] {
  const fields: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (cur += '"'), i++;
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) fields.push(cur), (cur = '');
    else cur += ch;
  }
  fields.push(cur);
  return fields.map((f) => f.trim());
}

/**
 * Whether a file's header holds a layout's column name, letter case aside: one system writes
 * `ID,SOR,...` where the layout says `id,sor,...`. Only ASCII letters are folded, as DuckDB
 * folds identifiers (its select by the layout's name then finds the file's spelling); `Å` and
 * `å` stay two names.
 */
export function hasColumn(header: readonly string[], name: string): boolean {
  const key = asciiLower(name);
  return header.some((c) => asciiLower(c) === key);
}

/** The names a header repeats, letter case aside (DuckDB could not tell `id` from `ID`). */
/** Why a delimited file's header cannot be read as one, whatever the layout: none, or a name twice; null when it can. */
export function headerProblem(header: readonly string[]): string | null {
  if (header.length === 0) return 'empty file: no header line';
  const dupes = repeatedColumns(header);
  return dupes.length ? `duplicated column names in the header: ${dupes.join(', ')}` : null;
}

export function repeatedColumns(header: readonly string[]): string[] {
  const keys = header.map(asciiLower);
  return [...new Set(header.filter((_, i) => keys.indexOf(keys[i]!) !== i))];
}

function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}
