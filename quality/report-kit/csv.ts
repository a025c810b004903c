// CSV for reports. The default is RFC 4180 (`,`, `.` decimal, CRLF). The Danish style is what
// Danish Excel opens with a double click: `;` separator, decimal comma, and a UTF-8 BOM so
// æøå survive. In either, text that a spreadsheet would run as a formula (=, +, -, @, tab, CR
// first) is prefixed with a quote: delivered values reach these files, and a reader opens them
// in Excel whatever the separator.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface CsvColumn<T> {
  readonly header: string;
  readonly value: (row: T) => unknown;
}

export interface CsvOptions {
  /** `;` separator, decimal comma, BOM, formula-safe text: for Excel with Danish settings. */
  readonly danish?: boolean;
}

const plainNumber = new Intl.NumberFormat('en-US', { useGrouping: false, maximumFractionDigits: 12 });

function formatValue(value: unknown, danish: boolean): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return '';
    const text = plainNumber.format(value);
    return danish ? text.replace('.', ',') : text;
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) {
    const iso = value.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  return formulaSafe(String(value));
}

const FORMULA_LEADING = /^[=+\-@\t\r]/;

/** Text a spreadsheet shows as text: a value that would start a formula gets a leading quote. */
export function formulaSafe(text: string): string {
  return FORMULA_LEADING.test(text) ? `'${text}` : text;
}

/** formulaSafe as a SQL expression over a varchar expression, for CSV written by DuckDB's COPY. */
export function formulaSafeSql(expr: string): string {
  return `case when regexp_matches(${expr}, '^[=+\-@\t\r]') then '''' || ${expr} else ${expr} end`;
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
  for (const row of rows) lines.push(columns.map((c) => quote(formatValue(c.value(row), danish), delimiter)).join(delimiter));
  return `${danish ? '\uFEFF' : ''}${lines.join('\r\n')}\r\n`;
}

/** Writes the CSV to `path`, creating its folder. */
export async function writeCsv<T>(path: string, columns: readonly CsvColumn<T>[], rows: readonly T[], options: CsvOptions = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, toCsv(columns, rows, options), 'utf8');
}
