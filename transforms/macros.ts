import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'macros');

/** Defines the shared SQL macros (transforms/macros/*.sql) on a connection. */
export async function loadMacros(conn: DuckDBConnection): Promise<void> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  for (const f of files) await conn.run(await readFile(join(dir, f), 'utf8'));
}
