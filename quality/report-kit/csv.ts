// CSV for reports. The default is RFC 4180 (`,`, `.` decimal, CRLF). The Danish style is what
// Danish Excel opens with a double click: `;` separator, decimal comma, and a UTF-8 BOM so
// æøå survive. In either, text that a spreadsheet would run as a formula (=, +, -, @, tab, CR
// first) is prefixed with a quote: delivered values reach these files, and a reader opens them
// in Excel whatever the separator. Text that Excel would read as a number or a date (a SOR code
// of 16 digits becomes 7.51E+15 and loses its last digit, a ydernummer loses its leading zeros,
// the month 2024-11 becomes a date) is written as the formula ="…", which Excel shows as that
// text; text is whatever a column gives as a string, so ids and months stay strings upstream.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface CsvColumn<T> {
  readonly header: string;
  readonly value: (row: T) => unknown;
  /** Decimals a number keeps at most (shares: 4, i.e. a hundredth of a percent); default 12. */
  readonly digits?: number;
}

/** Decimals of a share (0..1) in a CSV: a hundredth of a percentage point. */
export const SHARE_DIGITS = 4;

export interface CsvOptions {
  /** `;` separator, decimal comma, BOM, formula-safe text: for Excel with Danish settings. */
  readonly danish?: boolean;
}

const plainNumbers = new Map<number, Intl.NumberFormat>();
function plainNumber(digits: number): Intl.NumberFormat {
  let f = plainNumbers.get(digits);
  if (!f) plainNumbers.set(digits, (f = new Intl.NumberFormat('en-US', { useGrouping: false, maximumFractionDigits: digits })));
  return f;
}

function formatValue(value: unknown, danish: boolean, digits = 12): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return '';
    // -0 after rounding (a tiny negative change) reads as 0
    const text = plainNumber(digits).format(value).replace(/^-0$/, '0');
    return danish ? text.replace('.', ',') : text;
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) {
    const iso = value.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  return spreadsheetText(String(value));
}

/**
 * Text that Excel reads as text: formula-leading text quoted (formulaSafe), and text Excel would
 * turn into a number, a date or a time (digits with . , / : - or spaces between them: SOR codes,
 * ydernumre with leading zeros, months, dates) written as ="…".
 */
export function spreadsheetText(text: string): string {
  if (LOOKS_NUMERIC.test(text)) return `="${text}"`;
  return formulaSafe(text);
}

const LOOKS_NUMERIC = /^[0-9][0-9.,:/ -]*$/;

const FORMULA_LEADING = /^[=+\-@\t\r]/;

/** Text a spreadsheet shows as text: a value that would start a formula gets a leading quote. */
export function formulaSafe(text: string): string {
  return FORMULA_LEADING.test(text) ? `'${text}` : text;
}

/** spreadsheetText as a SQL expression over a varchar expression, for CSV written by DuckDB's COPY. */
export function spreadsheetTextSql(expr: string): string {
  return `case when regexp_full_match(${expr}, '[0-9][0-9.,:/ -]*') then '="' || ${expr} || '"'
    when regexp_matches(${expr}, '^[=+\-@\t\r]') then '''' || ${expr} else ${expr} end`;
}

function quote(field: string, delimiter: string): string {
  return field.includes(delimiter) || field.includes('"') || field.includes('\n') || field.includes('\r')
    ? `"${field.replaceAll('"', '""')}"`
    : field;
}

/** The CSV text of `rows` with one column per entry of `columns`. */
export function toCsv<T>(columns: readonly CsvColumn<T>[], rows: readonly T[], options: CsvOptions = {}): string {
  const danish = options.danish ?? false;
  const delimiter = danish ? ';' : ',';
  const lines = [columns.map((c) => quote(c.header, delimiter)).join(delimiter)];
  for (const row of rows) lines.push(columns.map((c) => quote(formatValue(c.value(row), danish, c.digits), delimiter)).join(delimiter));
  return `${danish ? '\uFEFF' : ''}${lines.join('\r\n')}\r\n`;
}

/** Writes the CSV to `path`, creating its folder. */
export async function writeCsv<T>(path: string, columns: readonly CsvColumn<T>[], rows: readonly T[], options: CsvOptions = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, toCsv(columns, rows, options), 'utf8');
}
