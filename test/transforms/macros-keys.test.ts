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
