// config/kinds.ts against the rest of a kind's declaration: what a new kind must bring along.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KIND_SPECS } from '../../config/kinds.ts';
import { openDatabase, queryRows } from '../../transforms/db/connection.ts';

describe('the data kinds table', () => {
  it('has, for every kind, a staging view and a checks file', () => {
    for (const { name } of KIND_SPECS) {
      expect(existsSync(`transforms/staging/stg_${name}.sql`), `transforms/staging/stg_${name}.sql`).toBe(true);
      expect(existsSync(`config/checks/${name}.yaml`), `config/checks/${name}.yaml`).toBe(true);
    }
  });

  it('names columns that core.<kind> has (db/schema): payload, hashed and dated columns', async () => {
    const db = await openDatabase(':memory:');
    const conn = await db.connect();
    try {
      for (const k of KIND_SPECS) {
        const cols = new Set((await queryRows<{ column_name: string }>(conn,
          `select column_name from duckdb_columns() where schema_name = 'core' and table_name = '${k.name}'`)).map((r) => r.column_name));
        expect(cols.size, `core.${k.name}`).toBeGreaterThan(0);
        for (const c of [...k.payload, ...k.hashed, k.dated.column]) expect(cols.has(c), `core.${k.name}.${c}`).toBe(true);
        expect(k.required).toEqual(expect.arrayContaining(['record_id', 'patient']));
      }
    } finally {
      db.close();
    }
  });
});
