// The date in a delivered file's name orders a backfill's runs (TypeScript, plan-runs.ts) and
// decides whether a version is older than the one published (SQL, macros/delivery_stamp.sql):
// the two must read every name alike.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryStamp } from '../../transforms/ingest/plan-runs.ts';
import { evalBatch, openMacroDb, type MacroDb } from '../helpers/macro-batch.ts';

let db: MacroDb;
beforeAll(async () => (db = await openMacroDb()));
afterAll(() => db?.close());

const stamps = async (names: string[]) => (await evalBatch<{ s: string }>(db.conn, names.map((t) => ({ t })), 'delivery_stamp(t) as s')).map((r) => r.s);

describe('delivery_stamp and deliveryStamp', () => {
  it('read the names the journal systems write', async () => {
    const names = ['novax/novax_diagnoser_202504.csv', 'novax/novax_diagnoser_202504.csv.gz', 'eg-winplc/EPI_202506.tsv', 'multimed/20250103.diagnoses.ndjson',
      'novax/2025-03_diagnoser_1.csv', 'dmdc/DMDC_DIA_2025-01-15.txt', 'novax/laes-mig.txt', 'x/2019_12/a.csv', 'a/b/2025-13-01.csv'];
    const expected = ['20250400', '20250400', '20250600', '20250103', '20250300', '20250115', '99999999', '99999999', '99999999'];
    expect(names.map(deliveryStamp)).toEqual(expected);
    expect(await stamps(names)).toEqual(expected);
  });

  it('agree on any name of digits, dashes, letters and folders', async () => {
    const name = fc.array(fc.constantFrom(...'0123456789-_./abc'.split(''), '19', '20', '2025', '-0', '-1', '12', '31'), { maxLength: 14 }).map((a) => a.join(''));
    await fc.assert(fc.asyncProperty(fc.array(name, { minLength: 300, maxLength: 300 }), async (names) => {
      const got = await stamps(names);
      names.forEach((n, i) => expect(got[i], JSON.stringify(n)).toBe(deliveryStamp(n)));
    }), { numRuns: 10 });
  });
});

describe('delivery_older', () => {
  it('compares to the day where both names give one, else to the month, and never against a name without a date', async () => {
    const cases: [string, string, boolean][] = [
      ['novax/x_diagnoser_20251215.csv', 'novax/y_diagnoser_202601.csv', true],
      // a month's file and a file of a day in it: neither is older (NOVAX names its files by
      // month; a correction there must not be held back against a day-stamped file of the month)
      ['novax/y_diagnoser_202601.csv', 'novax/x_diagnoser_20260115.csv', false],
      ['novax/x_diagnoser_20260115.csv', 'novax/y_diagnoser_202601.csv', false],
      ['novax/x_diagnoser_20260114.csv', 'novax/x_diagnoser_20260115.csv', true],
      ['novax/x_diagnoser_202512.csv', 'novax/x_diagnoser_202601.csv', true],
      ['novax/x_diagnoser_202601.csv', 'novax/x_diagnoser_202512.csv', false],
      ['novax/x_diagnoser_202601.csv', 'novax/x_diagnoser_rettelse.csv', false],
      ['novax/x_diagnoser_rettelse.csv', 'novax/x_diagnoser_202601.csv', false],
    ];
    const got = await evalBatch<{ o: boolean }>(db.conn, cases.map(([a, b]) => ({ a, b })), 'delivery_older(a, b) as o');
    expect(got.map((r) => r.o)).toEqual(cases.map((c) => c[2]));
  });
});
