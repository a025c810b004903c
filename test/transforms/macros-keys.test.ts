// key_hash, row_id and join_filter_hint (transforms/macros/): the values they stand for, and the
// plan join_filter_hint() is there for.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../transforms/db/connection.ts';
import { openMacroDb, type MacroDb } from '../helpers/macro-batch.ts';

let db: MacroDb;
beforeAll(async () => {
  db = await openMacroDb();
  // a history of 300k keys and a run of 3000 of them: the shape of published_matches' probe
  await db.conn.run(`create table history as
    select 'NOVAX:' || i as record_key, (md5_number('NOVAX:' || i) >> 64)::ubigint as key_hash from range(300000) t(i)`);
  await db.conn.run(`create table run as select * from history where record_key like '%77'`);
});
afterAll(() => db?.close());

async function scanned(hint: string): Promise<{ plan: string; rows: number }> {
  const sql = `select count(*) from history where key_hash in (select key_hash from run ${hint})`;
  const explained = await queryRows<{ explain_value: string }>(db.conn, `explain (analyze, format json) ${sql}`);
  const plan = explained.map((r) => r.explain_value).join('\n');
  const [{ n }] = (await queryRows<{ n: bigint }>(db.conn, `select count(*) as n from (${sql.replace('count(*)', '*')})`)) as [{ n: bigint }];
  return { plan, rows: Number(n) };
}

describe('key_hash', () => {
  it('is the upper 64 bits of the md5 of the key, as db/schema/004 stores it', async () => {
    const rows = await queryRows<{ same: boolean; example: string; none: string | null }>(db.conn, `
      select bool_and(key_hash(record_key) = (md5_number(record_key) >> 64)::ubigint) as same,
        key_hash('NOVAX:1')::varchar as example, key_hash(null)::varchar as none
      from history`);
    expect(rows).toEqual([{ same: true, example: '4332569379701535619', none: null }]);
  });
});

describe('row_id', () => {
  it('sorts as (file, line) does', async () => {
    const [r] = await queryRows<{ a: bigint; ordered: boolean }>(db.conn, `
      select row_id(1::bigint, 7::bigint) as a,
        row_id(1::bigint, 1099511627775::bigint) < row_id(2::bigint, 1::bigint) as ordered`);
    expect(r).toEqual({ a: 1099511627783n, ordered: true });
  });
});

describe('join_filter_hint', () => {
  it('is always true and stays volatile inside the macro (the same plan as random() < 2)', async () => {
    const viaMacro = await scanned('where join_filter_hint()');
    const spelled = await scanned('where random() < 2');
    expect(viaMacro.rows).toBe(3000);
    expect(spelled.rows).toBe(3000);
    expect(viaMacro.plan).toMatch(/BF\(/);
    expect(spelled.plan).toMatch(/BF\(/);
  });

  it('is still needed: without it DuckDB pushes no bloom filter into the scan of the probe side', async () => {
    // When this fails, a DuckDB upgrade filters the scan without the hint: remove the macro
    // (transforms/macros/join_filter_hint.sql) and its uses.
    const bare = await scanned('');
    expect(bare.rows).toBe(3000);
    expect(bare.plan).not.toMatch(/BF\(/);
  });
});

describe('batch_at', () => {
  it('is the time in a batch id, of the nightly and the lab-quality form, and null for any other id', async () => {
    const [r] = await queryRows<{ night: string; lab: string; other: string | null; empty: string | null }>(db.conn, `
      select batch_at('b20261205T211038Z-6cc985')::varchar as night, batch_at('lab-20261205T211940Z')::varchar as lab,
        batch_at('b1')::varchar as other, batch_at(null)::varchar as empty`);
    expect(r).toEqual({ night: '2026-12-05 21:10:38', lab: '2026-12-05 21:19:40', other: null, empty: null });
  });

  it('lets a scan for one batch skip the row groups of earlier batches, which the batch id alone cannot', async () => {
    // eight batches of one night, 130k rows each: their ids share the 8 bytes DuckDB keeps of a string's min and max
    await db.conn.run(`create table batches as
      select 'b20261205T21' || lpad((i // 130000)::varchar, 2, '0') || '00Z-abcdef' as batch_id from range(8 * 130000) t(i)`);
    await db.conn.run(`alter table batches add column batch_at timestamp; update batches set batch_at = batch_at(batch_id)`);
    const scanned = async (where: string) => {
      const [p] = await queryRows<{ explain_value: string }>(db.conn, `explain (analyze, format json) select count(*) from batches where ${where}`);
      return Number(JSON.parse(p!.explain_value).cumulative_rows_scanned);
    };
    const last = `'b20261205T210700Z-abcdef'`;
    expect(await scanned(`batch_id = ${last}`)).toBe(8 * 130000);
    expect(await scanned(`batch_id = ${last} and batch_at = batch_at(${last})`)).toBeLessThan(2 * 130000);
  });
});
