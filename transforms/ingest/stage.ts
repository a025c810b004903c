import { stat } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { kindSpec, type Kind } from '../../config/kinds.ts';
import {
  DATE_COLUMNS, NUMBER_COLUMNS, TIMESTAMP_COLUMNS, type Delivery, type Layout, type RegisterLayout,
} from '../../config/load.ts';
import { queryRows, sqlIdent, sqlString } from '../db/connection.ts';
import { MAX_LINE_BYTES, scanFile, type LineShifts } from './scan-file.ts';
import { unclosedQuote, unclosedQuoteReason } from './unclosed-quote.ts';
import { surplusFieldRecords, type SurplusRecord } from './surplus-fields.ts';
import { MAX_HEADER_BYTES, hasColumn, headerProblem, readHeader, wrongEncoding } from './header.ts';
import { isGzipPath } from './content-stream.ts';
import { literalPath } from './literal-path.ts';
import { readTimesSql } from './time-formats.ts';
import { existingInstant, existingLocal, localToUtcSql, OFFSETS_FROM_BYTES, zoneOffsets } from './local-time.ts';
import { isNotLatin1, transcodeMixed, transcodeWindows1252, type Transcoded } from './windows-1252.ts';
import { READ_AS_UTF8, READ_PER_LINE, fileEncoding } from './utf8-check.ts';
import { maskIdentifiers } from '../privacy/identifiers.ts';

/**
 * The longest record staged unless a caller asks for more (StageContext.maxRecordBytes): DuckDB's
 * default max_line_size, set explicitly, since a larger buffer would lift it.
 */
export const MAX_RECORD_BYTES = 2_000_000;

/** Columns of the register, as staged. */
export const REGISTER_COLUMNS = ['sor_code', 'ydernummer', 'name', 'specialty', 'subspecialty', 'journal_system', 'enrolled_on'];

/**
 * Per-run scratch data lives in this in-memory database (attached to the instance, so every
 * staging connection sees it): it is never written to the database file, and the run's commit
 * does not have to write or checkpoint it. Readers use the views staging.raw_<kind>.
 */
export const SCRATCH = 'fangst_scratch';

/** The staging table a kind (or the register) lands in: raw text plus parsed typed columns. */
export function stagingTable(kind: Kind | 'register'): string {
  return `${SCRATCH}.raw_${kind}`;
}

/**
 * The run's staged files, one row each: the staging tables hold a file's number (file_no, the
 * staging call's seq), not its run, hash, name, system and decimal separator on every row. Those
 * are the same for every row of a file and as many bytes as a row's own values; the views
 * staging.raw_<kind> join them back.
 */
export const STAGED_FILES = `${SCRATCH}.staged_files`;

/**
 * Records files about to be staged under their numbers, once each (a strict read that failed
 * may have recorded them). One statement for all: each is a commit of the scratch.
 */
export async function recordStagedFile(
  conn: DuckDBConnection, kind: Kind | 'register', ctxs: readonly StageContext[], system: string | null, decimal: string | null,
): Promise<void> {
  const rows = ctxs.map((ctx) => `(${ctx.seq}, ${sqlString(kind)}, ${sqlString(ctx.runId)}, ${sqlString(ctx.fileHash)}, ${sqlString(ctx.file)},
    ${system === null ? 'null::varchar' : sqlString(system)}, ${decimal === null ? 'null::varchar' : sqlString(decimal)})`);
  await conn.run(`insert into ${STAGED_FILES} select * from (values ${rows.join(', ')}) as v
    where not exists (select 1 from ${STAGED_FILES} as f where f.file_no = v.col0)`);
}

/** Records delivered files (or the register) of a layout about to be staged. */
function recordFiles(conn: DuckDBConnection, target: StageTarget, ctxs: readonly StageContext[]): Promise<void> {
  return recordStagedFile(conn, target.kind, ctxs, target.kind === 'register' ? null : target.system ?? '', target.layout.decimal);
}

/** Removes the staged rows of these files (by number), to stage them again or not at all. */
function unstage(conn: DuckDBConnection, kind: Kind | 'register', fileNos: readonly number[]): Promise<unknown> {
  return conn.run(`delete from ${stagingTable(kind)} where file_no in (${fileNos.join(', ')})`);
}

/** The tables (not views) of a schema of the database file, as `schema.table`. */
export async function fileTables(conn: DuckDBConnection, schema: string): Promise<Set<string>> {
  const rows = await queryRows<{ t: string }>(conn, `select schema_name || '.' || table_name as t from duckdb_tables()
    where database_name = current_database() and schema_name = ${sqlString(schema)}`);
  return new Set(rows.map((r) => r.t));
}

/**
 * Replaces a table or view of the database file by a view over `target` (databases made before
 * the scratch). `tables`, when the caller replaces several of a schema: that schema's fileTables,
 * read once for all of them instead of one catalogue query per view.
 */
export async function replaceWithView(conn: DuckDBConnection, name: string, target: string, tables?: Set<string>): Promise<void> {
  const known = tables ?? (await fileTables(conn, name.split('.')[0]!));
  if (known.has(name)) {
    await conn.run(`drop table ${name}`);
    known.delete(name);
  }
  await conn.run(`create or replace view ${name} as select * from ${target}`);
}

function stagedColumns(kind: Kind | 'register'): string[] {
  if (kind === 'register') return REGISTER_COLUMNS;
  const { required, optional } = kindSpec(kind);
  return [...new Set([...required, ...optional])];
}

function parsedType(col: string): string | null {
  if (DATE_COLUMNS.has(col)) return 'date';
  if (TIMESTAMP_COLUMNS.has(col)) return 'timestamptz';
  if (NUMBER_COLUMNS.has(col)) return 'double';
  return null;
}

/** Creates the per-run staging tables; they hold only the current run's rows. */
export async function createStagingTables(conn: DuckDBConnection, kinds: readonly (Kind | 'register')[]): Promise<void> {
  const tables = await fileTables(conn, 'staging');
  await conn.run(`attach if not exists ':memory:' as ${SCRATCH}`);
  await conn.run(`create or replace table ${STAGED_FILES} (file_no integer, kind varchar, run_id varchar, file_hash varchar,
    source_file varchar, journal_system varchar, decimal_sep varchar)`);
  for (const kind of kinds) {
    const cols = stagedColumns(kind).flatMap((c) => {
      const t = parsedType(c);
      return t ? [`${c} varchar`, `${c}__parsed ${t}`] : [`${c} varchar`];
    });
    // source_file: null but where a row names a part of its file (a FHIR Observation's component)
    await conn.run(`create or replace table ${stagingTable(kind)} (file_no integer, source_file varchar, source_line bigint, ${cols.join(', ')})`);
    // For deliveries journal_system is the system that delivered the file; the
    // register names each clinic's system in a column of its own.
    const delivered = kind === 'register' ? '' : 'f.journal_system,';
    await replaceWithView(conn, `staging.raw_${kind}`, `(select f.run_id, f.file_hash, coalesce(r.source_file, f.source_file) as source_file,
      r.source_line, ${delivered} f.decimal_sep, r.* exclude (file_no, source_file, source_line)
      from ${stagingTable(kind)} as r join ${STAGED_FILES} as f using (file_no))`, tables);
  }
}

export interface StageTarget {
  readonly kind: Kind | 'register';
  readonly system: string | null;
  readonly layout: Layout;
  readonly columns: Readonly<Record<string, string>>;
  readonly required: readonly string[];
  /**
   * A CSV/TSV whose staged columns are computed from its own (lab-quality's mapped constants,
   * lists, lookups and absent values): `select` turns the file's read (read_csv with the layout's
   * dialect, every column as text) into rows of `columns`, in the file's record order. `columns`
   * above then maps each to itself. The file is read once, where it is, line numbers and all.
   */
  readonly computed?: { readonly columns: readonly string[]; readonly select: (read: string) => string };
}

export function deliveryTarget(d: Delivery): StageTarget {
  return { kind: d.kind, system: d.system, layout: d, columns: d.columns, required: kindSpec(d.kind).required };
}

export function registerTarget(r: RegisterLayout): StageTarget {
  return { kind: 'register', system: null, layout: r, columns: r.columns, required: ['sor_code', 'specialty', 'journal_system', 'enrolled_on'] };
}

