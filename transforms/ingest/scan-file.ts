import { stat } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { contentStream, isGzipPath } from './content-stream.ts';
import { Utf8Check } from './utf8-check.ts';

/** What one pass over a delivered file's content (decompressed when gzip) found. */
export interface FileScan {
  /**
   * Why the file is not read: a gzip file that does not decompress to its end, content larger
   * than `maxBytes`, content that is nothing but NUL bytes. Null when none of these.
   */
  readonly problem: string | null;
  /** Whether the content holds a NUL byte anywhere. */
  readonly nul: boolean;
  /** The first line longer than `maxLineBytes` (1 = the first line), when one was asked for and found. */
  readonly longLine: { readonly line: number; readonly bytes: number } | null;
  /**
   * The records of a delimited file with a header, when lines were scanned (`maxLineBytes`) and
   * the content holds no quote character and no CR but before a LF: then every line is one record,
   * and the records are the lines after the first that are not empty (CR LF alone is empty). Null
   * otherwise: a quoted field may hold a line break, and a lone CR may end a record.
   */
  readonly records: number | null;
  /** What the bytes are, when asked (`utf8`): see Utf8Check.verdict. */
  readonly encoding: 'utf-8' | 'ascii' | 'mixed' | 'other' | null;
  /**
   * The lines, empty ones included, when counted (`countLines`) and no CR stands but before a LF
   * (DuckDB may end a line at a lone CR). NDJSON's lines are its records: a file with as many
   * records staged as lines has no other line.
   */
  readonly lines: number | null;
  /**
   * Whether a line ends with the delimiter (`delimiter`; a CR before the LF aside), looked for
   * with `maxLineBytes`: only then can a record hold surplus empty fields (surplus-fields.ts).
   */
  readonly delimiterEnds: boolean;
  /**
   * Where a delimited file's records start on another line than staging numbers them (the k-th
   * record line k + 1, header line 1), asked with `recordLines`: after a quoted value that holds
   * a line break, or an empty line. From `lines[i]` on (a line as staging numbers it) a record
   * starts `shifts[i]` lines further down the file, until the next entry; `records` counts the
   * records, header included. No entries for a file whose records are its lines. Null when not
   * asked or not known: a line too long, a lone CR (DuckDB may end a line there), or quotes that
   * do not pair up by the end of the file (a quote is counted as opening or closing a value
   * wherever it stands, as surplus-fields.ts counts it; a doubled quote inside a value counts twice).
   */
  readonly lineShifts: LineShifts | null;
}

/** See FileScan.lineShifts. */
export interface LineShifts {
  readonly lines: readonly number[];
  readonly shifts: readonly number[];
  readonly records: number;
  /** The empty lines after the header, numbered as DuckDB numbers its rejects (see collectCsvRejects). */
  readonly empty: readonly number[];
}

/**
 * The longest line DuckDB's CSV reader can reject with its number. It rejects a record longer
 * than its max_line_size (2 MB) as "line size over maximum" only while the line fits its read
 * buffer; a longer one it skips without a reject. Its rejecting read gets a buffer of this size,
 * and a file with a longer line is rejected whole before it is read.
 */
export const MAX_LINE_BYTES = 512 * 1024 * 1024;

/** JSON's escape for a NUL character. */
const NUL_ESCAPE = Buffer.from('\\u0000');

/**
 * Reads a file once, as DuckDB will see it, and finds the first line longer than
 * `maxLineBytes` when asked to (a line, not a record: a quoted newline ends a line). It stops
 * at `maxBytes` of content (`maxSize`: the same limit as the configuration writes it, for the
 * message): a small gzip can expand to gigabytes, and the run budget and the
 * per-file limit are about what is read, not what is stored. A NUL byte is what a binary or
 * UTF-16 file looks like, and a text file without one cannot yield a value holding one (nor can JSON
 * without the escape \u0000, looked for with `jsonEscapes`): staging checks values for
 * NUL only in files where this found one.
 * DuckDB reads a truncated gzip up to the cut without an error, so a delivery
 * cut off in transfer would load as a shorter file; reading it through zlib
 * first turns that into a whole-file reject.
 */
