// Test helper for the SQL macros: an in-memory DuckDB with the macros loaded, and a way to run
// one macro expression over a whole batch of generated cases in a single query, so that
// property-based tests stay fast (one query per fast-check run, not one per case).
import type { DuckDBConnection } from '@duckdb/node-api';
import { openDatabase, queryRows, sqlString, type Database } from '../../transforms/db/connection.ts';
import { loadMacros } from '../../transforms/macros.ts';

export interface MacroDb {
  readonly conn: DuckDBConnection;
  close(): void;
}

export async function openMacroDb(): Promise<MacroDb> {
  const db: Database = await openDatabase(':memory:', { threads: 1 });
  const conn = await db.connect();
  await loadMacros(conn);
  return { conn, close: () => db.close() };
}

function literal(v: string | number | boolean | null): string {
  if (v === null) return 'null::varchar';
  if (typeof v === 'number') return Number.isInteger(v) ? `${v}::bigint` : `${v}::double`;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return `${sqlString(v)}::varchar`;
}

/**
 * Evaluates `select` (SQL over the columns of `cases`) for every case in one query and returns
 * the results in case order. Every case must have the same keys. `over` is what `select` reads:
 * the table `cases` itself, or a query over it that keeps its case_no.
 */
export async function evalBatch<R = Record<string, unknown>>(
  conn: DuckDBConnection,
  cases: ReadonlyArray<Record<string, string | number | boolean | null>>,
  select: string,
  over = 'cases',
): Promise<R[]> {
  if (cases.length === 0) return [];
  const cols = Object.keys(cases[0]!);
  const rows = cases.map((c, i) => `(${[String(i), ...cols.map((k) => literal(c[k] ?? null))].join(', ')})`);
  const sql = `with cases(case_no, ${cols.map((c) => `"${c}"`).join(', ')}) as (values ${rows.join(',\n')})
    select ${select} from ${over} order by case_no`;
  return queryRows<R>(conn, sql);
}
