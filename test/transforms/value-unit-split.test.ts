// A value written with its unit after the number ('5,2 mmol/L', '<0,5 mg/L', '120 g/L'), as
// laboratory systems print one into the value field: lab_value_unit_split finds the unit, and the
// text before it is parsed as any value, as stg_lab_values does in `fangst lab-quality`. Both
// ways: a printed number with a unit from the catalogue's spellings is read back to the number
// and the unit's one spelling; a number followed by words that are no unit, or a text that is no
// number before a unit, is not.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalBatch, openMacroDb, type MacroDb } from '../helpers/macro-batch.ts';

let db: MacroDb;
beforeAll(async () => (db = await openMacroDb()));
afterAll(() => db?.close());

interface Read { unit: string | null; state: string; num: number | null; comparator: string | null }

// the split, then the parse of the text before the unit: stg_lab_values' two steps
async function read(cases: Array<{ value: string; decimal: string }>): Promise<Read[]> {
  const rows = await evalBatch<{ unit: string | null; r: { state: string; num: number | null; comparator: string | null } | null }>(db.conn, cases,
    `lab_value_unit_split(lab_value_squash(value)).unit as unit,
     lab_value_parse_squashed(lab_value_unit_split(lab_value_squash(value)).number, null, decimal, null) as r`);
  return rows.map((x) => ({ unit: x.unit, state: x.r?.state ?? 'no split', num: x.r?.num ?? null, comparator: x.r?.comparator ?? null }));
}

// [as printed, as the catalogue spells it]
const UNITS: ReadonlyArray<readonly [string, string]> = [
  ['mmol/L', 'mmol/L'], ['mmol/l', 'mmol/L'], ['MMOL/L', 'mmol/L'], ['g/L', 'g/L'], ['g/dl', 'g/dL'], ['mg/L', 'mg/L'],
  ['mg/dL', 'mg/dL'], ['µmol/L', 'µmol/L'], ['umol/l', 'µmol/L'], ['μmol/L', 'µmol/L'], ['%', '%'], ['mmol/mol', 'mmol/mol'],
  ['x10^9/L', '10^9/L'], ['×10^9/l', '10^9/L'], ['10^9/L', '10^9/L'], ['x 10E9/L', '10^9/L'], ['E/L', 'U/L'], ['U/L', 'U/L'],
  ['mIU/L', 'mIU/L'], ['mL/min/1,73m2', 'mL/min/1.73m²'], ['fL', 'fL'], ['mm/t', 'mm/h'],
];

const number = fc.record({
  int: fc.integer({ min: 0, max: 99_999 }),
  frac: fc.stringMatching(/^[0-9]{0,3}$/),
  decimal: fc.constantFrom(',', '.'),
});
type Num = { int: number; frac: string; decimal: string };
const printed = (n: Num) => `${n.int}${n.frac ? n.decimal + n.frac : ''}`;
const valueOf = (n: Num) => Number(`${n.int}.${n.frac || '0'}`);

describe('a value written with its unit', () => {
  it('reads the number, a censored one with its comparator, and the unit in its one spelling', async () => {
    const item = fc.record({ n: number, unit: fc.constantFrom(...UNITS), comparator: fc.constantFrom('', '<', '>', '<=', '< '), space: fc.constantFrom('', ' ', '  ') });
    await fc.assert(fc.asyncProperty(fc.array(item, { minLength: 500, maxLength: 500 }), async (batch) => {
      const texts = batch.map((c) => `${c.comparator}${printed(c.n)}${c.space}${c.unit[0]}`);
      const got = await read(batch.map((c, i) => ({ value: texts[i]!, decimal: c.n.decimal })));
      batch.forEach((c, i) => {
        expect(got[i]!.unit, texts[i]).toBe(c.unit[1]);
        expect(got[i]!.state, texts[i]).toBe(c.comparator ? 'censored' : 'numeric');
        expect(got[i]!.comparator, texts[i]).toBe(c.comparator ? c.comparator.trim() : null);
        expect(got[i]!.num, texts[i]).toBeCloseTo(valueOf(c.n), 9);
      });
    }), { numRuns: 5, endOnFailure: true });
  });

  it('reads no unit from words that are none, and no number from a text that is none before a unit', async () => {
    const notUnit = fc.constantFrom('tabletter', 'stk', '(hæmolyse)', 'ca', 'se note', 'mmol/L mmol/L', 'x', '?', 'timer', 'mmol/L.', 'kr');
    const notNumber = fc.constantFrom('5-10', '5,2,3', 'ca. 5', '1.234', 'neg', '<<5', '5..2', '--5', '');
    const item = fc.oneof(
      fc.record({ n: number, tail: notUnit, space: fc.constantFrom('', ' ') }).map((c) => ({ value: `${printed(c.n)}${c.space}${c.tail}`, decimal: c.n.decimal, unitExpected: false })),
      fc.record({ head: notNumber, unit: fc.constantFrom(...UNITS) }).map((c) => ({ value: `${c.head} ${c.unit[0]}`, decimal: ',', unitExpected: true })),
    );
    await fc.assert(fc.asyncProperty(fc.array(item, { minLength: 300, maxLength: 300 }), async (batch) => {
      const got = await read(batch);
      batch.forEach((c, i) => {
        // a unit may be found after words ('neg mmol/L'), but the text before it is no value
        expect(['no split', 'unparseable'], c.value).toContain(got[i]!.state);
        expect(got[i]!.num, c.value).toBeNull();
        if (!c.unitExpected) expect(got[i]!.unit, c.value).toBeNull();
      });
    }), { numRuns: 5, endOnFailure: true });
  });
});
