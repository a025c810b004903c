// The model runner on small model folders: order from the models' references, what a header
// declares, selection, variables, and the errors a wrong folder gets.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { LAYERS, loadLayer, runLayer, type Layer } from '../../transforms/run.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fangst-run-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function models(files: Record<string, string>): Promise<void> {
  for (const [name, sql] of Object.entries(files)) await writeFile(join(dir, `${name}.sql`), sql);
}

const kinds = (rows: { table_type: string; table_name: string }[]) => Object.fromEntries(rows.map((r) => [r.table_name, r.table_type]));
const objects = `select table_name, table_type from information_schema.tables where table_schema = 'marts'`;

describe('runLayer', () => {
  it('runs each model after the models it reads, as its header declares', async () => {
    await models({
      a_totals: '-- reads b_counts, so runs after it despite its name\nselect sum(n) as total from marts.b_counts',
      b_counts: '-- one row per number\n-- materialised: view (a projection)\nselect * from marts.c_numbers',
      c_numbers: 'select range as n from range(4);',
      d_report: '-- materialised: query\nselect total from marts.a_totals',
    });
    await withDatabase(':memory:', async (_db, conn) => {
      const run = await runLayer(conn, 'marts', { dir });
      expect(run.models.map((m) => `${m.name}:${m.materialised}`)).toEqual(['c_numbers:table', 'b_counts:view', 'a_totals:table', 'd_report:query']);
      expect(run.rows.get('d_report')).toEqual([{ total: 6n }]);
      expect(kinds(await queryRows(conn, objects))).toEqual({ a_totals: 'BASE TABLE', b_counts: 'VIEW', c_numbers: 'BASE TABLE' });
    });
  });

  it('runs the selected models and the models they read, with the variables they read', async () => {
    await models({
      base: 'select range as n from range(10)',
      report_rows: 'select n from marts.base where n >= getvariable(\'report_from\')',
      report_count: '-- materialised: query\nselect count(*) as n from marts.report_rows',
      other: 'select 1 as x',
    });
    await withDatabase(':memory:', async (_db, conn) => {
      const run = await runLayer(conn, 'marts', { dir, select: 'report_*', variables: { report_from: '7' } });
      expect(run.models.map((m) => m.name)).toEqual(['base', 'report_rows', 'report_count']);
      expect(run.rows.get('report_count')).toEqual([{ n: 3n }]);
      expect(Object.keys(kinds(await queryRows(conn, objects))).sort()).toEqual(['base', 'report_rows']);
      await expect(runLayer(conn, 'marts', { dir, select: 'nothing_*' })).rejects.toThrow('no transform model matches "nothing_*"');
    });
  });

  it('keeps a scratch layer\'s tables as temporary tables read through views', async () => {
    await models({ numbers: 'select range as n from range(3)' });
    await withDatabase(':memory:', async (_db, conn) => {
      await runLayer(conn, 'marts', { dir, scratch: true });
      expect(kinds(await queryRows(conn, objects))).toEqual({ numbers: 'VIEW' });
      expect(await queryRows(conn, `select table_name from duckdb_tables() where temporary`)).toEqual([{ table_name: 'marts__numbers' }]);
    });
  });

  it('on a database opened read-only, keeps the models in temporary tables and views that read each other, and writes nothing', async () => {
    await models({
      a_totals: 'select sum(n) as total from marts.b_counts',
      b_counts: '-- materialised: view\nselect * from marts.c_numbers',
      c_numbers: 'select range as n from range(4)',
      d_report: '-- materialised: query\nselect total from marts.a_totals',
    });
    const file = join(dir, 'read-only.duckdb');
    await withDatabase(file, async () => {});
    const db = await openDatabase(file, { readOnly: true });
    try {
      const conn = await db.connect();
      const run = await runLayer(conn, 'marts', { dir });
      expect(run.rows.get('d_report')).toEqual([{ total: 6n }]);
      expect([...run.tables]).toEqual([['c_numbers', 'temp.main.marts__c_numbers'], ['b_counts', 'temp.main.marts__b_counts'], ['a_totals', 'temp.main.marts__a_totals']]);
      expect(await queryRows(conn, objects)).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('names the file whose declaration, reference or SQL is wrong', async () => {
    await models({ typo: '-- materialised: tabel\nselect 1 as x' });
    await expect(loadLayer('marts', dir)).rejects.toThrow('marts/typo.sql: materialised: found "tabel", expected one of table, view, query');
    await rm(join(dir, 'typo.sql'));
    await models({ q: '-- materialised: query\nselect 1 as x', reader: 'select * from marts.q' });
    await expect(loadLayer('marts', dir)).rejects.toThrow('marts/reader.sql reads marts.q, which is a query (not stored)');
    await rm(join(dir, 'reader.sql'));
    await models({ broken: 'select * from nowhere' });
    await withDatabase(':memory:', async (_db, conn) => {
      await expect(runLayer(conn, 'marts', { dir })).rejects.toThrow(/^transform marts\/broken\.sql \(marts\.broken\) failed: .*nowhere/);
    });
  });

  it('reads every model of the project\'s layers', async () => {
    for (const layer of Object.keys(LAYERS) as Layer[]) expect((await loadLayer(layer)).length).toBeGreaterThan(0);
    const marts = await loadLayer('marts');
    expect(marts.filter((m) => m.materialised === 'query').map((m) => m.name)).toEqual(['monitor_by_specialty', 'monitor_by_system']);
  });
});
