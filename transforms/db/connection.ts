import { appendFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { NotFound } from '../../config/errors.ts';
import { makeFolder } from '../../config/folders.ts';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

const schemaDir = join(dirname(fileURLToPath(import.meta.url)), 'schema');

export interface DatabaseOptions {
  /** DuckDB memory limit, e.g. "4GB". */
  readonly memoryLimit?: string;
  readonly threads?: number;
  /** Where DuckDB spills when the memory limit is reached (DuckDB's default: `<database>.tmp`). */
  readonly tempDirectory?: string;
  /** false lets DuckDB reorder rows where no order by asks otherwise: less memory for big inserts. */
  readonly preserveInsertionOrder?: boolean;
  /**
   * Opens an existing file read-only: DuckDB's file lock then lets several readers in at once,
   * but none beside a writer. Nothing is created or migrated; temporary tables still work.
   */
  readonly readOnly?: boolean;
}

export interface Database {
  readonly path: string;
  readonly instance: DuckDBInstance;
  /** Opens a further connection on the same database, for concurrent work. */
  connect(): Promise<DuckDBConnection>;
  close(): void;
}

/**
 * Opens (creating if needed) the DuckDB file and applies the schema; with `readOnly`, opens an
 * existing file as it is. Storage is UTC whatever the machine's zone: inputs are converted on
 * the way in. Another process holding the file fails with DuckDB's lock error (`lockConflict`).
 */
export async function openDatabase(path: string, options: DatabaseOptions = {}): Promise<Database> {
  const readOnly = options.readOnly === true && path !== ':memory:';
  if (path !== ':memory:' && !readOnly) await makeFolder(dirname(path), "the database's folder");
  // TimeZone cannot go in the instance settings: icu is not loaded yet when they are applied
  // ("the icu extension needs to be loaded"); every connection sets it instead (connect below).
  const settings: Record<string, string> = {};
  if (options.memoryLimit) settings.memory_limit = options.memoryLimit;
  if (options.threads) settings.threads = String(options.threads);
  if (options.tempDirectory) settings.temp_directory = options.tempDirectory;
  if (options.preserveInsertionOrder !== undefined) settings.preserve_insertion_order = String(options.preserveInsertionOrder);
  if (readOnly) settings.access_mode = 'READ_ONLY';
  const instance = await DuckDBInstance.create(path, settings);
  const connections: DuckDBConnection[] = [];
  const db: Database = {
    path,
    instance,
    async connect() {
      const c = await instance.connect();
      await c.run(`set TimeZone = 'UTC'`);
      if (process.env.FANGST_SQL_TRACE) traceStatements(c, process.env.FANGST_SQL_TRACE);
      connections.push(c);
      return c;
    },
    close() {
      for (const c of connections) c.closeSync();
      instance.closeSync();
    },
  };
  try {
    const conn = await db.connect();
    if (readOnly) await requireCurrentSchema(conn, path);
    else await applySchema(conn);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/**
 * For profiling: appends each statement's wall time and the process's CPU time meanwhile (ms; every
 * thread, so statements of parallel connections overlap) and its first characters to `file`, one
 * JSON line each, with when it started (ms since the process started: the gaps between statements
 * are the process's own work). Off unless FANGST_SQL_TRACE is set; statements may name delivered files, so the
 * trace is for a developer's own machine, like a debug log. With FANGST_SQL_PROFILE_MATCH, the
 * statements holding that text (or one of several, separated by |) also get DuckDB's own profile
 * (operators and their times, binding and optimizer timings) beside it. FANGST_SQL_TRACE_CHARS sets
 * how much of each statement is kept (200 characters); with FANGST_SQL_TRACE_RAW its text is kept
 * as written (comments and line breaks), so that a trace can be run again statement by statement.
 */
function traceStatements(c: DuckDBConnection, file: string): void {
  let depth = 0; // runAndReadAll calls run: a statement is written once
  for (const method of ['run', 'runAndReadAll'] as const) {
    const original = c[method].bind(c) as (...args: unknown[]) => Promise<unknown>;
    (c as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
      const started = performance.now();
      const cpu = process.cpuUsage();
      depth++;
      const match = process.env.FANGST_SQL_PROFILE_MATCH;
      const profile = depth === 1 && match && match.split('|').some((m) => String(args[0]).includes(m));
      if (profile) await original(`pragma enable_profiling = 'json'; pragma profiling_mode = 'detailed'; pragma profiling_output = '${file}.${Date.now()}.json'`);
      try {
        return await original(...args);
      } finally {
        if (profile) await original('pragma disable_profiling');
        depth--;
        if (depth === 0) {
          const sql = (process.env.FANGST_SQL_TRACE_RAW ? String(args[0]) : String(args[0]).replace(/\s+/g, ' ')).slice(0, Number(process.env.FANGST_SQL_TRACE_CHARS ?? 200));
          const used = process.cpuUsage(cpu);
          const cpuMs = Math.round((used.user + used.system) / 1000);
          appendFileSync(file, `${JSON.stringify({ at: Math.round(started), ms: Math.round(performance.now() - started), cpu_ms: cpuMs, sql })}\n`);
        }
      }
    };
  }
}

/**
 * The process that holds a DuckDB file, from DuckDB's error when it could not lock it
 * ("Could not set lock on file ...: Conflicting lock is held in /usr/bin/node (PID 1234)"):
 * null when `err` is another error, pid null when DuckDB did not say.
 */
export function lockConflict(err: unknown): { pid: number | null } | null {
  const message = err instanceof Error ? err.message : String(err);
  if (!message.includes('Could not set lock on file')) return null;
  const pid = /\(PID (\d+)\)/.exec(message)?.[1];
  return { pid: pid === undefined ? null : Number(pid) };
}

/** A file opened read-only cannot be migrated: one an older fangst wrote says so instead of failing in a query. */
async function requireCurrentSchema(conn: DuckDBConnection, path: string): Promise<void> {
  const applied = await appliedVersions(conn);
  // A file with no version at all: the first nightly created it and failed before its first
  // migration (a memory_limit too small): there is nothing to upgrade, and no run in it to show.
  const [tables] = await queryRows<{ n: bigint }>(conn, 'select count(*) as n from duckdb_tables() where database_name = current_database()');
  if (applied.size === 0 && Number(tables!.n) === 0) {
    throw new NotFound('fangst database', path, 'the file holds no tables yet: no fangst nightly has set it up; one that failed says why in its run_results.json');
  }
  const missing = [...(await schemaVersions()).keys()].filter((v) => !applied.has(v));
  if (missing.length > 0) {
    throw new Error(`${path}: schema version ${missing.join(', ')} not applied yet; run fangst nightly once to upgrade the database`);
  }
}

/**
 * Applies the schema files (db/schema/NNN_*.sql) that this database has not recorded in
 * meta.schema_version yet, each in its own transaction with its version: a migration that
 * rebuilds a table (004) runs once, and a database opened by an older fangst (which
 * recorded nothing) re-runs 001-003, which only create what is missing, then upgrades.
 */
async function applySchema(conn: DuckDBConnection): Promise<void> {
  const versions = await schemaVersions();
  const applied = await appliedVersions(conn);
  for (const [version, f] of versions) {
    if (applied.has(version)) continue;
    const sql = await readFile(join(schemaDir, f), 'utf8');
    await conn.run('begin transaction');
    try {
      await conn.run(sql);
      await conn.run(`insert into meta.schema_version (version) values (${version})`);
      await conn.run('commit');
    } catch (err) {
      // A commit that failed has ended the transaction itself: the error to report is the first one.
      await conn.run('rollback').catch(() => undefined);
      throw new Error(`schema migration ${f} failed: ${(err as Error).message}`);
    }
  }
}

/** The schema files by version number. */
async function schemaVersions(): Promise<Map<number, string>> {
  const files = (await readdir(schemaDir)).filter((f) => f.endsWith('.sql')).sort();
  const versions = new Map<number, string>();
  for (const f of files) {
    const version = Number(/^(\d+)_/.exec(f)?.[1]);
    if (!Number.isInteger(version)) throw new Error(`schema file without a version number: ${f}`);
    const other = versions.get(version);
    if (other) throw new Error(`two schema files with version ${version}: ${other} and ${f}`);
    versions.set(version, f);
  }
  return versions;
}

async function appliedVersions(conn: DuckDBConnection): Promise<Set<number>> {
  const [known] = await queryRows<{ n: bigint }>(conn,
    `select count(*) as n from duckdb_tables() where database_name = current_database() and schema_name = 'meta' and table_name = 'schema_version'`);
  if (!known || Number(known.n) === 0) return new Set();
  const rows = await queryRows<{ version: number }>(conn, 'select version from meta.schema_version');
  return new Set(rows.map((r) => Number(r.version)));
}

/** Runs `fn` with a fresh connection on an in-memory or file database, then closes it. */
export async function withDatabase<T>(path: string, fn: (db: Database, conn: DuckDBConnection) => Promise<T>, options?: DatabaseOptions): Promise<T> {
  const db = await openDatabase(path, options);
  try {
    return await fn(db, await db.connect());
  } finally {
    db.close();
  }
}

/** Quotes a string as a SQL literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Quotes an identifier (column or table name) for DuckDB. */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Whether the connection's database was opened read-only (`DatabaseOptions.readOnly`). */
export async function isReadOnly(conn: DuckDBConnection): Promise<boolean> {
  const [db] = await queryRows<{ readonly: boolean }>(conn, 'select readonly from duckdb_databases() where database_name = current_database()');
  return db?.readonly === true;
}

/** Runs a query and returns its rows as plain objects. */
export async function queryRows<T = Record<string, unknown>>(conn: DuckDBConnection, sql: string): Promise<T[]> {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowObjectsJS() as T[];
}