export interface StageContext {
  readonly runId: string;
  readonly batchId: string;
  readonly fileHash: string;
  readonly file: string;
  readonly path: string;
  readonly timeZone: string;
  /** Unique per call, to name the connection's temporary reject tables. */
  readonly seq: number;
  /** Size and mtime when the inbox was listed (before hashing): a file that changed since is still being written. */
  readonly seen?: { readonly bytes: number; readonly mtimeMs: number };
  /** The most content (decompressed) the file may hold (max_file_size); unbounded when absent. */
  readonly maxFileBytes?: number;
  /** max_file_size as the configuration writes it ("1GB"), for the rejection. */
  readonly maxFileSize?: string;
  /**
   * The longest record (a CSV record, an NDJSON line) read, counting every column of it, those no
   * layout reads included; a longer one is rejected on its own. MAX_RECORD_BYTES when absent, at
   * most MAX_LINE_BYTES (the longest line a read can reject with its number).
   */
  readonly maxRecordBytes?: number;
}

export interface StageResult {
  /** Records read: staged rows plus rows rejected while reading. */
  readonly rowsRead: number;
  readonly rowsStaged: number;
  readonly rowsRejected: number;
  /** FHIR lines that are no lab result, set apart with the reason (fhir.ts FHIR_SET_APART): not among rowsRead. */
  readonly rowsSetApart?: number;
  /** Set when the file as a whole could not be read; nothing of it is staged. */
  readonly fileError?: string;
  readonly warnings: readonly string[];
}

/** A file that cannot be read at all: reported with this message, nothing staged. */
export class FileRejected extends Error {}

/** A file its layout declares Latin-1 that is UTF-8 (utf8-check.ts): staged again as UTF-8. */
class DeclaredLatin1IsUtf8 extends Error {}

/** A file its layout declares Latin-1 that holds UTF-8 lines too (utf8-check.ts): staged again line by line. */
class DeclaredLatin1IsMixed extends Error {}

/**
 * A file its layout declares UTF-8 whose lines DuckDB turned down as not UTF-8, and that is in
 * fact Windows-1252 throughout ('other': no UTF-8 character in it) or has lines of both
 * ('mixed'): staged again from a UTF-8 copy, as a Latin-1 layout's UTF-8 file is read as UTF-8.
 */
class DeclaredUtf8IsNot extends Error {
  constructor(readonly verdict: 'other' | 'mixed') {
    super(`not UTF-8 (${verdict})`);
  }
}

/**
 * Reads one delivered file into its staging table. Every record ends up either
 * staged (with its line number) or in meta.rejects (with line, column and reason).
 */
export async function stageFile(conn: DuckDBConnection, target: StageTarget, ctx: StageContext): Promise<StageResult> {
  try {
    return await stage(conn, target, ctx);
  } catch (err) {
    if (err instanceof DeclaredLatin1IsUtf8) return stageAsUtf8(conn, target, ctx);
    if (err instanceof DeclaredLatin1IsMixed) return stageCopy(conn, target, ctx, err, transcodeMixed, READ_PER_LINE);
    if (err instanceof DeclaredUtf8IsNot) {
      return err.verdict === 'mixed'
        ? stageCopy(conn, target, ctx, err, transcodeMixed, UTF8_READ_PER_LINE)
        : stageCopy(conn, target, ctx, err, transcodeWindows1252, UTF8_READ_AS_WINDOWS_1252);
    }
    if (target.layout.encoding === 'latin-1' && isNotLatin1(err)) return stageCopy(conn, target, ctx, err, transcodeWindows1252, READ_AS_WINDOWS_1252);
    // An NDJSON file is read whole (no rejects table): a line that is not UTF-8 fails the read,
    // and the file is looked at as a CSV file's rejects are (notUtf8AsDeclared)
    if (target.layout.encoding === 'utf-8' && isNotUtf8(err)) {
      const verdict = await fileEncoding(ctx.path).catch(() => null);
      if (verdict === 'mixed') return stageCopy(conn, target, ctx, err, transcodeMixed, UTF8_READ_PER_LINE);
      if (verdict === 'other') return stageCopy(conn, target, ctx, err, transcodeWindows1252, UTF8_READ_AS_WINDOWS_1252);
    }
    return rejectFile(conn, target, ctx, err);
  }
}

/** DuckDB's error for a read that met bytes that are not UTF-8. */
function isNotUtf8(err: unknown): boolean {
  return /Invalid unicode .*not utf-8 encoded/is.test(String((err as Error)?.message));
}

/** A Latin-1 file that is valid UTF-8 with characters beyond ASCII, staged as UTF-8 (utf8-check.ts). */
async function stageAsUtf8(conn: DuckDBConnection, target: StageTarget, ctx: StageContext): Promise<StageResult> {
  await takeBack(conn, target, ctx);
  try {
    const result = await stage(conn, { ...target, layout: { ...target.layout, encoding: 'utf-8' } }, ctx);
    return { ...result, warnings: [...result.warnings, READ_AS_UTF8] };
  } catch (err) {
    return rejectFile(conn, target, ctx, err);
  }
}

const READ_AS_WINDOWS_1252 = 'read as Windows-1252: the Latin-1 file holds bytes 0x80-0x9F (dashes, quotes or a euro sign typed in Windows)';
const UTF8_READ_AS_WINDOWS_1252 = 'read as Windows-1252: the file its layout declares UTF-8 is not UTF-8 and holds no UTF-8 character, its letters beyond ASCII are Windows-1252 (Latin-1) ones (read as UTF-8, every line with an æ, ø or å would be rejected)';
const UTF8_READ_PER_LINE = 'read line by line: the file its layout declares UTF-8 holds lines in Windows-1252 (Latin-1) beside UTF-8 ones; each is read as what it is';

/**
 * A Latin-1 file staged again from a UTF-8 copy (windows-1252.ts), under its own name, hash and
 * lines: one DuckDB turned down for a byte in 0x80-0x9F, decoded as Windows-1252; one that holds
 * UTF-8 lines beside Latin-1 ones, decoded line by line.
 */
async function stageCopy(conn: DuckDBConnection, target: StageTarget, ctx: StageContext, err: unknown,
  transcode: (path: string) => Promise<Transcoded>, warning: string): Promise<StageResult> {
  await takeBack(conn, target, ctx);
  const copy = await transcode(ctx.path).catch(() => null);
  if (copy === null) return rejectFile(conn, target, ctx, err);
  // The file as delivered was within max_file_size (checked before the first read); its copy
  // spells each of those bytes in two or three, so the limit does not apply to it again.
  const read = { ...ctx, path: copy.path, seen: undefined, maxFileBytes: undefined };
  try {
    const result = await stage(conn, { ...target, layout: { ...target.layout, encoding: 'utf-8' } }, read);
    await unchangedSinceListed(ctx);
    return { ...result, warnings: [...result.warnings, warning] };
  } catch (err2) {
    return rejectFile(conn, target, read, err2);
  } finally {
    await copy.remove();
  }
}

/** Takes back whatever a file staged and records why the file as a whole was rejected. */
async function rejectFile(conn: DuckDBConnection, target: StageTarget, ctx: StageContext, err: unknown): Promise<StageResult> {
  // Named as delivered (inbox-relative), not by the path this machine happens to read it from.
  // A header or a quoted line may hold an identifier: the reason is kept, and shown, masked,
  // before control characters are spelled out (a C1 control read from a Latin-1 header is one).
  const message = printable(maskIdentifiers((err instanceof FileRejected ? err.message : describeDuckError(err))
    .replaceAll(literalPath(ctx.path), ctx.file).replaceAll(ctx.path, ctx.file)));
  await takeBack(conn, target, ctx);
  await insertFileReject(conn, ctx, message);
  return { rowsRead: 0, rowsStaged: 0, rowsRejected: 0, fileError: message, warnings: [] };
}

/** Removes what a file staged in this run: its rows, its rejects and its reading's tables. */
async function takeBack(conn: DuckDBConnection, target: StageTarget, ctx: StageContext): Promise<void> {
  await conn.run(`drop table if exists ${fileTable(ctx)}; drop table if exists rj_${ctx.seq}; drop table if exists rs_${ctx.seq}`);
  await unstage(conn, target.kind, [ctx.seq]);
  await conn.run(`delete from meta.rejects where file_hash = ${sqlString(ctx.fileHash)} and run_id = ${sqlString(ctx.runId)}`);
}

/**
 * Stages several files of one layout (`target`), with the same result per file as
 * stageFile. Clean delimited files with the same header are read by one statement:
 * DuckDB pays a fixed cost per read_csv call (its buffers, its threads) that, over
 * hundreds of small monthly files, costs more than the reading itself. Anything the one
 * read cannot take exactly as stageFile would - a NUL byte, a header problem, a malformed
 * record anywhere - sends the files concerned through stageFile, so rejects and messages
 * stay its own.
 */
