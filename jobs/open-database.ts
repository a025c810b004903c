// How every command opens the database. Readers (campaign, monitor, checks, score) open it
// read-only: DuckDB's file lock lets several of them in at once but none beside a writer.
// Writers (nightly, lab-quality) hold the run lock first. Either side finding the file held by
// the other polls for a bounded while, then gives up with DatabaseInUse (exit 75).
import { existsSync, statSync } from 'node:fs';
import { NotFound, UsageError } from '../config/errors.ts';
import { lockConflict, openDatabase, type Database, type DatabaseOptions } from '../transforms/db/connection.ts';
import { createLogger } from './log.ts';
import { DatabaseInUse } from './run-lock.ts';

/** Long enough for a report to finish; a nightly takes longer, and the reader says so and stops. */
const DEFAULT_WAIT_SECONDS = 30;

/** How long to wait for a database in use: FANGST_LOCK_WAIT seconds, else the default. */
export function lockWaitMs(): number {
  const raw = process.env.FANGST_LOCK_WAIT;
  if (raw === undefined || raw.trim() === '') return DEFAULT_WAIT_SECONDS * 1000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0) throw new UsageError('FANGST_LOCK_WAIT', raw, 'the seconds to wait for a database in use, e.g. 30');
  return seconds * 1000;
}

/** Opens an existing database read-only, as it is (no migration); a missing one is NotFound. */
export async function openForReading(path: string, options: DatabaseOptions = {}): Promise<Database> {
  if (path !== ':memory:' && !existsSync(path)) throw new NotFound('database', path, 'run fangst nightly first, or pass --db');
  usablePath(path);
  return whenFree(path, () => openDatabase(path, { ...options, readOnly: true }));
}

/** Opens (creating and migrating) the database for a run that holds its run lock. */
export async function openForWriting(path: string, options: DatabaseOptions = {}): Promise<Database> {
  usablePath(path);
  return whenFree(path, () => openDatabase(path, { ...options, readOnly: false }));
}

/**
 * A folder where the database file should be: said as such, not as DuckDB's "Could not read from
 * file". And a path with a '?' in it: DuckDB names the write-ahead log by cutting the path there
 * ('/data/a?b/f.duckdb' logs to '/data/a.wal?b/f.duckdb'), so nothing it writes can commit,
 * and every run would fail with "cannot rollback - no transaction is active".
 */
function usablePath(path: string): void {
  if (path === ':memory:') return;
  if (path.includes('?')) throw new UsageError('database path', path, 'a path without "?" (DuckDB cuts the name of its write-ahead log at a "?")');
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new NotFound('database file', path, 'that is a folder: pass the DuckDB file, e.g. --db <folder>/fangst.duckdb');
  }
}

async function whenFree(path: string, open: () => Promise<Database>): Promise<Database> {
  const started = Date.now();
  const deadline = started + lockWaitMs();
  for (let pause = 50; ; pause = Math.min(pause * 2, 1000)) {
    try {
      return await open();
    } catch (err) {
      const conflict = lockConflict(err);
      // DuckDB's "IO Error: The file ... exists, but it is not a valid DuckDB database file!"
      if (conflict === null && /not a valid DuckDB database file/.test((err as Error)?.message ?? '')) {
        throw new NotFound('DuckDB database', path, 'the file exists but is no DuckDB database: pass the file fangst nightly writes');
      }
      if (conflict === null) throw err;
      const left = deadline - Date.now();
      if (left <= 0) throw new DatabaseInUse(path, conflict.pid, Date.now() - started);
      if (pause === 50) createLogger().debug({ database: path, holder_pid: conflict.pid, wait_ms: left }, 'the database is in use: waiting for it');
      await new Promise((r) => setTimeout(r, Math.min(pause, left)));
    }
  }
}
