import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, sqlString } from '../../transforms/db/connection.ts';
import { evalBatch, openMacroDb, type MacroDb } from '../helpers/macro-batch.ts';

let db: MacroDb;
beforeAll(async () => (db = await openMacroDb()));
afterAll(() => db?.close());

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysIn = (y: number, m: number) => [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
const iso = (d: unknown) => (d === null ? null : (d as Date).toISOString().slice(0, 10));

// strptime formats must be constants in DuckDB, so the cases run in one query per format.
async function parse(cases: Array<{ t: string | null; fmt: string | null }>): Promise<Array<string | null>> {
  const out: Array<string | null> = new Array(cases.length).fill(null);
  for (const fmt of new Set(cases.map((c) => c.fmt))) {
    const idx = cases.flatMap((c, i) => (c.fmt === fmt ? [i] : []));
    const call = fmt === null ? 'parse_date_dk(t)' : `parse_date_dk(t, ${sqlString(fmt)})`;
    const rows = await evalBatch<{ d: unknown }>(db.conn, idx.map((i) => ({ t: cases[i]!.t })), `${call} as d`);
    rows.forEach((r, j) => (out[idx[j]!] = iso(r.d)));
  }
  return out;
}

describe('parse_date_dk', () => {
  it('rejects 31-02-2025 instead of rolling it over, as DuckDB try_strptime itself does', async () => {
    const [raw] = await queryRows<{ d: unknown }>(db.conn, `select try_strptime('31-02-2025', '%d-%m-%Y') as d`);
    expect(raw!.d).toBeNull();
    expect(await parse([{ t: '31-02-2025', fmt: '%d-%m-%Y' }, { t: '31-02-2025', fmt: null }, { t: '29-02-2023', fmt: null }]))
      .toEqual([null, null, null]);
  });

  it('reads the Danish spellings and rejects a two-digit year read as %Y', async () => {
    expect(
      await parse([
        { t: '24-12-2025', fmt: null }, { t: ' 24.12.2025 ', fmt: null }, { t: '2025-12-24', fmt: null },
        { t: '24/12/2025', fmt: null }, { t: '20251224', fmt: null }, { t: '29-02-2024', fmt: '%d-%m-%Y' },
        { t: '24-12-25', fmt: '%d-%m-%Y' }, { t: '24-12-25', fmt: null }, { t: 'i går', fmt: null }, { t: null, fmt: null },
      ]),
    ).toEqual(['2025-12-24', '2025-12-24', '2025-12-24', '2025-12-24', '2025-12-24', '2024-02-29', null, null, null, null]);
  });

  const date = fc
    .record({ y: fc.integer({ min: 1900, max: 2199 }), m: fc.integer({ min: 1, max: 12 }), pick: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }) })
    .map(({ y, m, pick }) => ({ y, m, d: 1 + Math.floor(pick * daysIn(y, m)) }));
  const formats = [
    { fmt: '%d-%m-%Y', show: (x: { y: number; m: number; d: number }) => `${pad(x.d)}-${pad(x.m)}-${x.y}` },
    { fmt: '%d.%m.%Y', show: (x: { y: number; m: number; d: number }) => `${pad(x.d)}.${pad(x.m)}.${x.y}` },
    { fmt: '%Y-%m-%d', show: (x: { y: number; m: number; d: number }) => `${x.y}-${pad(x.m)}-${pad(x.d)}` },
  ];

  it('reads back every valid date in every format, with and without the format given', async () => {
    const item = fc.record({ date, f: fc.integer({ min: 0, max: formats.length - 1 }), given: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.array(item, { minLength: 1000, maxLength: 1000 }), async (batch) => {
        const got = await parse(batch.map((c) => ({ t: formats[c.f]!.show(c.date), fmt: c.given ? formats[c.f]!.fmt : null })));
        batch.forEach((c, i) => expect(got[i], formats[c.f]!.show(c.date)).toBe(`${c.date.y}-${pad(c.date.m)}-${pad(c.date.d)}`));
      }),
      { numRuns: 5, endOnFailure: true },
    );
  });

  it('never accepts a day past the end of its month', async () => {
    const impossible = fc
      .record({ y: fc.integer({ min: 1900, max: 2199 }), m: fc.integer({ min: 1, max: 12 }), over: fc.integer({ min: 1, max: 3 }), f: fc.integer({ min: 0, max: 2 }) })
      .map(({ y, m, over, f }) => ({ y, m, d: daysIn(y, m) + over, f }))
      .filter((x) => x.d <= 31 || x.f === 0);
    await fc.assert(
      fc.asyncProperty(fc.array(impossible, { minLength: 1000, maxLength: 1000 }), async (batch) => {
        const got = await parse(batch.map((c) => ({ t: formats[c.f]!.show(c), fmt: formats[c.f]!.fmt })));
        batch.forEach((c, i) => expect(got[i], formats[c.f]!.show(c)).toBeNull());
      }),
      { numRuns: 5, endOnFailure: true },
    );
  });
});
