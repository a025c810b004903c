// A quote that opens a value and is never closed takes the rest of a delimited file into that one
// value: staging rejects such a file whole (stage.ts), and `lab-quality --check-mapping` says so
// before an evaluation does (check-mapping.ts), in the same words. Both name the line the quote
// opens on as an editor numbers it: DuckDB numbers its reject by records (a quoted line break
// starts none, an empty line counts one), another line after a value that holds a line break.
import { contentStream } from './content-stream.ts';

/** Where the quote that is never closed opens. */
export interface UnclosedQuote {
  /** The line of the file it opens on (1 is the header). */
  readonly line: number;
  /** The lines of the file from that one to its end, that one included. */
  readonly lines: number;
  /** The field of its record the quote opens (0 is the first), or null for a delimiter of more than one byte. */
  readonly field: number | null;
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

// where the scan is in a record: at the start of a field, in an unquoted value, in a quoted one,
// or just after a quote in a quoted one (which closes it, or with a second quote is one quote)
const START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_SEEN = 3;

/**
 * The quote a file leaves open at its end, or null when every quoted value closes. Read as DuckDB
 * reads a file with quote and escape '"': a quote opens a value only at the start of a field, a
 * doubled quote inside one is a quote, a quote closes it before a delimiter or a line end (one
 * followed by anything else ends the quoted part: '"Bedre" sagde', a record DuckDB rejects on its
 * own), and a quote inside an unquoted value is text. A line ends at LF, CRLF or a lone CR. Read
 * only once DuckDB has found an unterminated quote: a file that reads costs nothing.
 */
export async function unclosedQuote(path: string, delimiter: string): Promise<UnclosedQuote | null> {
  const delim = Buffer.from(delimiter, 'utf8');
  const sep = delim.length === 1 ? delim[0]! : -1;
  let state = START;
  let line = 1;
  let field = 0;
  let opened = { line: 0, field: 0 };
  let last = -1;
  for await (const chunk of contentStream(path) as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b === CR || b === LF) {
        // CRLF is one line end
        if (b === CR || last !== CR) line++;
        if (state !== QUOTED) {
          state = START;
          field = 0;
        }
      } else if (state === QUOTED) {
        if (b === QUOTE) state = QUOTE_SEEN;
      } else if (state === QUOTE_SEEN && b === QUOTE) {
        state = QUOTED;
      } else if (b === sep) {
        state = START;
        field++;
      } else if (state === START && b === QUOTE) {
        state = QUOTED;
        opened = { line, field };
      } else {
        state = UNQUOTED;
      }
      last = b;
    }
  }
  if (state !== QUOTED) return null;
  // a final line break ends the last line; it starts none
  const end = last === LF || last === CR ? line - 1 : line;
  return { line: opened.line, lines: end - opened.line + 1, field: sep === -1 ? null : opened.field };
}

/** Why a file with a quote never closed is rejected whole: its line and column, and what to do. */
export function unclosedQuoteReason(at: { readonly line: number; readonly lines: number }, column: string | null): string {
  return `line ${at.line}${column ? `, column ${column}` : ''}: a quote opens a value and is never closed, `
    + `so the rest of the file (${at.lines} line${at.lines === 1 ? '' : 's'}) would be read as that one value; close the quote `
    + '(a quote inside a value is written twice: "") and deliver the file again';
}
