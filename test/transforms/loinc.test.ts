// LOINC check digits, in TypeScript (the catalogue's validation) and SQL (the lab layer), against
// codes as LOINC publishes them and against each other.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalBatch, openMacroDb, type MacroDb } from '../helpers/macro-batch.ts';
import { loincCheckDigit, loincProblem } from '../../transforms/reference/loinc.ts';

let db: MacroDb;
beforeAll(async () => (db = await openMacroDb()));
afterAll(() => db?.close());

// codes as loinc.org publishes them: glucose, creatinine, haemoglobin, HbA1c, potassium, sodium,
// ALT, albumin, total protein, systolic and diastolic pressure, a 6-digit one (HbA1c IFCC)
const PUBLISHED = ['2345-7', '2339-0', '2160-0', '718-7', '4548-4', '2823-3', '2951-2', '1742-6', '1751-7', '2885-2', '8480-6', '8462-4', '59261-8'];

async function sqlValid(codes: (string | null)[]): Promise<(boolean | null)[]> {
  const rows = await evalBatch<{ v: boolean | null }>(db.conn, codes.map((code) => ({ code })), 'loinc_valid(code) as v');
  return rows.map((r) => r.v);
}

describe('LOINC check digits', () => {
  it('accepts the codes LOINC publishes, in TypeScript and SQL', async () => {
    expect(PUBLISHED.map(loincProblem)).toEqual(PUBLISHED.map(() => null));
    expect(await sqlValid(PUBLISHED)).toEqual(PUBLISHED.map(() => true));
  });

  it('rejects a wrong check digit and anything that is not digits, a hyphen and one digit', async () => {
    const bad = ['2345-8', '718-0', '2345', '2345-77', 'A2345-7', '-7', '12345678-5', ''];
    expect(await sqlValid(bad)).toEqual(bad.map(() => false));
    expect(loincProblem('2345-8')).toBe("check digit 7 (LOINC's mod 10 of 2345)");
    expect(loincProblem('2345')).toMatch(/^digits, a hyphen and a check digit/);
  });

  it('agrees between TypeScript and SQL, and catches every change of one digit', async () => {
    await fc.assert(fc.asyncProperty(fc.stringMatching(/^[0-9]{1,7}$/), fc.nat(6), fc.integer({ min: 1, max: 9 }), async (body, at, delta) => {
      const code = `${body}-${loincCheckDigit(body)}`;
      const i = at % body.length;
      const changed = `${body.slice(0, i)}${(Number(body[i]) + delta) % 10}${body.slice(i + 1)}-${loincCheckDigit(body)}`;
      expect(loincProblem(code)).toBeNull();
      expect(loincProblem(changed)).not.toBeNull();
      expect(await sqlValid([code, changed])).toEqual([true, false]);
    }), { numRuns: 60 });
  });
});
