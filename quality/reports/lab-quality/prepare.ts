// Makes a mapped foreign file readable by the pipeline's own staging. Every column the mapping
// names must be in the file's header (a mapping that silently reads nothing would report an
// extract as incomplete instead of the mapping as wrong). A delivery with computed columns
// (constants, first-present lists, lookups, absent values) is staged through a select over the
// file's own read that yields the canonical columns in the file's record order: staging numbers
// its lines, and rejects a line it cannot read, as it does for any other file.
import { basename } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ConfigError, type ConfigProblem } from '../../../config/errors.ts';
import { sqlIdent, sqlString } from '../../../transforms/db/connection.ts';
import { readHeader, wrongEncoding } from '../../../transforms/ingest/header.ts';
import { MAX_FHIR_LINE_BYTES, readDocumentAsLine } from '../../../transforms/ingest/fhir.ts';
import { needsCopy, readableCopy, surveyFhirLines } from '../../../transforms/ingest/fhir-lines.ts';
import { literalPath } from '../../../transforms/ingest/literal-path.ts';
import { deliveryTarget, utcFormat } from '../../../transforms/ingest/stage.ts';
import { transcodeMixed } from '../../../transforms/ingest/windows-1252.ts';
import { readTimesSql } from '../../../transforms/ingest/time-formats.ts';
import { fileEncoding, READ_AS_UTF8, READ_PER_LINE } from '../../../transforms/ingest/utf8-check.ts';
import type { MappedDelivery } from './mapping.ts';
import type { LabInput } from './inputs.ts';

/**
 * The longest CSV record (or NDJSON line) an evaluation reads, every column of it counted: as
 * long as a FHIR line may be. An analyst's extract may carry a long free-text cell in a column no
 * mapping reads, and the nightly job's limit (DuckDB's 2,000,000 bytes) would cost that row its
 * result; a record this long is read within the memory limit as a FHIR line is.
 */
export const LAB_MAX_RECORD_BYTES = MAX_FHIR_LINE_BYTES;

export type DeliveryInput = Extract<LabInput, { role: 'delivery' }>;
type FhirInput = Extract<LabInput, { role: 'fhir' }>;

/**
 * Checks every mapped CSV/TSV file's header against its mapping: a ConfigError naming the file
 * and each missing column (or lookup column). Returns the headers read, by path.
 */
export async function checkMappedHeaders(inputs: readonly LabInput[]): Promise<Map<string, string[]>> {
  const problems: ConfigProblem[] = [];
  const headers = new Map<string, string[]>();
  for (const input of inputs) {
    if (input.role !== 'delivery' || !input.mapped) continue;
    const d = input.mapped;
    if (d.format !== 'csv' && d.format !== 'tsv') {
      if (d.computed) problems.push({ file: d.sourceFile, key: 'format', found: d.format, expected: 'csv or tsv for constants, lists, lookups and absent values' });
      continue;
    }
    // no header, or none that reads as declared (UTF-16): the file is rejected whole while staging, with the reason
    if (await wrongEncoding(input.path, d.encoding).catch(() => null)) continue;
    const header = (await readHeader(input.path, d.delimiter).catch(() => null)) ?? [];
    if (header.length === 0) continue;
    // the mapped names, missing from the header as read, all there between another delimiter
    // (a name may hold the mapping's own): say that, not each name
    const wanted = Object.values(d.sources).flatMap((src) => (src.type === 'columns' ? src.names : []));
    const line = header.join(d.delimiter);
    // compared without blanks: the header as read lost those around the split names
    const bare = (x: string) => x.replace(/\s+/g, '').replace(/^"|"$/g, '');
    const other = wanted.some((w) => !header.includes(w))
      ? [';', ',', '\t', '|'].find((c) => c !== d.delimiter && wanted.every((w) => line.split(c).map(bare).includes(bare(w))))
      : undefined;
    if (other !== undefined) {
      const shown = other === '\t' ? 'a tab' : `"${other}"`;
      problems.push({ file: input.file, key: 'delimiter', found: d.delimiter, expected: `the file's delimiter: its header has the mapped names with ${shown} between ${
        line.split(other).length} names (set delimiter: ${JSON.stringify(other)} in ${basename(d.sourceFile)})` });
      continue;
    }
    headers.set(input.path, header);
    if (d.deliveredAtColumn !== null && !header.includes(d.deliveredAtColumn)) {
      problems.push({ file: input.file, key: `column ${d.deliveredAtColumn}`, found: undefined, expected: `the column ${d.sourceFile} takes the delivery time from (the header has ${header.join(', ')})` });
    }
    for (const [canonical, s] of Object.entries(d.sources)) {
      const wanted = s.type === 'columns' ? s.names : [];
      for (const name of wanted) {
        if (!header.includes(name)) {
          problems.push({ file: input.file, key: `column ${name}`, found: undefined, expected: `the column ${d.sourceFile} maps to ${canonical} (the header has ${header.join(', ')})` });
        }
      }
      if (s.type === 'lookup') {
        let dict: string[] = [];
        try {
          dict = await lookupColumns(s.file);
        } catch (err) {
          problems.push({ file: d.sourceFile, key: `columns.${canonical}.lookup`, found: s.file, expected: `a readable CSV file (${((err as Error).message ?? '').split('\n')[0]})` });
          continue;
        }
        for (const name of [s.on, s.take]) {
          if (!dict.includes(name)) problems.push({ file: s.file, key: `column ${name}`, found: undefined, expected: `the lookup column ${d.sourceFile} names for ${canonical} (the header has ${dict.join(', ') || 'nothing'})` });
        }
      }
    }
  }
  if (problems.length) throw ConfigError.of(problems);
  return headers;
}

