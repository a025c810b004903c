import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { openDatabase, queryRows } from '../../transforms/db/connection.ts';
import { loadMacros } from '../../transforms/macros.ts';

const schema = (f: string) => readFile(join(import.meta.dirname, '..', '..', 'transforms', 'db', 'schema', f), 'utf8');
const ROW = (id: string, hash: string) => `('NOVAX:${id}', 'NOVAX', '${id}', '61741000016007', null, 19, 'P${id}', 'DH353', 'DH353', 'A', 'A',
  date '2025-01-03', '${hash}', 'novax/a.csv', 2, 'f1', 'b1', 'r1')`;

describe('schema migrations', () => {
  it('upgrades a database made before 004 in place: data kept, no primary key on record_key, key_hash filled, once', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'fangst-schema-')), 'old.duckdb');
    // A database as fangst left it before versions were recorded: 001-003 applied, rows published.
    const old = await DuckDBInstance.create(path);
    const c = await old.connect();
    for (const f of ['001_meta.sql', '002_core.sql', '003_quality.sql']) await c.run(await schema(f));
    await c.run(`insert into core.diagnoser values ${ROW('n2', 'h2')}, ${ROW('n1', 'h1')}`);
    c.closeSync();
    old.closeSync();

    for (let open = 0; open < 2; open++) {
      const db = await openDatabase(path);
      const conn = await db.connect();
      // the migration's stored key_hash must be what the key_hash macro computes for new rows
      await loadMacros(conn);
      const versions = await queryRows<{ version: number }>(conn, 'select version from meta.schema_version order by version');
      expect(versions.map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      const rows = await queryRows<{ record_key: string; content_hash: string; ok: boolean }>(conn,
        `select record_key, content_hash, key_hash = key_hash(record_key) as ok from core.diagnoser`);
      expect(rows).toEqual([
        { record_key: 'NOVAX:n2', content_hash: 'h2', ok: true },
        { record_key: 'NOVAX:n1', content_hash: 'h1', ok: true },
      ]);
      const [idx] = await queryRows<{ n: bigint }>(conn,
        `select count(*) as n from duckdb_constraints() where schema_name = 'core' and constraint_type in ('PRIMARY KEY', 'UNIQUE')`);
      expect(Number(idx!.n)).toBe(0);
      // not null stays where it was
      await expect(conn.run(`insert into core.diagnoser (record_key) values ('NOVAX:x')`)).rejects.toThrow(/NOT NULL/i);
      db.close();
    }
  });

  it('a fresh database gets every version, key_hash and batch_at on every core table and the ledger\'s content_hash', async () => {
    const db = await openDatabase(':memory:');
    const conn = await db.connect();
    const versions = await queryRows<{ version: number }>(conn, 'select version from meta.schema_version order by version');
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const [cols] = await queryRows<{ n: bigint }>(conn,
      `select count(*) as n from duckdb_columns() where schema_name = 'core' and column_name = 'key_hash'`);
    expect(Number(cols!.n)).toBe(5);
    const [at] = await queryRows<{ n: bigint }>(conn,
      `select count(*) as n from duckdb_columns() where schema_name = 'core' and column_name = 'batch_at'`);
    expect(Number(at!.n)).toBe(5);
    expect(await queryRows(conn, `select data_type from duckdb_columns() where schema_name = 'meta' and table_name = 'files' and column_name = 'content_hash'`))
      .toEqual([{ data_type: 'VARCHAR' }]);
    expect(await queryRows(conn, `select data_type from duckdb_columns() where schema_name = 'core' and table_name = 'quarantine' and column_name = 'column_names'`))
      .toEqual([{ data_type: 'VARCHAR[]' }]);
    db.close();
  });

  it('gives a database of version 8 each clinic\'s first data day per kind from its volume history', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'fangst-schema-')), 'v8.duckdb');
    const old = await DuckDBInstance.create(path);
    const c = await old.connect();
    for (const f of ['001_meta.sql', '002_core.sql', '003_quality.sql', '004_core_without_primary_key.sql', '005_releases.sql',
      '006_macro_digest.sql', '007_batch_at.sql', '008_content_hash.sql']) await c.run(await schema(f));
    await c.run(`insert into meta.schema_version (version) values (1), (2), (3), (4), (5), (6), (7), (8)`);
    const volume = (run: string, kind: string, sor: string, day: string) => `('${run}', timestamptz '2026-01-01 00:00:00+00', '${kind}', 'NOVAX', '${sor}', date '${day}', 3)`;
    await c.run(`insert into quality.volume_history values ${volume('r1', 'diagnoser', 'A', '2025-03-04')}, ${volume('r2', 'diagnoser', 'A', '2025-01-02')},
      ${volume('r2', 'notater', 'A', '2025-06-01')}, ${volume('r1', 'diagnoser', 'B', '2025-05-05')}`);
    c.closeSync();
    old.closeSync();

    const db = await openDatabase(path);
    const conn = await db.connect();
    const firstDays = () => queryRows<{ kind: string; sor_code: string; first_day: string }>(conn,
      `select kind, sor_code, first_day::varchar as first_day from quality.volume_first_days order by all`);
    expect(await firstDays()).toEqual([
      { kind: 'diagnoser', sor_code: 'A', first_day: '2025-01-02' },
      { kind: 'diagnoser', sor_code: 'B', first_day: '2025-05-05' },
      { kind: 'notater', sor_code: 'A', first_day: '2025-06-01' },
    ]);
    db.close();
  });
});