export async function stageFiles(conn: DuckDBConnection, target: StageTarget, ctxs: readonly StageContext[]): Promise<StageResult[]> {
  const results: StageResult[] = new Array(ctxs.length);
  const single = async (i: number) => {
    results[i] = await stageFile(conn, target, ctxs[i]!);
  };
  const { layout } = target;
  if ((layout.format !== 'csv' && layout.format !== 'tsv') || ctxs.length < 2 || target.computed) {
    for (let i = 0; i < ctxs.length; i++) await single(i);
    return results;
  }
  // Files that pass stageFile's checks, grouped by their exact header (the read's column list).
  const groups = new Map<string, { i: number; warnings: string[]; fileColumns: string[]; records: number | null; surplus: SurplusRecord[]; lineShifts: LineShifts | null }[]>();
  for (let i = 0; i < ctxs.length; i++) {
    const warnings: string[] = [];
    const checked = await checkCsvFile(target, ctxs[i]!, warnings).catch(() => null);
    if (checked === null || checked.nulBytes) {
      await single(i);
      continue;
    }
    const key = JSON.stringify(checked.fileColumns);
    const group = groups.get(key) ?? [];
    group.push({ i, warnings, fileColumns: checked.fileColumns, records: checked.records, surplus: checked.surplus, lineShifts: checked.lineShifts });
    groups.set(key, group);
  }
  for (const group of groups.values()) {
    const staged = group.length > 1
      ? await stageCsvTogether(conn, target, group.map((g) => ctxs[g.i]!), group[0]!.fileColumns, group.map((g) => g.records))
      : null;
    if (staged === null) {
      for (const g of group) await single(g.i);
      continue;
    }
    for (const [k, g] of group.entries()) {
      const ctx = ctxs[g.i]!;
      try {
        const moved = await rejectSurplus(conn, target, ctx, g.surplus, g.fileColumns.length);
        await toFileLines(conn, target, ctx, g.lineShifts, staged[k]!);
        results[g.i] = await finishFile(ctx, staged[k]! - moved, moved, g.warnings);
      } catch (err) {
        results[g.i] = await rejectFile(conn, target, ctx, err);
      }
    }
  }
  return results;
}

/**
 * One strict read of clean files with the same header into the staging table; the rows
 * each file staged, or null when the read failed (it then appended nothing) and the
 * files are to be staged one by one. Lines are numbered by row id (numberByRowId), and a file's
 * records must be what the scan that checked it counted where it holds no quote character
 * (`scanned`, FileScan.records): otherwise (a file changed between the two reads?) the files go
 * one by one. Where insertion order is not kept, a file's lines are the read's row number less
 * the records of the files before it, counted first where the scan could not.
 */
async function stageCsvTogether(
  conn: DuckDBConnection, target: StageTarget, ctxs: readonly StageContext[], fileColumns: readonly string[],
  scanned: readonly (number | null)[],
): Promise<number[] | null> {
  const present = presentColumns(target, fileColumns);
  const source = csvSource(target.layout, ctxs.map((c) => c.path), fileColumns, null);
  const file = (values: readonly (string | number)[]) => `[${values.map((v) => (typeof v === 'number' ? String(v) : sqlString(v))).join(', ')}][__file + 1]`;
  const fileNos = ctxs.map((c) => c.seq);
  const takeBack = () => unstage(conn, target.kind, fileNos);
  const columns = selectList(present.map((c) => [sqlIdent(target.columns[c]!), c]));
  await recordFiles(conn, target, ctxs);
  if (await keepsInsertionOrder(conn)) {
    const from = `(select null::bigint as __line, file_index::bigint as __file, ${columns} from ${source})`;
    if ((await insertStaged(conn, target, ctxs[0]!, present, from, 'true', { fileNo: file(fileNos), ctxs }).catch(() => null)) === null) return null;
    const counts = await numberByRowId(conn, target.kind, fileNos);
    if (counts === null || counts.some((n, i) => scanned[i] != null && scanned[i] !== n)) {
      await takeBack();
      return null;
    }
    return counts;
  }
  let counts: number[] = ctxs.map(() => 0);
  if (scanned.every((n) => n !== null)) counts = scanned as number[];
  else {
    try {
      const rows = await queryRows<{ i: bigint; n: bigint }>(conn, `select file_index as i, count(*) as n from ${source} group by all`);
      for (const r of rows) counts[Number(r.i)] = Number(r.n);
    } catch {
      return null;
    }
  }
  const offsets = counts.map((_, i) => counts.slice(0, i).reduce((a, b) => a + b, 0));
  const from = `(select row_number() over () + 1 - ${file(offsets)} as __line, __file, * exclude (__file) from (
    select file_index::bigint as __file, ${columns} from ${source}))`;
  const appended = await insertStaged(conn, target, ctxs[0]!, present, from, 'true', { fileNo: file(fileNos), ctxs }).catch(() => null);
  if (appended === null) return null;
  if (appended !== counts.reduce((a, b) => a + b, 0)) {
    // Not what the count saw (a file changed between the two reads?): take it back, one by one instead.
    await takeBack();
    return null;
  }
  return counts;
}

/**
 * Whether this connection's inserts keep the order of what they read (preserve_insertion_order,
 * config/pipeline.yaml): only then do a file's rows take row ids in the order of its records.
 */
async function keepsInsertionOrder(conn: DuckDBConnection): Promise<boolean> {
  let kept = insertionOrder.get(conn);
  if (kept === undefined) {
    const [row] = await queryRows<{ kept: boolean }>(conn, `select current_setting('preserve_insertion_order') as kept`);
    kept = row!.kept;
    insertionOrder.set(conn, kept);
  }
  return kept;
}

/** preserve_insertion_order per connection: a setting of the instance, set when it is opened. */
const insertionOrder = new WeakMap<DuckDBConnection, boolean>();

/**
 * Numbers the lines of the rows that a read without line numbers just appended for the files
 * `fileNos` (the k-th record: line k + 1 below a header, `firstLine` 2; line k in NDJSON), and
 * returns each file's rows.
 * Why not row_number() over () in the read: DuckDB streams a window without a partition on one
 * thread, so the whole read, parsing included, ran on one. A read without it parses on every
 * thread, and an insert that keeps insertion order appends a file's records in file order, one
 * after the other: their row ids are consecutive (DuckDB's order preservation: "on materialized
 * tables, the rowid pseudo-column can be used" as row_number() over ()). Null when a file's rows
 * do not hold consecutive row ids; the caller then takes them back and numbers them in the read.
 */
async function numberByRowId(conn: DuckDBConnection, kind: Kind | 'register', fileNos: readonly number[], firstLine = 2): Promise<number[] | null> {
  const table = stagingTable(kind);
  const runs = await queryRows<{ file_no: number; first: bigint; last: bigint; n: bigint }>(conn, `select file_no,
    min(rowid) as first, max(rowid) as last, count(*) as n from ${table} where file_no in (${fileNos.join(', ')}) group by file_no`);
  if (runs.some((r) => r.last - r.first + 1n !== r.n)) return null;
  if (runs.length > 0) {
    await conn.run(`update ${table} set source_line = rowid + ${firstLine} - case file_no ${runs.map((r) => `when ${r.file_no} then ${r.first}`).join(' ')} end
      where file_no in (${runs.map((r) => r.file_no).join(', ')})`);
  }
  return fileNos.map((no) => Number(runs.find((r) => r.file_no === no)?.n ?? 0n));
}

