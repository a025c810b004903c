import type { DuckDBConnection } from '@duckdb/node-api';
import type { PipelineConfig } from '../../config/load.ts';
import { sqlString } from '../db/connection.ts';

/**
 * Writes the parts of the configuration that SQL transforms join against:
 * each system's diagnosis-kind spellings and each layout's formats (so a reject
 * can say which format was expected).
 */
export async function writeReferenceTables(conn: DuckDBConnection, config: PipelineConfig): Promise<void> {
  const spellings = new Map<string, string>();
  for (const d of config.deliveries) {
    for (const kind of ['A', 'B'] as const) {
      for (const s of d.kinds[kind]) spellings.set(`${d.system}\u0000${s.trim().toUpperCase()}`, kind);
    }
  }
  await conn.run(`create or replace table ref.kind_spellings (journal_system varchar, spelling varchar, kind varchar)`);
  if (spellings.size) {
    const rows = [...spellings].map(([key, kind]) => {
      const [system, spelling] = key.split('\u0000') as [string, string];
      return `(${sqlString(system)}, ${sqlString(spelling)}, ${sqlString(kind)})`;
    });
    await conn.run(`insert into ref.kind_spellings values ${rows.join(', ')}`);
  }
  await conn.run(`create or replace table ref.layouts (journal_system varchar, kind varchar, format varchar, encoding varchar,
    decimal varchar, dates varchar, timestamps varchar, files varchar, source_file varchar)`);
  const layouts = config.deliveries.map((d) =>
    `(${[d.system, d.kind, d.format, d.encoding, d.decimal, d.dates, d.timestamps, d.files, d.sourceFile].map(sqlString).join(', ')})`);
  if (layouts.length) await conn.run(`insert into ref.layouts values ${layouts.join(', ')}`);
}
