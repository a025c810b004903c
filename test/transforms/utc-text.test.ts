// utc_text (transforms/macros/utc_text.sql): the content hash of every stored record was made from
// DuckDB's own text of its timestamps; the faster text must be that text exactly, or a record
// delivered again would look changed.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../transforms/db/connection.ts';
import { expandKinds } from '../../transforms/kind-sql.ts';
import { KIND_SPECS } from '../../config/kinds.ts';
import { openMacroDb, type MacroDb } from '../helpers/macro-batch.ts';

let db: MacroDb;
beforeAll(async () => {
  db = await openMacroDb();
  await db.conn.run(`set TimeZone = 'UTC'`);
});
afterAll(() => db?.close());

/** The instants (microseconds since 1970) whose utc_text differs from the cast, with both texts. */
async function differing(micros: readonly bigint[]): Promise<string[]> {
  const rows = await queryRows<{ cast: string | null; mine: string | null }>(db.conn, `
    select t::varchar as cast, utc_text(t) as mine
    from (select make_timestamptz(m) as t from unnest([${micros.map((m) => `${m}::bigint`).join(', ')}]) as u(m))
    where utc_text(t) is distinct from t::varchar`);
  return rows.map((r) => `${r.cast} vs ${r.mine}`);
}

const YEAR_1 = -62135596800000000n;
const YEAR_10000 = 253402300800000000n;

describe('utc_text', () => {
  it('writes every instant of years 1-9999 as the cast does, to the microsecond', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.bigInt({ min: YEAR_1, max: YEAR_10000 - 1n }), { minLength: 1, maxLength: 500 }), async (micros) => {
        expect(await differing(micros)).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });

  it('writes whole seconds, fractions, the years at both ends and far dates as the cast does', async () => {
    const day = 86_400_000_000n;
    const picked = [
      0n, 1n, -1n, 500_000n, 1_740_823_200_000_000n, 1_740_823_200_123_400n, // 1970, 2025-03-01 10:00 (and .1234)
      YEAR_1, YEAR_1 - 1n, YEAR_1 - day * 400n, // year 1, the last microsecond of 1 BC, 2 BC
      YEAR_10000 - 1n, YEAR_10000, YEAR_10000 + day * 365n * 100n, // 9999-12-31 23:59:59.999999, 10000, 10100
      -9_000_000_000_000_000_000n, 9_000_000_000_000_000_000n, // near the ends of the type
    ];
    expect(await differing(picked)).toEqual([]);
    const [special] = await queryRows<{ inf: string; minus: string; none: string | null }>(db.conn, `
      select utc_text('infinity'::timestamptz) as inf, utc_text('-infinity'::timestamptz) as minus, utc_text(null::timestamptz) as none`);
    expect(special).toEqual({ inf: 'infinity', minus: '-infinity', none: null });
  });

  it('is what the content hash (core/kind.sql) reads of every timestamp column, and only of those', () => {
    const model = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../transforms/core/kind.sql'), 'utf8');
    for (const kind of KIND_SPECS) {
      const hash = /md5\(concat_ws\('\|', ([^\n]*)\)\) as content_hash/.exec(expandKinds(model, kind))![1]!;
      const wrapped = [...hash.matchAll(/utc_text\(stg\.(\w+)\)/g)].map((m) => m[1]);
      const expected = kind.hashed.filter((c) => ['sampled_at', 'resulted_at', 'note_time'].includes(c));
      expect({ kind: kind.name, wrapped }).toEqual({ kind: kind.name, wrapped: expected });
      for (const c of kind.hashed) expect(hash).toContain(`stg.${c}`);
    }
  });
});