/** What stageFile checks of a delimited file before reading it; throws FileRejected as it does. */
async function checkCsvFile(
  target: StageTarget, ctx: StageContext, warnings: string[],
): Promise<{ fileColumns: string[]; nulBytes: boolean; records: number | null; surplus: SurplusRecord[]; lineShifts: LineShifts | null }> {
  const { layout } = target;
  const scan = await scanFile(ctx.path, { jsonEscapes: false, maxLineBytes: MAX_LINE_BYTES, maxBytes: ctx.maxFileBytes, maxSize: ctx.maxFileSize, utf8: layout.encoding === 'latin-1', delimiter: layout.delimiter, recordLines: true });
  if (scan.problem) throw new FileRejected(scan.problem);
  if (scan.encoding === 'utf-8') throw new DeclaredLatin1IsUtf8();
  if (scan.encoding === 'mixed') throw new DeclaredLatin1IsMixed();
  if (scan.longLine) {
    const { line, bytes } = scan.longLine;
    throw new FileRejected(`line ${line} is longer than ${MAX_LINE_BYTES / 1024 / 1024} MB (${bytes} bytes and more): too long to read and reject on its own`);
  }
  const encodingProblem = await wrongEncoding(ctx.path, layout.encoding);
  if (encodingProblem) throw new FileRejected(encodingProblem);
  const fileColumns = await readHeader(ctx.path, layout.delimiter);
  if (fileColumns === null) throw new FileRejected(`the first line is longer than ${MAX_HEADER_BYTES / 1024 / 1024} MB: not a header of this layout`);
  const headerWrong = headerProblem(fileColumns);
  if (headerWrong) throw new FileRejected(headerWrong);
  if (!target.computed) checkColumns(target, fileColumns, warnings);
  // a second pass over the file only where a line ends with the delimiter
  const surplus = scan.delimiterEnds ? await surplusFieldRecords(ctx.path, layout.delimiter, fileColumns.length) : null;
  if (surplus && surplus.most > 0) {
    warnings.push(`${surplus.most} of ${surplus.of} records have more fields than the header's ${fileColumns.length}, the surplus empty: `
      + 'read as records that end with a delimiter; where a value holds the delimiter unquoted, the values after it are read one column off');
  }
  return { fileColumns, nulBytes: scan.nul, records: scan.records, surplus: [...(surplus?.records ?? [])], lineShifts: scan.lineShifts };
}

/**
 * Takes the records DuckDB read with a delimiter too many (surplus-fields.ts) out of the staging
 * table and rejects them; returns how many. Only staged ones: a record DuckDB rejected itself
 * keeps its own reject.
 */
async function rejectSurplus(conn: DuckDBConnection, target: StageTarget, ctx: StageContext, surplus: readonly SurplusRecord[], columns: number): Promise<number> {
  if (surplus.length === 0) return 0;
  const mine = `${sqlString(ctx.runId)}, ${sqlString(ctx.batchId)}, ${sqlString(ctx.fileHash)}, ${sqlString(ctx.file)}`;
  const list = `(values ${surplus.map((r) => `(${r.line}, ${r.fields})`).join(', ')}) as s(line, fields)`;
  const taken = await queryRows<{ source_line: bigint }>(conn, `delete from ${stagingTable(target.kind)}
    where file_no = ${ctx.seq} and source_line in (select line from ${list}) returning source_line`);
  if (taken.length === 0) return 0;
  const delimiter = target.layout.delimiter === '\t' ? 'tab' : `'${target.layout.delimiter}'`;
  await conn.run(`insert into meta.rejects
    select ${mine}, s.line, null, 'the record has ' || s.fields || ' fields where the header has ${columns}, the last of them empty: '
      || 'a ${delimiter.replaceAll("'", "''")} inside a value that is not quoted? Read as it is, its values would move one column; quote the value and deliver the file again', null
    from ${list} where s.line in (${taken.map((t) => String(t.source_line)).join(', ')})`);
  return taken.length;
}

/**
 * Numbers a staged file's rows and rejects by the line of the file each record starts on, where
 * the scan found records that start further down than the reads numbered them (after a quoted
 * value holding a line break, or an empty line: FileScan.lineShifts): line N in a finding is line
 * N in an editor. Only when the scan saw as many records as the reads did (`records`, the header
 * not counted); a file whose records are its lines has no shift and costs no statement.
 */
async function toFileLines(conn: DuckDBConnection, target: StageTarget, ctx: StageContext, shifts: LineShifts | null, records: number): Promise<void> {
  if (shifts === null || shifts.lines.length === 0 || shifts.records - 1 !== records) return;
  const table = `line_shifts_${ctx.seq}`;
  await conn.run(`create or replace temp table ${table} as
    select unnest([${shifts.lines.join(', ')}]::bigint[]) as line, unnest([${shifts.shifts.join(', ')}]::bigint[]) as shift`);
  const renumber = (rows: string, where: string) => `update ${rows} as t set source_line = t.source_line + m.shift
    from (select s.line, b.shift from (select distinct source_line as line from ${rows} where ${where}) as s
      asof join ${table} as b on s.line >= b.line) as m
    where ${where.replaceAll('source_line', 't.source_line')} and t.source_line = m.line`;
  await conn.run(renumber(stagingTable(target.kind), `file_no = ${ctx.seq}`));
  await conn.run(renumber('meta.rejects', `run_id = ${sqlString(ctx.runId)} and file_hash = ${sqlString(ctx.fileHash)} and source_file = ${sqlString(ctx.file)} and source_line is not null`));
  await conn.run(`drop table ${table}`);
}

const END_OF_FILE_MARK = 'ends with an end-of-file mark (Ctrl-Z, byte 0x1A, as DOS programs write it) on a line of its own: no record, not counted';

/**
 * Takes the reject of a file's last line out when that line is nothing but Ctrl-Z (0x1A, SUB):
 * the end-of-file mark of DOS programs, which some laboratory systems still write. DuckDB reads
 * it as a record of one field, a result lost that never was. Returns how many (0 or 1).
 */
async function dropEndOfFileMark(conn: DuckDBConnection, target: StageTarget, ctx: StageContext): Promise<number> {
  const file = `run_id = ${sqlString(ctx.runId)} and file_hash = ${sqlString(ctx.fileHash)} and source_file = ${sqlString(ctx.file)}`;
  const taken = await queryRows<{ source_line: bigint }>(conn, `delete from meta.rejects where ${file} and raw_value = chr(26)
    and source_line = (select max(source_line) from meta.rejects where ${file})
    and source_line > (select coalesce(max(source_line), 0) from ${stagingTable(target.kind)} where file_no = ${ctx.seq})
    returning source_line`);
  return new Set(taken.map((t) => t.source_line)).size;
}

/** The staged columns a file's header has, under their staged names. */
function presentColumns(target: StageTarget, fileColumns: readonly string[]): string[] {
  return stagedColumns(target.kind).filter((c) => target.columns[c] !== undefined && hasColumn(fileColumns, target.columns[c]!));
}

/**
 * read_csv of one or more files with the layout's dialect, every column as text. A record longer
 * than DuckDB's max_line_size (2 MB) fails the strict read; the read that keeps rejects gets a
 * buffer that holds any line up to MAX_LINE_BYTES, so such a record becomes a reject with its
 * line instead of vanishing (with its default buffer the reader skips it without a word), and
 * `maxLineSize` as its limit: a longer record than the default one is read, not rejected.
 */
function csvSource(
  layout: Layout, paths: readonly string[], fileColumns: readonly string[], rejects: { rj: string; rs: string } | null, maxLineSize = MAX_RECORD_BYTES,
): string {
  const spec = fileColumns.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ');
  const files = paths.length === 1 ? sqlString(literalPath(paths[0]!)) : `[${paths.map((p) => sqlString(literalPath(p))).join(', ')}]`;
  return `read_csv(${files}, header = true, auto_detect = false, columns = {${spec}},
        delim = ${sqlString(layout.delimiter)}, quote = '"', escape = '"', encoding = ${sqlString(layout.encoding)},
        compression = 'auto'${rejects ? `, store_rejects = true, rejects_table = '${rejects.rj}', rejects_scan = '${rejects.rs}',
        max_line_size = ${maxLineSize}, buffer_size = ${MAX_LINE_BYTES + 1}` : ''})`;
}

/** The rows a read of a file yields: the read itself, or what a computed target selects from it. */
function computedOr(target: StageTarget, read: string): string {
  return target.computed ? `(${target.computed.select(read)})` : read;
}

/** A staged file's result, once its size and mtime are seen unchanged since it was listed. */
async function finishFile(ctx: StageContext, staged: number, rejected: number, warnings: string[]): Promise<StageResult> {
  if (staged + rejected === 0) warnings.push('no records: the file holds no data rows');
  await unchangedSinceListed(ctx);
  return { rowsRead: staged + rejected, rowsStaged: staged, rowsRejected: rejected, warnings };
}

/** Throws FileRejected when the file's size or mtime differ from when the inbox was listed. */
async function unchangedSinceListed(ctx: StageContext): Promise<void> {
  if (!ctx.seen) return;
  // Its hash was taken from other bytes than the ones just staged: leave it for the next run.
  const now = await stat(ctx.path);
  if (now.size !== ctx.seen.bytes || now.mtimeMs !== ctx.seen.mtimeMs) {
    throw new FileRejected(`file changed while it was read (${ctx.seen.bytes} bytes when listed, ${now.size} now): still being written? left for the next run`);
  }
}