/**
 * Checks every mapped file's header against its mapping (a ConfigError naming the file and each
 * missing column), reads the delivery time of files whose mapping names a column for it (in the
 * mapping's time zone, else `timeZone`), and gives the files with computed columns the select staging reads them through.
 */
export async function prepareMappedInputs(given: readonly LabInput[], tmpDir: string, timeZone: string): Promise<LabInput[]> {
  const inputs = await Promise.all(given.map((i) => asEncoded(i, tmpDir)));
  const headers = await checkMappedHeaders(inputs);
  const out: LabInput[] = [];
  for (const original of inputs) {
    const input = original.role === 'delivery' && original.mapped?.deliveredAtColumn && headers.has(original.path)
      ? { ...original, deliveredAt: await latestTime(original, headers.get(original.path)!, timeZone) }
      : original;
    if (input.role !== 'delivery' || !input.mapped?.computed || !headers.has(input.path)) {
      out.push(input);
      continue;
    }
    // staging reads the file where it is, through the mapping's select
    const d = input.mapped;
    out.push({ ...input, target: { ...input.target, computed: { columns: Object.keys(d.sources), select: (read) => canonicalOver(d, read) } } });
  }
  return out;
}

/**
 * A mapped file declared Latin-1 that is UTF-8, read as UTF-8 from its header on; one with UTF-8
 * lines beside Latin-1 ones, read from a copy decoded line by line into `dir` (utf8-check.ts).
 */
async function asEncoded(input: LabInput, dir: string): Promise<LabInput> {
  if (input.role === 'fhir') return asReadableFhir(input, dir);
  if (input.role !== 'delivery' || input.mapped?.encoding !== 'latin-1') return input;
  const found = await fileEncoding(input.path).catch(() => 'other');
  if (found !== 'utf-8' && found !== 'mixed') return input;
  const mapped: MappedDelivery = { ...input.mapped, encoding: 'utf-8' };
  const path = found === 'mixed' ? (await transcodeMixed(input.path, dir)).path : input.path;
  return { ...input, path, mapped, target: deliveryTarget(mapped), readAs: found === 'mixed' ? READ_PER_LINE : READ_AS_UTF8 };
}

/**
 * A FHIR file as staging can read it: a document over several lines as one line; NDJSON with
 * lines that are not UTF-8 or too long to read from a copy that decodes the one (as
 * Windows-1252) and empties the other, which staging rejects by number (fhir-lines.ts).
 */
async function asReadableFhir(input: FhirInput, dir: string): Promise<FhirInput> {
  if (input.form === 'utf-16') return input; // rejected whole while staging, with the reason
  if (input.form === 'document') {
    const copy = await readDocumentAsLine(input.path, dir);
    const entries = 'its resources named by their place in it (#entry[i] in a Bundle, #[i] in an array)';
    return { ...input, path: copy.path, readAs: `one JSON document over ${copy.lines} lines, read as one line: ${entries}` };
  }
  const survey = await surveyFhirLines(input.path, MAX_FHIR_LINE_BYTES);
  if (!needsCopy(survey)) return { ...input, longest: { bytes: survey.longest, line: survey.longestLine } };
  const copy = await readableCopy(input.path, survey, dir);
  const n = survey.notUtf8.length;
  const shown = survey.notUtf8.slice(0, 5).join(', ') + (n > 5 ? ` and ${n - 5} more` : '');
  return {
    ...input, path: copy.path, longest: { bytes: survey.longest, line: survey.longestLine }, tooLong: survey.tooLong,
    ...(n ? { readAs: `${n === 1 ? 'line' : 'lines'} ${shown} ${n === 1 ? 'is' : 'are'} not UTF-8, as FHIR requires: read as Latin-1 (Windows-1252)` } : {}),
  };
}

