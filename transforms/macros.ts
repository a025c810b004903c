import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows, sqlString } from './db/connection.ts';

/** The folder of the shared SQL macros, one concern per file. */
export const macrosDir = join(dirname(fileURLToPath(import.meta.url)), 'macros');

/**
 * Creates (or replaces) the shared DuckDB macros on this connection: sks_normalise,
 * lab_value_parse, unit_normalise, cpr_find / has_cpr, parse_date_dk, key_hash, row_id,
 * join_filter_hint, lab_flag, utc_text and wilson_low / wilson_high.
 * Macros are catalog objects, so on a file database they persist and every later connection
 * sees them; run this once per database before the transforms and checks that use them.
 * Each file is self-contained (its helpers, prefixed `_`, come before their users), so the
 * files may run in any order; they run in name order. A database that recorded the same macro
 * files (meta.macro_digest) keeps the ones it has, unless `force`.
 */
export async function loadMacros(conn: DuckDBConnection, opts: { force?: boolean } = {}): Promise<string[]> {
  const files = (await readdir(macrosDir)).filter((f) => f.endsWith('.sql')).sort();
  const texts = await Promise.all(files.map((f) => readFile(join(macrosDir, f), 'utf8')));
  const hash = createHash('sha256');
  for (const [i, f] of files.entries()) hash.update(`${f}\0${texts[i]}\0`);
  const digest = hash.digest('hex');
  // A database without meta.macro_digest (a bare connection of a test or a tool) always loads.
  // Asked of the catalogue, not by a query that may fail: a failed statement would end the
  // caller's transaction.
  const [{ n }] = (await queryRows<{ n: bigint }>(conn, `select count(*) as n from duckdb_tables()
    where database_name = current_database() and schema_name = 'meta' and table_name = 'macro_digest'`)) as [{ n: bigint }];
  const stored = Number(n) > 0 ? await queryRows<{ digest: string }>(conn, 'select digest from meta.macro_digest') : null;
  if (!opts.force && stored?.length === 1 && stored[0]!.digest === digest) return files;
  for (const [i, file] of files.entries()) {
    try {
      await conn.run(texts[i]!);
    } catch (err) {
      throw new Error(`macro file ${file} failed: ${(err as Error).message}`, { cause: err });
    }
  }
  if (stored !== null) await conn.run(`delete from meta.macro_digest; insert into meta.macro_digest (digest) values (${sqlString(digest)})`);
  return files;
}

/**
 * Creates the macros of one file as temporary macros of this connection: for a report that reads
 * a database it may not write (read-only, or made before the file existed).
 */
export async function loadTemporaryMacros(conn: DuckDBConnection, file: string): Promise<void> {
  const sql = await readFile(join(macrosDir, file), 'utf8');
  await conn.run(sql.replace(/create or replace macro/gi, 'create or replace temp macro'));
}