async function insertFileReject(conn: DuckDBConnection, ctx: StageContext, reason: string): Promise<void> {
  // Parameters, not literals: a reason quoting a binary header may hold any byte, NUL included.
  await conn.run(`insert into meta.rejects values ($1, $2, $3, $4, null, null, $5, null)`,
    [ctx.runId, ctx.batchId, ctx.fileHash, ctx.file, reason]);
}

/** Control characters shown as \uXXXX, at most 500 characters: a message, not a dump of the file. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  const shown = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffd]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return shown.length > 500 ? `${shown.slice(0, 500)}...` : shown;
}

function describeDuckError(err: unknown): string {
  const msg = (err as Error).message ?? String(err);
  // DuckDB messages carry the full path and a long hint; the first line says what went wrong,
  // but for a line of a text file (its reader is DuckDB's CSV reader, NDJSON's too) only where:
  // the line after the record it quotes says what.
  const lines = msg.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const first = (lines[0] ?? msg).replace(/^[A-Za-z ]+ Error: /, '');
  const at = /^CSV Error on Line: (\d+)/.exec(first);
  if (at) {
    const why = lines.slice(1).find((l) => !/^(Original Line|Possible Solution|Possible fixes|file =|\*)/.test(l));
    return `file could not be read: line ${at[1]}: ${(why ?? 'the line could not be read').replace(/ This file is not utf-8 encoded\.$/, '').slice(0, 300)}`;
  }
  return `file could not be read: ${first.slice(0, 300)}`;
}

async function stage(conn: DuckDBConnection, target: StageTarget, ctx: StageContext): Promise<StageResult> {
  const { layout } = target;
  const warnings: string[] = [];
  const cols = stagedColumns(target.kind);
  const mine = `${sqlString(ctx.runId)}, ${sqlString(ctx.batchId)}, ${sqlString(ctx.fileHash)}, ${sqlString(ctx.file)}`;
  const csv = layout.format === 'csv' || layout.format === 'tsv';
  const maxRecord = Math.min(ctx.maxRecordBytes ?? MAX_RECORD_BYTES, MAX_LINE_BYTES);
  let nulBytes = true;
  let fileColumns: string[] = [];
  // NDJSON: how many lines the file has (FileScan.lines), and whether one is longer than a record may be
  let ndjsonLines: number | null = null;
  let ndjsonLong = false;
  let surplus: SurplusRecord[] = [];
  let lineShifts: LineShifts | null = null;
  if (csv) ({ fileColumns, nulBytes, surplus, lineShifts } = await checkCsvFile(target, ctx, warnings));
  else if (layout.format === 'ndjson' || isGzipPath(ctx.path)) {
    const ndjson = layout.format === 'ndjson';
    // a line over DuckDB's default max_line_size needs a read with a larger one, whatever maxRecord
    const scan = await scanFile(ctx.path, { jsonEscapes: ndjson, maxBytes: ctx.maxFileBytes, maxSize: ctx.maxFileSize, countLines: ndjson, ...(ndjson ? { maxLineBytes: MAX_RECORD_BYTES } : {}) });
    if (scan.problem) throw new FileRejected(scan.problem);
    nulBytes = scan.nul;
    // the scan stops counting at a long line
    ndjsonLong = scan.longLine !== null;
    ndjsonLines = ndjsonLong ? null : scan.lines;
  } else if (ctx.maxFileBytes !== undefined && (await stat(ctx.path)).size > ctx.maxFileBytes) {
    throw new FileRejected(`larger than ${ctx.maxFileSize ?? `${ctx.maxFileBytes} bytes`} (max_file_size)`);
  }
  const finish = async (staged: number, rejected: number): Promise<StageResult> => {
    const moved = await rejectSurplus(conn, target, ctx, surplus, fileColumns.length);
    // looked for only in a file with a rejected line: the query reads the staged rows' lines
    const mark = csv && rejected + moved > 0 ? await dropEndOfFileMark(conn, target, ctx) : 0;
    if (mark > 0) warnings.push(END_OF_FILE_MARK);
    if (csv) await toFileLines(conn, target, ctx, lineShifts, staged + rejected);
    return finishFile(ctx, staged - moved, rejected + moved - mark, warnings);
  };

  // A text file without a NUL byte goes straight into the staging table, counted by the
  // insert itself. Any other file is read once into `rows`, a connection-local table, checked
  // there, then appended: no check or count ever reads the staging table, which holds every
  // file of the run (checks on it made staging grow with files x rows). `rows` holds __line
  // (the source line), the raw text of each staged column the file has (under its staged
  // name), __nul (the first of them holding a NUL byte) and, for NDJSON, every line with
  // __object telling whether it is a record.
  const rows = fileTable(ctx);
  let present: string[];
  let rejected = 0;
  let records = 'true';
  if (csv) {
    // a computed file's columns are what its select yields (its own were checked against the mapping)
    present = presentColumns(target, target.computed?.columns ?? fileColumns);
    const rj = `rj_${ctx.seq}`;
    const rs = `rs_${ctx.seq}`;
    // The header is line 1; records are numbered in file order (preserve_insertion_order), by
    // the read or, after it, by row id (numberByRowId).
    const read = (rejects: boolean, numbered = true) => `select ${numbered ? 'row_number() over () + 1' : 'null::bigint'} as __line,
      ${selectList(present.map((c) => [sqlIdent(target.columns[c]!), c]))}
      from ${computedOr(target, csvSource(layout, [ctx.path], fileColumns, rejects ? { rj, rs } : null, maxRecord))}`;
    if (!nulBytes) {
      // No NUL byte in the file, so none in a value: straight into the staging table. Most
      // files are clean, so the first read is strict, without DuckDB's reject bookkeeping;
      // a malformed record fails it (the failed statement appends nothing) and the file is
      // read again keeping every good record and rejecting the others with their lines.
      // Its rows whose row ids are not consecutive are read again by the reading that keeps
      // rejects, which numbers them itself.
      const byRowId = await keepsInsertionOrder(conn);
      const strict = await insertStaged(conn, target, ctx, present, `(${read(false, !byRowId)})`, 'true').catch(() => null);
      if (strict !== null && (!byRowId || (await numberByRowId(conn, target.kind, [ctx.seq])) !== null)) return finish(strict, 0);
      if (strict !== null) await unstage(conn, target.kind, [ctx.seq]);
      let cut = false;
      const staged = await insertStaged(conn, target, ctx, present, `(${read(true)})`, 'true').catch((err: unknown) => {
        if (!isLongRecordCut(err)) throw err;
        cut = true;
        return 0;
      });
      if (!cut) {
        const lines = { table: stagingTable(target.kind), line: 'source_line', count: String(staged), where: `file_no = ${ctx.seq}` };
        await notUtf8AsDeclared(conn, target, ctx, rj);
        return finish(staged, await collectCsvRejects(conn, mine, lines, rj, rs, { path: ctx.path, delimiter: layout.delimiter }, lineShifts?.empty));
      }
      // A record over max_line_size whose cut for DuckDB's reject fell inside a UTF-8 character
      // fails that read (isLongRecordCut), and its rejects tables with it (a read of its own
      // keeps them under other names). Read with a line limit that holds any record, the file
      // goes the way of a file with NUL bytes (below), its over-long records rejected by their
      // own measure.
      await conn.run(`create or replace temp table ${rows} as select *, ${nulColumn(present)} as __nul from (
        select row_number() over () + 1 as __line, ${selectList(present.map((c) => [sqlIdent(target.columns[c]!), c]))},
          ${recordBytes(target.computed ? present.map((c) => target.columns[c]!) : fileColumns)} as __bytes
        from ${computedOr(target, csvSource(layout, [ctx.path], fileColumns, { rj: `${rj}_l`, rs: `${rs}_l` }, MAX_LINE_BYTES))})`);
      await notUtf8AsDeclared(conn, target, ctx, `${rj}_l`);
      rejected = await collectCsvRejects(conn, mine, { table: rows, line: '__line', count: `(select count(*) from ${rows})`, where: 'true' }, `${rj}_l`, `${rs}_l`, { path: ctx.path, delimiter: layout.delimiter }, lineShifts?.empty);
      rejected += (await conn.run(`insert into meta.rejects
        select ${mine}, __line, null, 'line size over maximum: the record holds ' || __bytes || ' bytes, more than a record may be (${maxRecord})', null
        from ${rows} where __bytes > ${maxRecord}`)).rowsChanged;
      records = `__bytes <= ${maxRecord}`;
    } else {
      await conn.run(`create or replace temp table ${rows} as select *, ${nulColumn(present)} as __nul from (${read(true)})`);
      rejected = await collectCsvRejects(conn, mine, { table: rows, line: '__line', count: `(select count(*) from ${rows})`, where: 'true' }, rj, rs, { path: ctx.path, delimiter: layout.delimiter }, lineShifts?.empty);
    }
  } else if (layout.format === 'ndjson') {
    // One line = one record: reading lines ourselves lets an invalid line be rejected
    // with its number instead of failing (or silently skipping in) the whole file.
    // Every mapped key is read (null when absent); the list form of json_extract_string
    // parses each line once for all of them.
    present = cols.filter((c) => target.columns[c] !== undefined);
    const paths = present.map((c) => sqlString(`$."${target.columns[c]!.replaceAll('"', '\\"')}"`));
    // A line longer than a record may be (maxRecord, as for CSV) is rejected with its
    // number: read with a buffer that holds it (with DuckDB's default buffer such a line fails
    // the whole file, with a CSV error naming the line one off).
    const tooLong = `strlen(j) > ${maxRecord}`;
    const lines = (numbered = true) => `(select ${numbered ? 'row_number() over ()' : 'null::bigint'} as __line, j,
        ${ndjsonLong ? `not ${tooLong} and ` : ''}${IS_OBJECT} as __object
      from read_csv(${sqlString(literalPath(ctx.path))}, header = false, auto_detect = false, columns = {'j': 'VARCHAR'},
        delim = chr(30), quote = '', escape = '', compression = 'auto', encoding = ${sqlString(layout.encoding)}${ndjsonLong
          ? `, max_line_size = ${MAX_LINE_BYTES}, buffer_size = ${MAX_LINE_BYTES + 1}` : ''}))`;
    const values = (numbered = true) => `(select __line, j, __object, ${selectList(present.map((c, i) => [`__v[${i + 1}]`, c]))} from (
      select *, case when __object then json_extract_string(j, [${paths.join(', ')}]) end as __v from ${lines(numbered)}))`;
    // A line of nothing but JSON's whitespace is a blank line, as an empty one is: no record.
    const rejectLines = async (from: string) => (await conn.run(`insert into meta.rejects
      select ${mine}, __line, null,
        case when ${tooLong} then 'line size over maximum: the line is ' || strlen(j) || ' bytes, more than a record may be (${maxRecord})'
          when json_valid(j) then 'line is JSON but not an object' else 'line is not valid JSON' end, left(j, 200)
      from ${from} where j is not null and not __object and not regexp_full_match(j, '[ \t\r]*')`)).rowsChanged;
    if (!nulBytes) {
      // Neither a NUL byte nor its escape in the file, so none in a value: straight in. First
      // one read without line numbers: when it stages as many objects as the file has lines,
      // there is nothing to reject, and the rows are numbered by row id (numberByRowId). Else
      // it is taken back, and the lines that are not objects are rejected by a read of their own.
      if (ndjsonLines !== null && (await keepsInsertionOrder(conn))) {
        const staged = await insertStaged(conn, target, ctx, present, values(false), '__object');
        if (staged === ndjsonLines && (await numberByRowId(conn, target.kind, [ctx.seq], 1)) !== null) return finish(staged, 0);
        await unstage(conn, target.kind, [ctx.seq]);
      }
      const bad = await rejectLines(lines());
      return finish(await insertStaged(conn, target, ctx, present, values(), '__object'), bad);
    }
    await conn.run(`create or replace temp table ${rows} as select *, ${nulColumn(present)} as __nul from ${values()}`);
    records = '__object';
    rejected = await rejectLines(rows);
  } else {
    const source = `read_parquet(${sqlString(literalPath(ctx.path))}, file_row_number = true)`;
    const described = await queryRows<{ column_name: string; column_type: string }>(conn, `describe select * from ${source}`);
    const fileColumns = described.map((c) => c.column_name).filter((c) => c !== 'file_row_number');
    checkColumns(target, fileColumns, warnings);
    present = cols.filter((c) => target.columns[c] !== undefined && hasColumn(fileColumns, target.columns[c]!));
    const typeOf = (name: string) => described.find((d) => hasColumn([d.column_name], name))?.column_type ?? 'VARCHAR';
    // A nested value (a struct, a list, a map) is no one value of a column: as text it would be
    // published as DuckDB prints it ("{'a': 1}" as a record id, "[PX1, PX2]" as a patient).
    const nested = present.filter((c) => /^(STRUCT|MAP|UNION)\(|\[\d*\]$/.test(typeOf(target.columns[c]!)))
      .map((c) => `${target.columns[c]!} (${c}) is ${typeOf(target.columns[c]!)}`);
    if (nested.length > 0) throw new FileRejected(`mapped columns hold nested values, not one value each: ${nested.join('; ')}`);
    await conn.run(`create or replace temp table ${rows} as
      select *, ${nulColumn(present)} as __nul from (
        select file_row_number + 1 as __line,
          ${selectList(present.map((c) => [parquetText(target.columns[c]!, typeOf(target.columns[c]!), c, layout, ctx.timeZone), c]))}
        from ${source})`);
  }

  // A NUL byte is binary data or text in another encoding (UTF-16), never a value a
  // consumer can take: the record is rejected, naming its first such column.
  const nul = (await conn.run(`insert into meta.rejects
    select ${mine}, __line, __nul, 'NUL byte in the value: binary data, or a file in another encoding (UTF-16?)', null
    from ${rows} where __nul is not null`)).rowsChanged;
  const staged = await insertStaged(conn, target, ctx, present, rows, `${records} and __nul is null`);
  await conn.run(`drop table if exists ${rows}`);
  return finish(staged, rejected + nul);
}

/**
 * A Parquet column as the text its staged column is parsed from. A typed date or time is written
 * in the layout's format, which parses it back: cast to text, a TIMESTAMP in a date column
 * ('2025-05-05 10:00:00') is no date in '%Y-%m-%d', and every row would be rejected. A TIMESTAMP WITH
 * TIME ZONE is an instant: written as the wall-clock time of the delivery's zone (UTC for a
 * format ending in Z), the zone the layout's format is read in. (In the hour a clock repeats,
 * the later of two instants is read as the earlier.)
 */
