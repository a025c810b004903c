import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows, sqlString, withDatabase } from '../../transforms/db/connection.ts';
import { loadGeneratorConfig } from '../../data-samples/generator/config.ts';
import { globToRegExp, loadDeliveries, type Delivery } from '../../data-samples/generator/layouts.ts';
import { generate, type GenerateSummary } from '../../data-samples/generator/run.ts';

// A scale above the shard scale is made as shards (scale 10 = ten shards of scale 1), appended to
// the files of one inbox. Here: scale 0.004 as two shards of 0.002, beside one generation of 0.002.
const root = resolve(import.meta.dirname, '..', '..');

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(relative(dir, join(e.parentPath, e.name)).replaceAll('\\', '/'));
  return out.sort();
}

/** Every row of a delivered file with its line number as fangst counts it (header = line 1 in csv/tsv). */
async function fileRows(conn: DuckDBConnection, path: string, d: Delivery): Promise<string> {
  const p = sqlString(path);
  const idColumn = Object.keys(d.columns).indexOf('record_id');
  const source =
    d.format === 'parquet'
      ? `read_parquet(${p})`
      : d.format === 'ndjson'
        ? `read_json(${p}, format = 'newline_delimited', columns = {${sqlString(d.columns.record_id!)}: 'VARCHAR'})`
        : `read_csv(${p}, header = true, all_varchar = true, delim = ${sqlString(d.delimiter)}, quote = '"', encoding = ${sqlString(d.encoding)}, compression = 'auto')`;
  const names = (await queryRows<{ column_name: string }>(conn, `describe select * from ${source}`)).map((c) => c.column_name);
  const id = d.format === 'ndjson' ? d.columns.record_id! : names[idColumn]!;
  const header = d.format === 'csv' || d.format === 'tsv' ? 1 : 0;
  return `select row_number() over () + ${header} as line, "${id.replaceAll('"', '""')}"::varchar as record_id from ${source}`;
}

