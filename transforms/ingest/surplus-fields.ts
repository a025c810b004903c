// Records with a delimiter too many that DuckDB's CSV reader takes without a word.
//
// A record with more fields than the header is a reject ("TOO MANY COLUMNS"), except where every
// surplus field is empty: then DuckDB reads its first fields and drops the rest, as it does for
// a delimiter that ends a line. A value holding the delimiter unquoted ('Lægerne Jensen; Hansen'
// in a file whose records end with an empty last field) makes exactly such a record, and its
// values were read one column off: a SOR code as a name, a time as a status. The record is
// found here, by its field count, and rejected as what it is.
// Where most records carry the empty field, the file ends every record with a delimiter (a
// convention of some systems, the header without it) and is read as it is, with a warning: by
// its counts it cannot be told from a file whose every record holds the delimiter in a value.
// So is a file with more such records than are listed (10,000): each is a line of a statement.
import { contentStream } from './content-stream.ts';

/** A record DuckDB would read with its values shifted: its line as staging numbers it, and its fields. */
export interface SurplusRecord {
  readonly line: number;
  readonly fields: number;
}

const QUOTE = 34;
const LF = 10;
const CR = 13;

/** What surplusFieldRecords found. */
export interface SurplusFields {
  /** The records with surplus empty fields, when they are at most half of the file's and at most `limit`. */
  readonly records: readonly SurplusRecord[];
  /** How many records have them, when they are more than half of the file's (a delimiter ends each record) or than `limit`; else 0. */
  readonly most: number;
  /** The file's records, the header not counted. */
  readonly of: number;
}

/**
 * The records of a delimited file (header first) with more than `columns` fields, every surplus
 * field empty. Lines are numbered as staging numbers them: the k-th record after the header is
 * line k + 1 (a quoted line break starts no record, an empty line is none).
 */
export async function surplusFieldRecords(path: string, delimiter: string, columns: number, limit = 10_000): Promise<SurplusFields> {
  const delim = delimiter.charCodeAt(0);
  const found: SurplusRecord[] = [];
  let records = 0;
  let count = 0;
  let quoted = false;
  let fields = 1;
  let bytes = 0;
  // whether a byte other than a delimiter or CR stands after the delimiter that closes the header's last column
  let surplusText = false;
  const ended = () => {
    if (bytes > 0) {
      if (records > 0 && fields > columns && !surplusText) {
        count++;
        if (found.length < limit) found.push({ line: records + 1, fields });
      }
      records++;
    }
    fields = 1;
    bytes = 0;
    surplusText = false;
  };
  const byteByByte = (chunk: Buffer, from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const b = chunk[i]!;
      if (b === QUOTE) quoted = !quoted;
      if (quoted) {
        bytes++;
        if (fields > columns) surplusText = true;
        continue;
      }
      if (b === LF) {
        ended();
        continue;
      }
      if (b !== CR) bytes++;
      if (b === delim) fields++;
      else if (b !== CR && fields > columns) surplusText = true;
    }
  };
  for await (const chunk of contentStream(path) as AsyncIterable<Buffer>) {
    // A file whose last column may be empty ends many lines with the delimiter, and is read here
    // whole. A line that starts outside quotes and holds no quote is a record: one whose last
    // byte (CRs aside) is no delimiter has no empty surplus field and is only counted; the
    // others, few, and the lines with quotes are read byte by byte, as are the lines the chunk
    // shares with its neighbours.
    const firstBreak = chunk.indexOf(LF);
    if (firstBreak < 0) {
      byteByByte(chunk, 0, chunk.length);
      continue;
    }
    byteByByte(chunk, 0, firstBreak + 1);
    let start = firstBreak + 1;
    let quote = chunk.indexOf(QUOTE, start);
    for (let lf = chunk.indexOf(LF, start); lf >= 0; start = lf + 1, lf = chunk.indexOf(LF, start)) {
      if (quote >= 0 && quote < start) quote = chunk.indexOf(QUOTE, start);
      if (quoted || (quote >= 0 && quote < lf)) {
        byteByByte(chunk, start, lf + 1);
        continue;
      }
      let end = lf;
      while (end > start && chunk[end - 1] === CR) end--;
      if (end > start && chunk[end - 1] !== delim) records++;
      else byteByByte(chunk, start, lf + 1);
    }
    byteByByte(chunk, start, chunk.length);
  }
  ended();
  const of = Math.max(0, records - 1);
  // more than can be listed: read as they are, with the warning, like a file's convention
  return count * 2 > of || count > limit ? { records: [], most: count, of } : { records: found, most: 0, of };
}