/** The latest time in a file's delivered_at column, read with the layout's format in its time zone. */
async function latestTime(input: DeliveryInput, header: readonly string[], timeZone: string): Promise<Date | null> {
  const d = input.mapped!;
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await instance.connect();
  try {
    await conn.run(`set TimeZone = 'UTC'`);
    const v = readTimesSql(`nullif(trim(${sqlIdent(d.deliveredAtColumn!)}), '')`, d.timestamps);
    const at = d.timestamps.includes('%z') ? v : utcFormat(d.timestamps) ? `make_timestamptz(epoch_us(${v}))` : `timezone(${sqlString(input.timeZone ?? timeZone)}, ${v})`;
    const spec = header.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ');
    const reader = await conn.runAndReadAll(`select strftime(max(${at}), '%Y-%m-%dT%H:%M:%SZ') as t
      from read_csv(${sqlString(literalPath(input.path))}, header = true, auto_detect = false, columns = {${spec}},
        delim = ${sqlString(d.delimiter)}, quote = '"', escape = '"', encoding = ${sqlString(d.encoding)}, compression = 'auto',
        max_line_size = ${LAB_MAX_RECORD_BYTES}, buffer_size = ${LAB_MAX_RECORD_BYTES + 1})`);
    const t = reader.getRowObjects()[0]?.t;
    return typeof t === 'string' ? new Date(t) : null;
  } catch (err) {
    throw new Error(`${input.file}: the delivery time could not be read from ${d.deliveredAtColumn}: ${((err as Error).message ?? '').split('\n')[0]}`);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** The columns of a side file, as DuckDB's CSV sniffer reads it (the lookup in canonicalOver reads it the same way). */
async function lookupColumns(file: string): Promise<string[]> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await instance.connect();
  try {
    const reader = await conn.runAndReadAll(`describe select * from read_csv(${sqlString(literalPath(file))}, header = true, all_varchar = true)`);
    return reader.getRowObjects().map((r) => String(r.column_name));
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/**
 * A query over a mapped CSV/TSV file that yields its canonical columns as the mapping computes
 * them (constants, first present column, lookups, absent values), in the file's record order.
 */
export function canonicalSelect(input: DeliveryInput, header: readonly string[], skipMalformed = false): string {
  const d = input.mapped!;
  const spec = header.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ');
  return canonicalOver(d, `read_csv(${sqlString(literalPath(input.path))}, header = true, auto_detect = false,
      columns = {${spec}}, delim = ${sqlString(d.delimiter)}, quote = '"', escape = '"', encoding = ${sqlString(d.encoding)},
      compression = 'auto'${skipMalformed ? ', ignore_errors = true' : ''})`);
}

/** canonicalSelect over `read`, the file's read (every column as text): what staging reads a computed file through. */
function canonicalOver(d: MappedDelivery, read: string): string {
  const absent = d.absent.map(sqlString);
  // a value that is empty, or one of the mapping's "removed" markers, is no value
  const present = (col: string) => `case when trim(f.${sqlIdent(col)}) = ''${absent.length ? ` or trim(f.${sqlIdent(col)}) in (${absent.join(', ')})` : ''}
    then null else f.${sqlIdent(col)} end`;
  const joins: string[] = [];
  const exprOf = (canonical: string): string => {
    const s = d.sources[canonical]!;
    if (s.type === 'value') return sqlString(s.value);
    if (s.type === 'columns') return s.names.length === 1 ? present(s.names[0]!) : `coalesce(${s.names.map(present).join(', ')})`;
    const alias = `lk${joins.length}`;
    // the first row of a key wins: a dictionary that repeats a code is the dictionary's problem
    joins.push(`left join (select trim(${sqlIdent(s.on)}) as k, first(${sqlIdent(s.take)}) as v
        from read_csv(${sqlString(literalPath(s.file))}, header = true, all_varchar = true) group by 1) as ${alias}
      on ${alias}.k = trim(${exprOf(s.key)})`);
    return `${alias}.v`;
  };
  const select = Object.keys(d.sources).map((c) => `${exprOf(c)} as ${sqlIdent(c)}`);
  return `select ${select.join(', ')}
    from (select row_number() over () as __n, * from ${read}) as f
    ${joins.join('\n')}
    order by f.__n`;
}
