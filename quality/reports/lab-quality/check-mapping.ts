// `fangst lab-quality --check-mapping`: what each canonical column of a mapped lab export will
// read from, with ten sample values as the mapping computes them, before anything is evaluated.
// A column the file does not have, a file the evaluation rejects whole before reading a row
// (empty, no header as declared, a column name twice), and one whose quote opens a value and is
// never closed (the rest of the file would be that value), stop it with the evaluation's reason
// (a ConfigError, exit 2). A file is sampled as the evaluation reads it, whatever its mapping
// declares: UTF-8 where it is UTF-8, else as Windows-1252 (an Excel en dash, byte 0x96, is no
// Latin-1 character to DuckDB), line by line where it holds lines of both.
// Samples are masked: identifiers (CPR and replacement numbers) in any column, and the patient
// column whole but for its first and last character.
import { DuckDBInstance } from '@duckdb/node-api';
import { ConfigError, type ConfigProblem } from '../../../config/errors.ts';
import { kindSpec } from '../../../config/kinds.ts';
import { headerProblem, readHeader, wrongEncoding } from '../../../transforms/ingest/header.ts';
import { fileEncoding } from '../../../transforms/ingest/utf8-check.ts';
import { unclosedQuote } from '../../../transforms/ingest/unclosed-quote.ts';
import { transcodeMixed, transcodeWindows1252, type Transcoded } from '../../../transforms/ingest/windows-1252.ts';
import { maskIdentifiersDeep } from '../../../transforms/privacy/identifiers.ts';
import { canonicalSelect, checkMappedHeaders, type DeliveryInput } from './prepare.ts';
import type { LabInput } from './inputs.ts';
import type { ColumnSource, LabMapping } from './mapping.ts';

/** Sample values shown per column. */
export const SAMPLES = 10;

export interface MappedColumn {
  readonly column: string;
  /** Where the mapping reads it from, in words. */
  readonly from: string;
  readonly samples: readonly (string | null)[];
}

export interface MappedFile {
  readonly file: string;
  readonly layout: string;
  readonly columns: readonly MappedColumn[];
  /** Required canonical columns the mapping does not name. */
  readonly unmapped: readonly string[];
  /** The first malformed line DuckDB met and why (the samples then skip such lines, as the evaluation rejects them). */
  readonly malformed: string | null;
  /**
   * Data rows sampled, at most SAMPLES: 0 when the file holds a header and nothing after it that
   * can be read; null when not sampled (a layout other than csv or tsv).
   */
  readonly sampled: number | null;
}

/** Reads the sample rows of every file a mapping claims; throws a ConfigError when a file does not fit. */
export async function checkMapping(inputs: readonly LabInput[]): Promise<MappedFile[]> {
  const headers = await checkMappedHeaders(inputs);
  const out: MappedFile[] = [];
  const rejected: ConfigProblem[] = [];
  for (const input of inputs) {
    if (input.role !== 'delivery' || !input.mapped) continue;
    const header = headers.get(input.path);
    const why = await rejectedWhole(input, header);
    if (why !== null) {
      rejected.push({ file: input.file, key: 'file', found: why, expected: `a file ${input.mapped.sourceFile.split('/').pop()} can read (the evaluation rejects this one whole)` });
      continue;
    }
    const sources = input.mapped.sources;
    const { rows, malformed, unclosed } = header ? await sampleRows(input, header) : { rows: [], malformed: null, unclosed: null };
    if (unclosed) {
      rejected.push({ file: input.file, key: `line ${unclosed.line}${unclosed.column ? `, column ${unclosed.column}` : ''}`,
        found: 'a quote that opens a value and is never closed',
        expected: `the quote closed (a quote inside a value is written twice): the evaluation rejects this file whole, as the rest of it (${unclosed.lines} lines) would be read as that one value` });
      continue;
    }
    const required = kindSpec('laboratoriesvar').required as readonly string[];
    out.push({
      file: input.file,
      layout: input.mapped.sourceFile,
      unmapped: required.filter((c) => !(c in sources)),
      malformed,
      sampled: header ? rows.length : null,
      columns: Object.entries(sources).map(([column, s]) => ({
        column,
        from: describe(column, s, input.mapped!.noClinic),
        samples: rows.map((r) => mask(column, r[column])),
      })),
    });
  }
  if (rejected.length) throw ConfigError.of(rejected);
  return out;
}

/** Why the evaluation rejects a delimited file whole before reading a row (stage.ts checkCsvFile), or null. */
async function rejectedWhole(input: DeliveryInput, header: readonly string[] | undefined): Promise<string | null> {
  const d = input.mapped!;
  if (d.format !== 'csv' && d.format !== 'tsv') return null;
  if (header === undefined) {
    const encoding = await wrongEncoding(input.path, d.encoding).catch(() => null);
    if (encoding) return encoding;
    const read = await readHeader(input.path, d.delimiter).catch(() => null);
    return read === null ? 'the first line is too long to be a header' : headerProblem(read);
  }
  return headerProblem(header);
}

