// A FHIR NDJSON file's lines as the bytes they are, before DuckDB reads them. FHIR is UTF-8, but
// an export put together by hand or passed through an older tool may hold a line in Latin-1
// (Windows-1252), and one Observation may carry a note or an attachment of tens of MB. DuckDB's
// reader turns down a whole file for either ("Invalid unicode", or a buffer that does not fit
// the memory limit), losing every good line with it and naming neither the line nor the cause.
// Surveyed first, such a file is read from a copy instead: a line that is not UTF-8 decoded as
// Windows-1252 (said in the report), a line too long to read emptied and rejected on its own with
// its number and size; every other line as it is, at its own number.
import { createWriteStream } from 'node:fs';
import { contentStream } from './content-stream.ts';
import { Utf8Check } from './utf8-check.ts';
import { copyPlace, type Transcoded } from './windows-1252.ts';

export interface FhirLineSurvey {
  /** The numbers of the lines (from 1) that are not UTF-8. */
  readonly notUtf8: readonly number[];
  /** Lines longer than the longest line read, with their size in bytes and their first characters. */
  readonly tooLong: readonly { readonly line: number; readonly bytes: number; readonly head: string }[];
  /** The longest line that is read, in bytes (0 for an empty file), and its number. */
  readonly longest: number;
  readonly longestLine: number;
}

/** Calls `onLine` with each line's number, size, whether it is UTF-8, and its bytes when it is no longer than `keepUpTo`. */
async function eachLine(
  path: string, keepUpTo: number,
  onLine: (line: number, bytes: number, utf8: boolean, content: Buffer | null, head: Buffer) => void | Promise<void>,
  chunkBytes: number,
): Promise<void> {
  const stream = contentStream(path, chunkBytes);
  let line = 1;
  let bytes = 0;
  let parts: Buffer[] = [];
  let head = Buffer.alloc(0);
  let check = new Utf8Check(true);
  const end = async () => {
    const verdict = check.verdict();
    const content = bytes <= keepUpTo ? (parts.length === 1 ? parts[0]! : Buffer.concat(parts)) : null;
    await onLine(line, bytes, verdict === 'utf-8' || verdict === 'ascii', content, head);
    line++;
    bytes = 0;
    parts = [];
    head = Buffer.alloc(0);
    check = new Utf8Check(true);
  };
  const take = (part: Buffer) => {
    if (part.length === 0) return;
    bytes += part.length;
    if (head.length < 600) head = Buffer.concat([head, part.subarray(0, 600 - head.length)]);
    if (bytes <= keepUpTo) parts.push(part);
    else parts = [];
    check.push(part);
  };
  for await (const chunk of stream) {
    const buf = chunk as Buffer;
    let from = 0;
    for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, from)) {
      take(buf.subarray(from, nl + 1));
      from = nl + 1;
      await end();
    }
    take(buf.subarray(from));
  }
  if (bytes > 0) await end();
}

/**
 * Surveys every line of `path` (plain, or gzip when it ends in .gz): which are not UTF-8, which
 * are longer than `maxLineBytes`. The file is read `chunkBytes` at a time.
 */
export async function surveyFhirLines(path: string, maxLineBytes: number, chunkBytes = 1 << 20): Promise<FhirLineSurvey> {
  const notUtf8: number[] = [];
  const tooLong: { line: number; bytes: number; head: string }[] = [];
  let longest = 0;
  let longestLine = 0;
  await eachLine(path, 0, (line, bytes, utf8, _content, head) => {
    if (bytes > maxLineBytes) {
      // the head as text for the reject's raw line (masked like any other), cut at a character
      tooLong.push({ line, bytes, head: head.toString('utf8').replace(/\uFFFD+$/, '').slice(0, 200) });
      return;
    }
    if (bytes > longest) (longest = bytes), (longestLine = line);
    if (!utf8) notUtf8.push(line);
  }, chunkBytes);
  return { notUtf8, tooLong, longest, longestLine };
}

/** Whether the file needs a copy to be read: a line that is not UTF-8 or too long. */
export function needsCopy(survey: FhirLineSurvey): boolean {
  return survey.notUtf8.length > 0 || survey.tooLong.length > 0;
}

/**
 * Writes the copy DuckDB reads in place of `path`: the same lines at the same numbers, a line
 * that is not UTF-8 decoded as Windows-1252 (every byte is a character in it), a line too long
 * to read left empty (the caller rejects it by its number). Into `dir`, else the temporary folder.
 */
export async function readableCopy(path: string, survey: FhirLineSurvey, dir?: string, chunkBytes = 1 << 20): Promise<Transcoded> {
  const copy = await copyPlace(path, 'fangst-fhir-', dir);
  const recode = new Set(survey.notUtf8);
  const skip = new Set(survey.tooLong.map((t) => t.line));
  // decoded as a stream: Node 20's one-shot windows-1252 decode drops the bytes 0x80-0x9F
  const decoder = new TextDecoder('windows-1252');
  const sink = createWriteStream(copy.path, { mode: 0o600 });
  const write = (b: Buffer) => new Promise<void>((done, fail) => sink.write(b, (err) => (err ? fail(err) : done())));
  // written a MB at a time, not a line at a time
  let pending: Buffer[] = [];
  let size = 0;
  const add = async (b: Buffer) => {
    pending.push(b);
    size += b.length;
    if (size < 1 << 20) return;
    await write(Buffer.concat(pending));
    pending = [];
    size = 0;
  };
  try {
    await eachLine(path, Math.max(survey.longest, 1), async (line, _bytes, _utf8, content) => {
      if (skip.has(line) || content === null) await add(Buffer.from('\n'));
      else if (recode.has(line)) await add(Buffer.from(decoder.decode(content, { stream: true }), 'utf8'));
      else await add(content);
    }, chunkBytes);
    if (pending.length) await write(Buffer.concat(pending));
    await new Promise<void>((done, fail) => sink.end((err?: Error | null) => (err ? fail(err) : done())));
  } catch (err) {
    sink.destroy();
    await copy.remove();
    throw err;
  }
  return copy;
}