export async function scanFile(
  path: string,
  opts: { jsonEscapes?: boolean; maxLineBytes?: number; maxBytes?: number; maxSize?: string; countLines?: boolean; utf8?: boolean; delimiter?: string; recordLines?: boolean } = {},
): Promise<FileScan> {
  const utf8 = opts.utf8 ? new Utf8Check() : null;
  let nul = false;
  let bytes = 0;
  let onlyNul = true;
  const maxLine = opts.maxLineBytes ?? Infinity;
  let line = 1;
  let lineBytes = 0;
  let longLine: FileScan['longLine'] = null;
  let quote = false;
  let records = 0;
  let lines = 0;
  // A CR not right before a LF may end a record for DuckDB: then lines are not counted.
  let crs = 0;
  let crlfs = 0;
  // The bytes before a line break may be the previous chunk's last two.
  let lastByte = -1;
  let byteBefore = -1;
  const delimiter = opts.delimiter?.charCodeAt(0) ?? -1;
  let delimiterEnds = false;
  const ended = (lineNo: number, lineBytes: number, before: number) => {
    if (lineNo > 1 && lineBytes > 0 && !(lineBytes === 1 && before === 13)) records++;
    lines++;
  };
  // recordLines: whether the scan is inside a quoted value (quotes counted only once the file has
  // shown one: a file without any pays nothing), the line the record being read started on, the
  // records ended (header included), and where their lines part from staging's numbers
  const tracking = opts.recordLines === true;
  let inQuotes = false;
  let recordStart = 1;
  let recordsEnded = 0;
  let lastShift = 0;
  const shiftLines: number[] = [];
  const shifts: number[] = [];
  // DuckDB's own line numbers (its rejects') count an empty line but no quoted line break
  let duckLine = 1;
  const emptyLines: number[] = [];
  const recordEnded = (lineNo: number, nonEmpty: boolean) => {
    if (nonEmpty) {
      recordsEnded++;
      const shift = recordStart - recordsEnded;
      if (shift !== lastShift) {
        shiftLines.push(recordsEnded);
        shifts.push(shift);
        lastShift = shift;
      }
    } else if (recordsEnded > 0) emptyLines.push(duckLine);
    recordStart = lineNo + 1;
    duckLine++;
  };
  // The escape may straddle two chunks: the previous chunk's last bytes are kept.
  let tail = Buffer.alloc(0);
  const sink = new Writable({
    write: (chunk: Buffer, _e, done) => {
      bytes += chunk.length;
      if (opts.maxBytes !== undefined && bytes > opts.maxBytes) {
        done(new TooLarge());
        return;
      }
      for (let i = 0; onlyNul && i < chunk.length; i++) onlyNul = chunk[i] === 0;
      if (utf8?.open) utf8.push(chunk);
      if (!nul) {
        nul = chunk.includes(0) || (opts.jsonEscapes === true
          && (chunk.includes(NUL_ESCAPE) || Buffer.concat([tail, chunk.subarray(0, NUL_ESCAPE.length - 1)]).includes(NUL_ESCAPE)));
        if (opts.jsonEscapes) tail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - (NUL_ESCAPE.length - 1))));
      }
      if (longLine === null && (maxLine !== Infinity || opts.countLines)) {
        quote ||= chunk.includes(34);
        for (let cr = chunk.indexOf(13); cr >= 0; cr = chunk.indexOf(13, cr + 1)) crs++;
        // the chunk's next quote not yet counted (recordLines): the lines before it hold none
        let nextQuote = tracking && quote ? chunk.indexOf(34) : -1;
        for (let at = 0; at < chunk.length;) {
          const nl = chunk.indexOf(10, at);
          lineBytes += (nl < 0 ? chunk.length : nl) - at;
          if (lineBytes > maxLine) {
            longLine = { line, bytes: lineBytes };
            break;
          }
          if (tracking && quote) {
            // this line's quotes, counted byte by byte from its first one; indexOf then finds the
            // next line that holds one: a file that quotes a few values (an analysis name with a
            // comma) is not read byte by byte, one that quotes every field not quote by quote
            const end = nl < 0 ? chunk.length : nl;
            if (nextQuote >= 0 && nextQuote < end) {
              let n = 0;
              for (let b = nextQuote; b < end; b++) if (chunk[b] === 34) n++;
              if (n % 2 === 1) inQuotes = !inQuotes;
              nextQuote = chunk.indexOf(34, end);
            }
          }
          if (nl < 0) break;
          const before = nl > 0 ? chunk[nl - 1]! : lastByte;
          if (before === 13) crlfs++;
          if (tracking && !inQuotes) recordEnded(line, line > recordStart || (lineBytes > 0 && !(lineBytes === 1 && before === 13)));
          if (!delimiterEnds && delimiter >= 0) {
            const last = before !== 13 ? before : nl > 1 ? chunk[nl - 2]! : nl === 1 ? lastByte : byteBefore;
            delimiterEnds = last === delimiter;
          }
          ended(line, lineBytes, before);
          line++;
          lineBytes = 0;
          at = nl + 1;
        }
        if (chunk.length > 1) byteBefore = chunk[chunk.length - 2]!;
        else if (chunk.length === 1) byteBefore = lastByte;
        if (chunk.length > 0) lastByte = chunk[chunk.length - 1]!;
      }
      done();
    },
  });
  const gzip = isGzipPath(path);
  try {
    await pipeline(contentStream(path), sink);
    const problem = bytes > 0 && onlyNul ? `the file holds nothing but NUL bytes (${bytes} of them): not a delivery` : null;
    if (lineBytes > 0) ended(line, lineBytes, lastByte); // a last line without a line break
    if (tracking && (lineBytes > 0 || line > recordStart)) recordEnded(line, true);
    if (lineBytes > 0 && delimiter >= 0 && lastByte === delimiter) delimiterEnds = true;
    const counted = maxLine !== Infinity && longLine === null && !quote && crs === crlfs;
    const lineShifts = tracking && longLine === null && !inQuotes && crs === crlfs ? { lines: shiftLines, shifts, records: recordsEnded, empty: emptyLines } : null;
    return { problem, nul, longLine, records: counted ? records : null, lines: opts.countLines && crs === crlfs ? lines : null, encoding: utf8?.verdict() ?? null, delimiterEnds, lineShifts };
  } catch (err) {
    if (err instanceof TooLarge) {
      const limit = opts.maxSize ?? `${opts.maxBytes} bytes`;
      return { problem: gzip ? `decompresses to more than ${limit} (max_file_size)` : `larger than ${limit} (max_file_size)`, nul, longLine, records: null, lines: null, encoding: null, delimiterEnds: false, lineShifts: null };
    }
    const e = err as NodeJS.ErrnoException;
    if (!gzip) throw err;
    // no byte at all is no cut gzip: the file is empty
    if (bytes === 0 && (await stat(path)).size === 0) return { problem: 'empty file (0 bytes): not even a gzip header', nul, longLine, records: null, lines: null, encoding: null, delimiterEnds: false, lineShifts: null };
    if (e.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(e.message)) return { problem: 'gzip file is truncated (cut off before its end)', nul, longLine, records: null, lines: null, encoding: null, delimiterEnds: false, lineShifts: null };
    if (e.code?.startsWith('Z_')) return { problem: `gzip file is corrupt (${e.message})`, nul, longLine, records: null, lines: null, encoding: null, delimiterEnds: false, lineShifts: null };
    throw err;
  }
}

/** Ends a scan at the size limit. */
class TooLarge extends Error {}
