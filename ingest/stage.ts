import { stat } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import {
  DATE_COLUMNS, KIND_COLUMNS, NUMBER_COLUMNS, TIMESTAMP_COLUMNS,
  type Delivery, type Kind, type Layout, type RegisterLayout,
} from '../config/load.ts';
import { queryRows, sqlIdent, sqlString } from '../db/connection.ts';
import { gzipProblem } from './gzip.ts';
import { readHeader } from './header.ts';

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

/** Replaces a table or view of the database file by a view over `target` (databases made before the scratch). */
export async function replaceWithView(conn: DuckDBConnection, name: string, target: string): Promise<void> {
  const [schema, table] = name.split('.') as [string, string];
  const [old] = await queryRows<{ n: bigint }>(conn, `select count(*) as n from duckdb_tables()
    where database_name = current_database() and schema_name = ${sqlString(schema)} and table_name = ${sqlString(table)}`);
  if (Number(old!.n) > 0) await conn.run(`drop table ${name}`);
  await conn.run(`create or replace view ${name} as select * from ${target}`);
}

function stagedColumns(kind: Kind | 'register'): string[] {
  if (kind === 'register') return REGISTER_COLUMNS;
  const { required, optional } = KIND_COLUMNS[kind];
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
  for (const kind of kinds) {
    const cols = stagedColumns(kind).flatMap((c) => {
      const t = parsedType(c);
      return t ? [`${c} varchar`, `${c}__parsed ${t}`] : [`${c} varchar`];
    });
    // For deliveries journal_system is the system that delivered the file; the
    // register names each clinic's system in a column of its own.
    const delivered = kind === 'register' ? '' : 'journal_system varchar,';
    await conn.run(`attach if not exists ':memory:' as ${SCRATCH}`);
    await conn.run(`create or replace table ${stagingTable(kind)} (
      run_id varchar, file_hash varchar, source_file varchar, source_line bigint,
      ${delivered} decimal_sep varchar, ${cols.join(', ')})`);
    await replaceWithView(conn, `staging.raw_${kind}`, stagingTable(kind));
  }
}

export interface StageTarget {
  readonly kind: Kind | 'register';
  readonly system: string | null;
  readonly layout: Layout;
  readonly columns: Readonly<Record<string, string>>;
  readonly required: readonly string[];
}

export function deliveryTarget(d: Delivery): StageTarget {
  return { kind: d.kind, system: d.system, layout: d, columns: d.columns, required: KIND_COLUMNS[d.kind].required };
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
}

export interface StageResult {
  /** Records read: staged rows plus rows rejected while reading. */
  readonly rowsRead: number;
  readonly rowsStaged: number;
  readonly rowsRejected: number;
  /** Set when the file as a whole could not be read; nothing of it is staged. */
  readonly fileError?: string;
  readonly warnings: readonly string[];
}

/** A file that cannot be read at all: reported with this message, nothing staged. */
export class FileRejected extends Error {}

/**
 * Reads one delivered file into its staging table. Every record ends up either
 * staged (with its line number) or in meta.rejects (with line, column and reason).
 */