function describe(column: string, s: ColumnSource, noClinic: boolean): string {
  if (column === 'sor_code' && noClinic) return 'none (clinic: none)';
  if (s.type === 'value') return `constant "${s.value}"`;
  if (s.type === 'columns') return s.names.length === 1 ? `column ${s.names[0]}` : `first present of ${s.names.join(', ')}`;
  return `lookup ${s.file.split('/').pop()}: ${s.take} where ${s.on} = ${s.key}`;
}

function mask(column: string, v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const text = maskIdentifiersDeep(String(v));
  if (column !== 'patient') return text;
  return text.length <= 2 ? '*'.repeat(text.length) : `${text[0]}${'*'.repeat(Math.min(text.length - 2, 8))}${text.at(-1)}`;
}

/**
 * A UTF-8 copy of a file as staging reads it, whatever its layout declares (stage.ts, utf8-check.ts),
 * or null for a file DuckDB reads as UTF-8 as it is: one that is not UTF-8 is Windows-1252, or
 * line by line where some of its lines are UTF-8. Read as declared, a Windows-1252 file declared
 * UTF-8 lost every line with an æ to "malformed", and a UTF-8 file declared Latin-1 showed µ as Âµ.
 */
async function asStagingReads(path: string): Promise<Transcoded | null> {
  const found = await fileEncoding(path).catch(() => 'other' as const);
  if (found === 'utf-8' || found === 'ascii') return null;
  return found === 'mixed' ? transcodeMixed(path) : transcodeWindows1252(path);
}

/**
 * The first rows as the mapping reads them. A malformed line (a field too many, a quote never
 * closed) fails DuckDB's strict read: it is named, and the samples are read past such lines, as
 * the evaluation rejects them one by one; but a quote that takes the lines after its own into its
 * value (`unclosed`) is a file the evaluation rejects whole (stage.ts).
 */
async function sampleRows(input: DeliveryInput, header: readonly string[]): Promise<{
  rows: Record<string, unknown>[]; malformed: string | null; unclosed: { line: number; lines: number; column: string | null } | null;
}> {
  const copy = await asStagingReads(input.path);
  const read: DeliveryInput = { ...input, path: copy?.path ?? input.path, mapped: { ...input.mapped!, encoding: 'utf-8' } };
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await instance.connect();
  let malformed: string | null = null;
  let unclosed: { line: number; lines: number; column: string | null } | null = null;
  try {
    const sample = async (skip: boolean) => (await conn.runAndReadAll(`${canonicalSelect(read, header, skip)} limit ${SAMPLES}`)).getRowObjects();
    const rows = await sample(false).catch(async (err: unknown) => {
      const lines = ((err as Error).message ?? '').split('\n').map((l) => l.trim()).filter((l) => l !== '');
      const at = /CSV Error on Line: (\d+)/.exec(lines[0] ?? '');
      if (!at) throw err;
      // DuckDB's reason, never the line it quotes (it may hold anything, an identifier included)
      const why = lines.find((l) => /^(Expected Number of Columns|Value with unterminated quote|Maximum line size|Invalid unicode)/i.test(l));
      const open = /unterminated quote/i.test(why ?? '') ? await unclosedQuote(read.path, input.mapped!.delimiter).catch(() => null) : null;
      if (open && open.lines > 1) {
        unclosed = { line: open.line, lines: open.lines, column: open.field === null ? null : header[open.field] ?? null };
        return [];
      }
      malformed = open
        ? `line ${open.line}: a quote opens a value and is never closed (the file ends first)`
        : maskIdentifiersDeep(`line ${at[1]}: ${why ?? 'the line could not be read'}`);
      return sample(true);
    });
    return { rows, malformed, unclosed };
  } catch (err) {
    throw new Error(`${input.file}: could not be read with ${input.mapped!.sourceFile}: ${((err as Error).message ?? '').split('\n')[0]}`);
  } finally {
    conn.closeSync();
    instance.closeSync();
    await copy?.remove();
  }
}

/** The report in a few lines per file. */
export function mappingText(mapping: LabMapping, files: readonly MappedFile[]): string {
  const lines = [`Mapping ${mapping.file}: ${files.length} file${files.length === 1 ? '' : 's'} read with it`];
  const show = (v: string | null) => (v === null ? '(empty)' : JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v));
  for (const f of files) {
    // a file of a header alone fits any mapping of its columns, and gives the evaluation no result
    const empty = f.sampled !== 0 ? '' : f.malformed ? ' no data row can be read' : ' 0 data rows (a header only): nothing to evaluate';
    lines.push('', `${f.file}:${empty}`);
    const width = Math.max(...f.columns.map((c) => c.column.length));
    const from = Math.max(...f.columns.map((c) => c.from.length));
    for (const c of f.columns) {
      lines.push(`  ${c.column.padEnd(width)}  <- ${c.from.padEnd(from)}  ${c.samples.map(show).join(', ')}`);
    }
    if (f.unmapped.length) lines.push(`  not mapped (required): ${f.unmapped.join(', ')}`);
    if (f.malformed) lines.push(`  malformed lines, the first: ${f.malformed} (the evaluation rejects such lines; the samples skip them)`);
  }
  return `${lines.join('\n')}\n`;
}
