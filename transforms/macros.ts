import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';

/** The folder of the shared SQL macros, one concern per file. */
export const macrosDir = join(dirname(fileURLToPath(import.meta.url)), 'macros');

/**
 * Creates (or replaces) the shared DuckDB macros on this connection: sks_normalise,
 * lab_value_parse, unit_normalise, cpr_find / has_cpr, parse_date_dk, key_hash, row_id,
 * join_filter_hint and wilson_low / wilson_high.
 * Macros are catalog objects, so on a file database they persist and every later connection
 * sees them; run this once per database before the transforms and checks that use them.
 * Each file is self-contained (its helpers, prefixed `_`, come before their users), so the
 * files may run in any order; they run in name order.
 */
export async function loadMacros(conn: DuckDBConnection): Promise<string[]> {
  const files = (await readdir(macrosDir)).filter((f) => f.endsWith('.sql')).sort();
  for (const file of files) {
    const sql = await readFile(join(macrosDir, file), 'utf8');
    try {
      await conn.run(sql);
    } catch (err) {
      throw new Error(`macro file ${file} failed: ${(err as Error).message}`, { cause: err });
    }
  }
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