describe('fangst generate: an inbox made of shards', () => {
  let dir: string;
  let one: GenerateSummary;
  let two: GenerateSummary;
  let deliveries: Delivery[];
  const inbox = (name: string) => join(dir, name, 'inbox');
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fangst-gen-shards-'));
    deliveries = await loadDeliveries(root, await loadGeneratorConfig(join(root, 'config', 'generator.yaml')));
    one = await generate({ scale: 0.002, seed: 7, out: inbox('one'), truth: join(dir, 'one', 'truth.parquet') });
    two = await generate({ scale: 0.004, shardScale: 0.002, seed: 7, out: inbox('two'), truth: join(dir, 'two', 'truth.parquet') });
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const deliveryOf = (f: string) => deliveries.find((d) => globToRegExp(d.glob).test(f));

  it('delivers the same clinics in the same file set: one file per layout and period, the register once', async () => {
    expect(two.clinics).toBe(one.clinics);
    const a = await listFiles(inbox('one'));
    const b = await listFiles(inbox('two'));
    // shard 0 is the inbox of one generation; a sparse layout's month may have rows in a later shard only
    for (const f of a) expect([f, b.includes(f)]).toEqual([f, true]);
    for (const f of b.filter((x) => !x.startsWith('register/'))) expect([f, !!deliveryOf(f)]).toEqual([f, true]);
    expect(b.some((f) => f.includes('.shards-') || f.includes('shard-'))).toBe(false);
    expect(await listFiles(dir)).not.toContainEqual(expect.stringMatching(/shards-/));
    // shard 0 is byte for byte the one generation; later shards' rows follow (gzip: as more members)
    for (const f of ['novax/novax_diagnoser_202503.csv', 'eg-clinea/clinea-diagnoses-202503.csv', 'cgm-xmo/xmo_lab_202503.csv.gz', 'multimed/202503.diagnoses.ndjson.gz']) {
      const read = async (name: string) => {
        const raw = await readFile(join(inbox(name), f));
        return f.endsWith('.gz') ? gunzipSync(raw) : raw;
      };
      const [a1, b1] = [await read('one'), await read('two')];
      expect([f, b1.length > a1.length, b1.subarray(0, a1.length).equals(a1)]).toEqual([f, true, true]);
    }
    expect(await readFile(join(inbox('two'), 'register', 'klinikregister.csv'), 'utf8')).toBe(await readFile(join(inbox('one'), 'register', 'klinikregister.csv'), 'utf8'));
  });

  it('holds every row of every shard (gzip files as several members), with record ids disjoint across shards', async () => {
    await withDatabase(':memory:', async (_db, conn) => {
      const counted: Record<string, number> = {};
      const truth = sqlString(join(dir, 'two', 'truth.parquet'));
      for (const f of (await listFiles(inbox('two'))).filter((x) => !x.startsWith('register/'))) {
        const d = deliveryOf(f)!;
        const [r] = await queryRows<{ n: bigint; ids: bigint }>(conn, `select count(*) as n, count(distinct record_id) as ids from (${await fileRows(conn, join(inbox('two'), f), d)})`);
        counted[d.kind] = (counted[d.kind] ?? 0) + Number(r!.n);
        // no record id twice in a file (a re-send comes in the month after)
        expect([f, Number(r!.n) - Number(r!.ids)]).toEqual([f, 0]);
      }
      expect(counted).toEqual(two.rows);
      // the shards' calibrated records add up: exactly twice the published figures of one shard
      for (const key of ['diagnoser', 'a_diagnoser', 'epikriser', 'patients'] as const) {
        const e1 = await queryRows<{ key: string; v: bigint }>(conn, `select key, ${key} as v from ${sqlString(one.expected)} where scope = 'system' order by key`);
        const e2 = await queryRows<{ key: string; v: bigint }>(conn, `select key, ${key} as v from ${sqlString(two.expected)} where scope = 'system' order by key`);
        expect([key, e2.map((r) => [r.key, Number(r.v)])]).toEqual([key, e1.map((r) => [r.key, 2 * Number(r.v)])]);
      }
      // record ids of a system and kind never repeat outside re-sends, across all its files
      const bySystemKind = new Map<string, string[]>();
      for (const f of (await listFiles(inbox('two'))).filter((x) => !x.startsWith('register/'))) {
        const d = deliveryOf(f)!;
        bySystemKind.set(`${d.system}|${d.kind}`, [...(bySystemKind.get(`${d.system}|${d.kind}`) ?? []), f]);
      }
      for (const [key, files] of bySystemKind) {
        const d = deliveryOf(files[0]!)!;
        const parts = await Promise.all(files.map((f) => fileRows(conn, join(inbox('two'), f), d)));
        const [r] = await queryRows<{ n: bigint; ids: bigint }>(conn, `select count(*) as n, count(distinct record_id) as ids from (${parts.join(' union all ')})`);
        const [resent] = await queryRows<{ n: bigint }>(
          conn,
          `select count(*) as n from ${truth} where journal_system = ${sqlString(d.system)} and data_kind = ${sqlString(d.kind)} and kind in ('exact_duplicate', 'corrected_redelivery')`,
        );
        expect([key, Number(r!.n) - Number(r!.ids)]).toEqual([key, Number(resent!.n)]);
      }
    });
  });

  it('points every record-level truth row at the file line that holds the record, in later shards too', async () => {
    await withDatabase(':memory:', async (_db, conn) => {
      const truth = sqlString(join(dir, 'two', 'truth.parquet'));
      const files = await queryRows<{ source_file: string }>(conn, `select distinct source_file from ${truth} where record_id is not null and data_kind <> 'register' order by 1`);
      const parts: string[] = [];
      for (const { source_file } of files) parts.push(`select ${sqlString(source_file)} as file, * from (${await fileRows(conn, join(inbox('two'), source_file), deliveryOf(source_file)!)})`);
      await conn.run(`create table lines as ${parts.join(' union all ')}`);
      const [r] = await queryRows<{ n: bigint; found: bigint; beyond_first: bigint }>(
        conn,
        `with t as (select * from ${truth} where record_id is not null and data_kind <> 'register'),
              first_shard as (select file, count(*) as n from lines group by file)
         select count(*) as n,
             count(*) filter (where l.record_id = t.record_id) as found,
             count(*) filter (where l.record_id = t.record_id and t.source_line > f.n / 2) as beyond_first
         from t
         left join lines as l on l.file = t.source_file and l.line = t.source_line
         left join first_shard as f on f.file = t.source_file`,
      );
      expect(Number(r!.found)).toBe(Number(r!.n));
      expect(Number(r!.beyond_first)).toBeGreaterThan(0);
      // the plan's clinic-level defects once, not once per shard
      const clinicRows = await queryRows<{ kind: string; n: bigint }>(conn, `select kind, count(*) as n from ${truth} where record_id is null group by kind order by kind`);
      const oneRows = await queryRows<{ kind: string; n: bigint }>(conn, `select kind, count(*) as n from ${sqlString(join(dir, 'one', 'truth.parquet'))} where record_id is null group by kind order by kind`);
      expect(clinicRows.map((x) => [x.kind, Number(x.n)])).toEqual(oneRows.map((x) => [x.kind, Number(x.n)]));
    });
  });
});