function parquetText(name: string, columnType: string, staged: string, layout: Layout, zone: string): string {
  const id = sqlIdent(name);
  const type = parsedType(staged);
  const format = type === 'date' ? layout.dates : type === 'timestamptz' && !layout.timestamps.includes('%z') ? layout.timestamps : null;
  if (format === null || !/^(DATE|TIMESTAMP)/.test(columnType)) return `cast(${id} as varchar)`;
  const wallClock = columnType.includes('WITH TIME ZONE') ? `timezone(${sqlString(type === 'timestamptz' && utcFormat(format) ? 'UTC' : zone)}, ${id})` : id;
  return `strftime(${wallClock}, ${sqlString(format)})`;
}

/**
 * Appends a file's rows to its staging table, with the typed parse of each typed column;
 * `from` yields __line and the raw text of the `present` columns. Returns the rows appended.
 */
async function insertStaged(
  conn: DuckDBConnection, target: StageTarget, ctx: StageContext, present: readonly string[], from: string, where: string,
  // when `from` reads several files (stageCsvTogether, which recorded them): SQL for each row's
  // file number, and the files
  group?: { readonly fileNo: string; readonly ctxs: readonly StageContext[] },
): Promise<number> {
  if (group === undefined) await recordFiles(conn, target, [ctx]);
  const names: string[] = [];
  const exprs: string[] = [];
  // A time without an offset is read in a projection of its own, __local_<column>, and converted
  // to UTC from there by its zone's offsets (local-time.ts), which name it several times. A small
  // read leaves its times to ICU (reading a zone's offsets would cost more than it saves), once
  // per value in a projection of its own, __icu_<column>, which the test for a skipped hour reads
  // back (existingInstant).
  const locals = target.layout.timestamps.includes('%z') || utcFormat(target.layout.timestamps) ? [] : present.filter((c) => parsedType(c) === 'timestamptz');
  const bytes = locals.length > 0 ? await sizeOf(group?.ctxs ?? [ctx]) : 0;
  const offsets = bytes >= OFFSETS_FROM_BYTES ? await zoneOffsets(conn, ctx.timeZone) : null;
  const localOf = (col: string) => sqlIdent(`__local_${col}`);
  const utcOf = (col: string) => sqlIdent(`__utc_${col}`);
  const icuOf = (col: string) => sqlIdent(`__icu_${col}`);
  for (const col of stagedColumns(target.kind)) {
    const raw = present.includes(col) ? sqlIdent(col) : 'null::varchar';
    const type = parsedType(col);
    const local = locals.includes(col);
    const parsed = local ? utcOf(col) : type ? parseExpr(type, raw, target.layout, ctx.timeZone) : null;
    names.push(col);
    // A delivery's date or time is kept as text only where it did not parse: a reject quotes it,
    // nothing reads the text of one that parsed, and a time's 19 characters in every lab row
    // are a good part of what staging stores. (A number's text stays: a CPR number parses as
    // one, and parse_rejects looks for it in the text. The register keeps its text.) A local
    // time that parsed has its instant; one the clocks skip has none and keeps its text.
    const unparsed = `${parsed} is null`;
    exprs.push(parsed && type !== 'double' && target.kind !== 'register' ? `case when ${unparsed} then ${raw} end` : raw);
    if (parsed) {
      names.push(`${col}__parsed`);
      exprs.push(parsed);
    }
  }
  // the instant in a projection of its own too: it is read twice (the instant, and whether the text is kept)
  const instant = (c: string) => (offsets ? localToUtcSql(localOf(c), offsets) : existingInstant(ctx.timeZone, localOf(c), icuOf(c)));
  const icu = offsets ? '' : `, ${locals.map((c) => `timezone(${sqlString(ctx.timeZone)}, ${localOf(c)}) as ${icuOf(c)}`).join(', ')}`;
  const source = locals.length > 0
    ? `(select *, ${locals.map((c) => `coalesce(${instant(c)}, ${withOffset(sqlIdent(c), target.layout.timestamps)}) as ${utcOf(c)}`).join(', ')}
        from (select *${icu} from (select *, ${locals.map((c) => `${localTime(sqlIdent(c), target.layout.timestamps)} as ${localOf(c)}`).join(', ')} from ${from})))`
    : from;
  const result = await conn.run(`insert into ${stagingTable(target.kind)} (file_no, source_line, ${names.join(', ')})
    select ${group?.fileNo ?? ctx.seq}, __line, ${exprs.join(', ')}
    from ${source} where ${where}`);
  return result.rowsChanged;
}

