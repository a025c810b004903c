// lab-quality's flagged rows go out with every text masked, through one use of the detector on
// the distinct texts (maskedRowsSql). Checked against the plain reading: cpr_mask applied to each
// value where it stands, row by row, over rows that repeat texts, hold CPR numbers in many
// spellings, NULL texts, NULL lists and lists holding NULL.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../transforms/db/connection.ts';
import { maskedRowsSql } from '../../quality/reports/lab-quality/write.ts';
import { SPELLINGS } from '../helpers/planted-identifiers.ts';
import { openMacroDb, type MacroDb } from '../helpers/macro-batch.ts';

const COLUMNS = [
  { column_name: 'line', column_type: 'BIGINT' },
  { column_name: 'file', column_type: 'VARCHAR' },
  { column_name: 'value text', column_type: 'VARCHAR' },
  { column_name: 'reasons', column_type: 'VARCHAR[]' },
];

// valid dates (ddmmyy) and serials; the spellings are the every-spelling test's
const cpr = fc.tuple(
  fc.constantFrom('010190', '150385', '311299', '290204'),
  fc.constantFrom('1234', '1037', '4321'),
  fc.constantFrom(...SPELLINGS.filter((s) => !s.replacement)),
).map(([d, s, spelling]) => spelling.write(d, s));
const text = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('labevents.csv', 'P-Kalium', 'mmol/L', '4,1', 'value: not a number', '') },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('pt ', 'id=', ''), cpr, fc.constantFrom('', ' x', ';')).map((p) => p.join('')) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constant(null) },
);
const row = fc.record({
  file: text,
  value: text,
  reasons: fc.option(fc.array(text, { maxLength: 3 }), { nil: null, freq: 4 }),
});

const lit = (v: string | null) => (v === null ? 'null::varchar' : `'${v.replaceAll("'", "''")}'`);

describe("lab-quality's masking of the flagged rows", () => {
  let db: MacroDb;
  beforeAll(async () => {
    db = await openMacroDb();
  });
  afterAll(() => db.close());

  it('gives every row, in its order, what masking each value where it stands gives', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 12 }), async (rows) => {
        const values = rows.map((r, i) => `(${i}, ${lit(r.file)}, ${lit(r.value)}, ${r.reasons === null ? 'null::varchar[]' : `[${r.reasons.map(lit).join(', ')}]::varchar[]`})`);
        await db.conn.run(`create or replace temp table flagged as select * from (values ${values.join(', ')}) t(line, file, "value text", reasons)`);
        const masked = await queryRows(db.conn, `select * from (${maskedRowsSql('flagged', COLUMNS)})`);
        const plain = await queryRows(db.conn, `select line, cpr_mask(file) as file, cpr_mask("value text") as "value text",
          list_transform(reasons, lambda v: cpr_mask(v)) as reasons from flagged`);
        expect(masked).toEqual(plain);
      }),
      { numRuns: 60 },
    );
  });

  it('masks a number in a row whose list is NULL, and one that only a list holds', async () => {
    await db.conn.run(`create or replace temp table flagged as select * from (values
      (1, 'labevents.csv', 'pt 150385-1037', null::varchar[]),
      (2, 'labevents.csv', '4,1', ['value: 0101901234 found'])) t(line, file, "value text", reasons)`);
    const masked = await queryRows<{ line: number; 'value text': string; reasons: string[] | null }>(db.conn,
      `select line, "value text", reasons from (${maskedRowsSql('flagged', COLUMNS)}) order by line`);
    expect(masked.map((r) => [r['value text'], r.reasons])).toEqual([
      ['pt [CPR]', null],
      ['4,1', ['value: [CPR] found']],
    ]);
  });
});