export async function stageFile(conn: DuckDBConnection, target: StageTarget, ctx: StageContext): Promise<StageResult> {
  try {
    return await stage(conn, target, ctx);
  } catch (err) {
    // Named as delivered (inbox-relative), not by the path this machine happens to read it from.
    const message = printable((err instanceof FileRejected ? err.message : describeDuckError(err)).replaceAll(ctx.path, ctx.file));
    await conn.run(`delete from ${stagingTable(target.kind)} where file_hash = ${sqlString(ctx.fileHash)} and run_id = ${sqlString(ctx.runId)}`);
    await conn.run(`delete from meta.rejects where file_hash = ${sqlString(ctx.fileHash)} and run_id = ${sqlString(ctx.runId)}`);
    await insertFileReject(conn, ctx, message);
    return { rowsRead: 0, rowsStaged: 0, rowsRejected: 0, fileError: message, warnings: [] };
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
  // DuckDB messages carry the full path and a long hint; the first line says what went wrong.
  const first = msg.split('\n').find((l) => l.trim() !== '') ?? msg;
  return `file could not be read: ${first.replace(/^[A-Za-z ]+ Error: /, '').slice(0, 300)}`;
}

async function stage(conn: DuckDBConnection, target: StageTarget, ctx: StageContext): Promise<StageResult> {
  const { layout } = target;
  const warnings: string[] = [];
  let source: string;
  let fileColumns: string[];
  let lineExpr: string;
  let valueOf: (fileCol: string) => string;
  let where = 'true';
  const rejectsTable = `rj_${ctx.seq}`;
  const rejectsScan = `rs_${ctx.seq}`;
  let csvRejects = false;
  if (ctx.path.endsWith('.gz')) {
    const problem = await gzipProblem(ctx.path);
    if (problem) throw new FileRejected(problem);
  }

  if (layout.format === 'csv' || layout.format === 'tsv') {
    fileColumns = await readHeader(ctx.path, layout.delimiter, layout.encoding);
    if (fileColumns.length === 0) throw new FileRejected('empty file: no header line');
    const dupes = fileColumns.filter((c, i) => fileColumns.indexOf(c) !== i);
    if (dupes.length) throw new FileRejected(`duplicated column names in the header: ${[...new Set(dupes)].join(', ')}`);
    const spec = fileColumns.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ');
    source = `read_csv(${sqlString(ctx.path)}, header = true, auto_detect = false, columns = {${spec}},
      delim = ${sqlString(layout.delimiter)}, quote = '"', escape = '"', encoding = ${sqlString(layout.encoding)},
      compression = 'auto', store_rejects = true, rejects_table = '${rejectsTable}', rejects_scan = '${rejectsScan}')`;
    // The header is line 1; records are numbered in file order (preserve_insertion_order).
    lineExpr = 'row_number() over () + 1';
    valueOf = (c) => sqlIdent(c);
    csvRejects = true;
  } else if (layout.format === 'ndjson') {
    // One line = one record: reading lines ourselves lets an invalid line be rejected
    // with its number instead of failing (or silently skipping in) the whole file.
    source = `(select row_number() over () as __line, j from read_csv(${sqlString(ctx.path)}, header = false,
      auto_detect = false, columns = {'j': 'VARCHAR'}, delim = chr(30), quote = '', escape = '',
      compression = 'auto', encoding = ${sqlString(layout.encoding)}))`;
    fileColumns = await ndjsonKeys(conn, source);
    lineExpr = '__line';
    valueOf = (c) => `json_extract_string(j, ${sqlString(`$."${c.replaceAll('"', '\\"')}"`)})`;
    where = IS_OBJECT;
    await conn.run(`insert into meta.rejects
      select ${sqlString(ctx.runId)}, ${sqlString(ctx.batchId)}, ${sqlString(ctx.fileHash)}, ${sqlString(ctx.file)}, __line, null,
        case when json_valid(j) then 'line is JSON but not an object' else 'line is not valid JSON' end, left(j, 200)
      from ${source} where j is not null and not (${IS_OBJECT})`);
  } else {
    source = `read_parquet(${sqlString(ctx.path)}, file_row_number = true)`;
    const cols = await queryRows<{ column_name: string }>(conn, `describe select * from ${source}`);
    fileColumns = cols.map((c) => c.column_name).filter((c) => c !== 'file_row_number');
    lineExpr = 'file_row_number + 1';
    valueOf = (c) => `cast(${sqlIdent(c)} as varchar)`;
  }

  if (layout.format !== 'ndjson') {
    const missing = target.required.filter((c) => target.columns[c] && !fileColumns.includes(target.columns[c]!));
    if (missing.length) {
      const names = missing.map((c) => `${target.columns[c]} (${c})`).join(', ');
      throw new FileRejected(`required column missing: ${names}; the header has ${fileColumns.join(', ')}`);
    }
    const mapped = new Set(Object.values(target.columns));
    const extra = fileColumns.filter((c) => !mapped.has(c));
    if (extra.length) warnings.push(`unknown columns ignored: ${extra.join(', ')}`);
  }

  const table = stagingTable(target.kind);
  const cols = stagedColumns(target.kind);
  const exprs: string[] = [];
  const names: string[] = [];
  for (const col of cols) {
    const fileCol = target.columns[col];
    const present = fileCol !== undefined && (layout.format === 'ndjson' || fileColumns.includes(fileCol));
    const raw = present ? valueOf(fileCol) : 'null::varchar';
    names.push(col);
    exprs.push(raw);
    const type = parsedType(col);
    if (type) {
      names.push(`${col}__parsed`);
      exprs.push(parseExpr(type, raw, layout, ctx.timeZone));
    }
  }
  const system = target.kind === 'register' ? ['', ''] : ['journal_system,', `${sqlString(target.system ?? '')},`];
  const insert = `insert into ${table} (run_id, file_hash, source_file, source_line, ${system[0]} decimal_sep, ${names.join(', ')})
    select ${sqlString(ctx.runId)}, ${sqlString(ctx.fileHash)}, ${sqlString(ctx.file)}, ${lineExpr},
      ${system[1]} ${sqlString(layout.decimal)}, ${exprs.join(', ')}
    from ${source} where ${where}`;
  await conn.run(insert);

  if (csvRejects) await collectCsvRejects(conn, ctx, table, rejectsTable, rejectsScan);
  await rejectNulBytes(conn, ctx, table, cols);
  const [counts] = await queryRows<{ staged: bigint; rejected: bigint }>(conn, `select
      (select count(*) from ${table} where file_hash = ${sqlString(ctx.fileHash)} and run_id = ${sqlString(ctx.runId)}) as staged,
      (select count(distinct source_line) from meta.rejects where file_hash = ${sqlString(ctx.fileHash)} and run_id = ${sqlString(ctx.runId)}) as rejected`);
  const staged = Number(counts!.staged);
  const rejected = Number(counts!.rejected);
  if (staged + rejected === 0) warnings.push('no records: the file holds no data rows');
  if (ctx.seen) {
    // Its hash was taken from other bytes than the ones just staged: leave it for the next run.
    const now = await stat(ctx.path);
    if (now.size !== ctx.seen.bytes || now.mtimeMs !== ctx.seen.mtimeMs) {
      throw new FileRejected(`file changed while it was read (${ctx.seen.bytes} bytes when listed, ${now.size} now): still being written? left for the next run`);
    }
  }
  return { rowsRead: staged + rejected, rowsStaged: staged, rowsRejected: rejected, warnings };
}

/**
 * A NUL byte is binary data or text in another encoding (UTF-16), never a value a
 * consumer can take: the record is rejected, naming its first such column.
 */
async function rejectNulBytes(conn: DuckDBConnection, ctx: StageContext, table: string, cols: readonly string[]): Promise<void> {
  const has = (c: string) => `contains(coalesce(${sqlIdent(c)}, ''), chr(0))`;
  const mine = `file_hash = ${sqlString(ctx.fileHash)} and run_id = ${sqlString(ctx.runId)} and (${cols.map(has).join(' or ')})`;
  await conn.run(`insert into meta.rejects
    select ${sqlString(ctx.runId)}, ${sqlString(ctx.batchId)}, ${sqlString(ctx.fileHash)}, ${sqlString(ctx.file)}, source_line,
      case ${cols.map((c) => `when ${has(c)} then ${sqlString(c)}`).join(' ')} end,
      'NUL byte in the value: binary data, or a file in another encoding (UTF-16?)', null
    from ${table} where ${mine}`);
  await conn.run(`delete from ${table} where ${mine}`);
}

/** Typed parse of a raw text value with the layout's formats; null when it does not parse. */
function parseExpr(type: string, raw: string, layout: Layout, timeZone: string): string {
  const v = `nullif(trim(${raw}), '')`;
  if (type === 'date') return `cast(try_strptime(${v}, ${sqlString(layout.dates)}) as date)`;
  if (type === 'double') {
    // Only the layout's decimal separator, and the other one only as thousands grouping:
    // "7.3" in a decimal-comma file is a wrong separator (rejected), not 73.
    if (layout.decimal === ',') {
      return `case when regexp_full_match(${v}, '[+-]?(\\d{1,3}(\\.\\d{3})+|\\d+)(,\\d+)?')
        then try_cast(replace(replace(${v}, '.', ''), ',', '.') as double) end`;
    }
    return `case when regexp_full_match(${v}, '[+-]?(\\d{1,3}(,\\d{3})+|\\d+)(\\.\\d+)?')
      then try_cast(replace(${v}, ',', '') as double) end`;
  }
  // Timestamps without an offset are Danish local time; storage is UTC.
  if (layout.timestamps.includes('%z')) return `try_strptime(${v}, ${sqlString(layout.timestamps)})`;
  return `timezone(${sqlString(timeZone)}, try_strptime(${v}, ${sqlString(layout.timestamps)}))`;
}

// CASE, not AND: DuckDB may evaluate json_type before json_valid, and json_type fails on malformed JSON.
const IS_OBJECT = `coalesce(case when json_valid(j) then json_type(j) = 'OBJECT' end, false)`;

/** The union of keys over an NDJSON file's objects, for the unknown-column warning. */
async function ndjsonKeys(conn: DuckDBConnection, source: string): Promise<string[]> {
  const rows = await queryRows<{ k: string }>(conn, `select distinct unnest(json_keys(j)) as k from ${source}
    where ${IS_OBJECT}`);
  return rows.map((r) => r.k);
}

/**
 * Moves DuckDB's CSV reject records into meta.rejects and, when there were any,
 * renumbers the staged rows: DuckDB numbers rejected records by their position in
 * the file, while our row_number() skipped them.
 */
async function collectCsvRejects(conn: DuckDBConnection, ctx: StageContext, table: string, rj: string, rs: string): Promise<void> {
  const [row] = await queryRows<{ n: bigint }>(conn, `select count(*) as n from ${rj}`);
  const n = Number(row!.n);
  if (n > 0) {
    await conn.run(`insert into meta.rejects
      select ${sqlString(ctx.runId)}, ${sqlString(ctx.batchId)}, ${sqlString(ctx.fileHash)}, ${sqlString(ctx.file)},
        line, column_name, lower(error_type) || ': ' || error_message, left(csv_line, 200)
      from ${rj}`);
    const hash = sqlString(ctx.fileHash);
    await conn.run(`update ${table} t set source_line = m.line
      from (
        with rejected as (select distinct line - 1 as ord from ${rj}),
        total as (select (select count(*) from ${table} where file_hash = ${hash}) + (select count(*) from rejected) as n),
        kept as (select range + 1 as ord from range((select n from total)) where range + 1 not in (select ord from rejected)),
        numbered as (select ord, row_number() over (order by ord) as k from kept)
        select k + 1 as old_line, ord + 1 as line from numbered
      ) m
      where t.file_hash = ${hash} and t.run_id = ${sqlString(ctx.runId)} and t.source_line = m.old_line`);
  }
  await conn.run(`drop table if exists ${rj}; drop table if exists ${rs}`);
}