/** The bytes of the files (as stored: a gzip file's compressed size). */
async function sizeOf(ctxs: readonly StageContext[]): Promise<number> {
  const sizes = await Promise.all(ctxs.map(async (c) => (await stat(c.path)).size));
  return sizes.reduce((a, b) => a + b, 0);
}

/** The connection-local table one call reads its file into. */
function fileTable(ctx: StageContext): string {
  return `stage_file_${ctx.seq}`;
}

/** `expr as name` pairs; a leading comma-free list, or a placeholder when the file has none of them. */
function selectList(pairs: readonly (readonly [string, string])[]): string {
  return pairs.length ? pairs.map(([e, c]) => `${e} as ${sqlIdent(c)}`).join(', ') : 'null::varchar as __none';
}

/**
 * Required columns missing from a file's header reject the file; unmapped ones are a warning.
 * The header is quoted only when it is one: when it holds one of the layout's column names, also
 * between another delimiter. A first line with none of them may be a record (a file delivered
 * without its header line), whose pseudonyms and free text must not reach the reject's reason.
 */
function checkColumns(target: StageTarget, fileColumns: readonly string[], warnings: string[]): void {
  const missing = target.required.filter((c) => target.columns[c] && !hasColumn(fileColumns, target.columns[c]!));
  if (missing.length) {
    const names = missing.map((c) => `${target.columns[c]} (${c})`).join(', ');
    const layoutNames = Object.values(target.columns);
    const isHeader = fileColumns.some((c) => c.split(/[;,\t|]/).some((part) => hasColumn(layoutNames, part.trim())));
    // one column holding the layout's names: the file is separated by another character
    const other = fileColumns.length === 1
      ? [';', ',', '\t', '|'].find((d) => d !== target.layout.delimiter && fileColumns[0]!.split(d).filter((part) => hasColumn(layoutNames, part.trim())).length >= 2)
      : undefined;
    const shown = (d: string) => (d === '\t' ? 'a tab' : `"${d}"`);
    const header = other !== undefined
      ? `the header reads as one column: its names are separated by ${shown(other)}, the layout says ${shown(target.layout.delimiter)} (delimiter in its layout)`
      : isHeader
      ? `the header has ${fileColumns.join(', ')}`
      : `the first line has ${fileColumns.length} field${fileColumns.length === 1 ? '' : 's'} and none of the layout's column names: a file without its header line? (not quoted: it may be a record)`;
    throw new FileRejected(`required column missing: ${names}; ${header}`);
  }
  // An optional column the layout maps and the file lacks is empty in every row: said, so that
  // a misspelt name in the layout is not mistaken for data the system does not deliver.
  const absent = Object.entries(target.columns).filter(([c, name]) => !target.required.includes(c) && !hasColumn(fileColumns, name));
  if (absent.length) warnings.push(`mapped columns not in the file, empty in every row: ${absent.map(([c, name]) => `${name} (${c})`).join(', ')}`);
  const mapped = Object.values(target.columns);
  const extra = fileColumns.filter((c) => !hasColumn(mapped, c));
  if (extra.length) warnings.push(`unknown columns ignored: ${extra.join(', ')}`);
}

/** The first of the columns whose value holds a NUL byte, or null. */
function nulColumn(present: readonly string[]): string {
  if (present.length === 0) return 'null::varchar';
  return `case ${present.map((c) => `when contains(${sqlIdent(c)}, chr(0)) then ${sqlString(c)}`).join(' ')} end`;
}

/** Typed parse of a raw text value with the layout's formats; null when it does not parse. */
export function parseExpr(type: string, raw: string, layout: Layout, timeZone: string): string {
  const time = (format: string) => localTime(raw, format);
  if (type === 'date') return `cast(${time(layout.dates)} as date)`;
  if (type === 'double') {
    // Only the layout's decimal separator, and the other one only as thousands grouping:
    // "7.3" in a decimal-comma file is a wrong separator (rejected), not 73.
    const v = `nullif(trim(${raw}), '')`;
    if (layout.decimal === ',') {
      return `case when regexp_full_match(${v}, '[+-]?(\\d{1,3}(\\.\\d{3})+|\\d+)(,\\d+)?')
        then try_cast(replace(replace(${v}, '.', ''), ',', '.') as double) end`;
    }
    return `case when regexp_full_match(${v}, '[+-]?(\\d{1,3}(,\\d{3})+|\\d+)(\\.\\d+)?')
      then try_cast(replace(${v}, ',', '') as double) end`;
  }
  // Timestamps without an offset are Danish local time; storage is UTC.
  if (layout.timestamps.includes('%z')) {
    // ISO 8601 writes UTC as a Z, which DuckDB's %z does not take: a value the format does not
    // read that ends in one is read again with +00:00 in its place.
    if (!layout.timestamps.endsWith('%z')) return time(layout.timestamps);
    const utc = localTime(`(substr(trim(${raw}), 1, length(trim(${raw})) - 1) || '+00:00')`, layout.timestamps);
    return `coalesce(${time(layout.timestamps)}, case when suffix(trim(${raw}), 'Z') then ${utc} end)`;
  }
  if (utcFormat(layout.timestamps)) return `make_timestamptz(epoch_us(${time(layout.timestamps)}))`;
  return `coalesce(${existingLocal(timeZone, time(layout.timestamps))}, ${withOffset(raw, layout.timestamps)})`;
}

/**
 * SQL for the instant of a time written in a local-time layout's format with a UTC offset after it
 * ('2026-01-12T10:08:00+01:00', '...Z'): ISO 8601 allows it, and the offset says the instant
 * exactly; null for any other text (the offset is looked for only where the format did not read it).
 */
export function withOffset(raw: string, format: string): string {
  const text = `regexp_replace(trim(${raw}), '(?:Z|z)$', '+00:00')`;
  return `case when regexp_matches(${raw}, '(?:[+-][0-9]{2}:?[0-9]{2}|[Zz])\\s*$') then try_strptime(${text}, ${sqlString(`${format}%z`)}) end`;
}

