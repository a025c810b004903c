import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows, sqlString } from './connection.ts';

/**
 * The last row id of each of the given tables of the database file (-1: empty), read from the
 * catalogue instead of the rows. DuckDB numbers a table's rows by their place in its storage:
 * committed rows hold ids 0 .. n-1, where n (duckdb_tables().estimated_size) also counts rows
 * deleted but not yet vacuumed, and rows appended later get ids from n up. So n-1 bounds every
 * row there is and none appended after. Why not max(rowid): it reads the row id of every row.
 * A filter `rowid > n` reads them too (DuckDB 1.5 skips no row group by it): it bounds a scan of
 * a small table only (core.quarantine); core's tables are read by batch_at (macros/batch_at.sql).
 */
export async function lastRowIds(conn: DuckDBConnection, schema: string, tables: readonly string[]): Promise<Record<string, bigint>> {
  const rows = await queryRows<{ table_name: string; n: bigint | null }>(conn, `
    select table_name, estimated_size as n from duckdb_tables()
    where database_name = current_database() and schema_name = ${sqlString(schema)}
      and table_name in (${tables.map(sqlString).join(', ')})`);
  const found = new Map(rows.map((r) => [r.table_name, r.n]));
  return Object.fromEntries(tables.map((t) => {
    const n = found.get(t);
    if (n === undefined || n === null) throw new Error(`lastRowIds: no table ${schema}.${t}`);
    return [t, BigInt(n) - 1n];
  }));
}