/**
 * A strptime format that ends in a literal Z, ISO 8601's designator of UTC
 * ('%Y-%m-%dT%H:%M:%SZ'): its times are UTC instants, not local times of the layout's zone.
 * (DuckDB's %z does not take a Z for +00:00.)
 */
export function utcFormat(format: string): boolean {
  // a Z after an even run of '%' (none, or escaped percent signs '%%') is the letter itself
  const percents = /(%*)Z$/.exec(format)?.[1];
  return percents !== undefined && percents.length % 2 === 0;
}

/**
 * A text read with a strptime format, as written (a TIMESTAMP, or TIMESTAMPTZ with %z); null
 * when it does not parse. The text as delivered is tried first, trimmed only where that does not
 * parse: most values have no spaces around them, and trimming every one costs as much as parsing it.
 */
function localTime(raw: string, format: string): string {
  // the other spellings of the clock (time-formats.ts) only where the layout's own does not read
  const read = `coalesce(try_strptime(${raw}, ${sqlString(format)}), ${readTimesSql(`trim(${raw})`, format)})`;
  // DuckDB's %Y takes a year of one to four digits: '02-03-26' under '%d-%m-%Y' would be the year
  // 26. A layout that writes %Y writes four (a shifted extract's 2180 too): fewer do not parse.
  return format.includes('%Y') ? `case when year(${read}) >= 1000 then ${read} end` : read;
}

// CASE, not AND: DuckDB may evaluate json_type before json_valid, and json_type fails on malformed JSON.
const IS_OBJECT = `coalesce(case when json_valid(j) then json_type(j) = 'OBJECT' end, false)`;


/**
 * Moves DuckDB's CSV reject records into meta.rejects and, when there were any,
 * renumbers the file's rows: DuckDB numbers rejected records by their position in
 * the file, while our row_number() skipped them. `rows` names where the file's
 * records are, their line column and (as SQL) how many there are. Returns the number of rejected lines.
 */
/**
 * Throws DeclaredUtf8IsNot when DuckDB turned lines of a file its layout declares UTF-8 down as
 * not UTF-8 and the file is Windows-1252 throughout, or in some of its lines; a file that only
 * fails DuckDB's check some other way keeps its rejects. Looked at only once DuckDB found such a
 * line, so a clean file costs nothing.
 */
async function notUtf8AsDeclared(conn: DuckDBConnection, target: StageTarget, ctx: StageContext, rj: string): Promise<void> {
  if (target.layout.encoding !== 'utf-8') return;
  const [bad] = await queryRows<{ n: bigint }>(conn, `select count(*) as n from ${rj} where error_type = 'INVALID ENCODING'`);
  if (!bad || bad.n === 0n) return;
  const verdict = await fileEncoding(ctx.path);
  if (verdict === 'other' || verdict === 'mixed') throw new DeclaredUtf8IsNot(verdict);
}

/**
 * A record longer than DuckDB's max_line_size is rejected on its own, its text kept in DuckDB's
 * rejects table cut at that size; in a UTF-8 file the cut can split a character, and DuckDB's
 * own table then fails the whole read ('Invalid unicode ... segment statistics update').
 */
function isLongRecordCut(err: unknown): boolean {
  return /Invalid unicode .*segment statistics/.test(String((err as Error)?.message));
}

/** The bytes of a record's values (its delimiters and quotes not counted), from the columns read. */
function recordBytes(columns: readonly string[]): string {
  return columns.length === 0 ? '0' : columns.map((c) => `coalesce(strlen(${sqlIdent(c)}), 0)`).join(' + ');
}

async function collectCsvRejects(
  conn: DuckDBConnection, mine: string,
  rows: { readonly table: string; readonly line: string; readonly where: string; readonly count: string },
  rj: string, rs: string, source: { readonly path: string; readonly delimiter: string }, empty: readonly number[] = [],
): Promise<number> {
  // DuckDB numbers a rejected record by the lines before it, an empty line counted, a quoted line
  // break not; staging numbers records (an empty line is none): the empty lines before a reject
  // come off its number (FileScan.lineShifts.empty), and toFileLines turns both into the file's lines.
  const recordLine = empty.length === 0 ? 'line' : `(line - len(list_filter([${empty.join(', ')}]::bigint[], e -> e < line)))`;
  // The record as delivered: DuckDB's csv_line of a file with CRLF line ends starts with the LF
  // of the line before it (a record never starts with a line break: that would be an empty line).
  const record = `trim(csv_line, chr(13) || chr(10))`;
  // the lines of the file a rejected record runs over: more than one where a quoted value holds line breaks
  const spans = `len(string_split_regex(${record}, '\\r\\n|\\r|\\n'))`;
  // A quote that is never closed takes the rest of the file into one value: read as it is, every
  // line after it would be gone without a reject of its own. The file is rejected whole, to be
  // delivered again with the quote closed.
  // A quote DuckDB calls unterminated within one line ('"Bedre" sagde patienten': a quoted word
  // at the start of a value) took no line after it: that record alone is rejected, below.
  const [open] = await queryRows<{ line: bigint; column_name: string | null; spans: bigint }>(conn,
    `select line, column_name, ${spans} as spans from ${rj} where error_message like '%unterminated quote%' and ${spans} > 1 order by line limit 1`);
  if (open) {
    // the file's own line of the quote, where its quotes show it; else DuckDB's record line
    const at = await unclosedQuote(source.path, source.delimiter).catch(() => null);
    throw new FileRejected(unclosedQuoteReason(at ?? { line: Number(open.line), lines: Number(open.spans) }, open.column_name));
  }
  const [row] = await queryRows<{ lines: bigint }>(conn, `select count(distinct line) as lines from ${rj}`);
  const lines = Number(row!.lines);
  if (lines > 0) {
    // Line numbers count records (a quoted line break starts none): a rejected record that runs
    // over several lines says so, or the lines after its first would seem to be missing.
    // DuckDB reports a record with k columns too many k times (Found: 8, 9, 10), and one with k
    // too few once per missing column: one reject each, the last surplus or the first missing
    // one. A record cut at its maximum size is only partly in csv_line: its lines are not told.
    await conn.run(`insert into meta.rejects
      select ${mine}, ${recordLine}, column_name,
        case
          -- an odd number of quotes: one opens a value that the end of the file comes before (a
          -- quote that takes lines after it rejects the file whole, above)
          when error_type = 'UNQUOTED VALUE' and (strlen(${record}) - strlen(replace(${record}, '"', ''))) % 2 = 1
          then 'a quote opens a value and is never closed: the file ends inside it; close the quote (a quote inside a value is written twice: "")'
          when error_type = 'UNQUOTED VALUE'
          then 'a quote closes before the end of its value (a quoted word at its start?): quote the whole value, doubling the quotes inside it'
          -- the columns the record lacks, by the header's names: DuckDB's message gives only counts
          when error_type = 'MISSING COLUMNS'
          then 'missing columns: the line has ' || regexp_extract(error_message, 'Found: ([0-9]+)', 1) || ' of the header''s '
            || regexp_extract(error_message, 'Expected Number of Columns: ([0-9]+)', 1) || ' fields, without '
            || array_to_string(list_transform(list_sort(list({'i': column_idx, 'n': column_name}) over (partition by line, error_type)), c -> c.n), ', ')
            || ': trailing empty fields left out, or the record cut short (the line cannot tell which), so it is not read'
          else lower(error_type) || ': ' || error_message end
          || case when error_type <> 'LINE SIZE OVER MAXIMUM' and ${spans} > 1
            then ' (the record runs over ' || ${spans} || ' lines of the file: a quoted value in it holds line breaks)' else '' end,
        left(${record}, 200)
      from ${rj}
      qualify case error_type
        when 'TOO MANY COLUMNS' then column_idx = max(column_idx) over (partition by line, error_type)
        when 'MISSING COLUMNS' then column_idx = min(column_idx) over (partition by line, error_type)
        else true end`);
    await conn.run(`update ${rows.table} t set ${rows.line} = m.line
      from (
        with rejected as (select distinct ${recordLine} - 1 as ord from ${rj}),
        kept as (select range + 1 as ord from range(${rows.count} + ${lines}) where range + 1 not in (select ord from rejected)),
        numbered as (select ord, row_number() over (order by ord) as k from kept)
        select k + 1 as old_line, ord + 1 as line from numbered
      ) m
      where ${rows.where} and t.${rows.line} = m.old_line`);
  }
  await conn.run(`drop table if exists ${rj}; drop table if exists ${rs}`);
  return lines;
}
