import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, sqlString } from '../../transforms/db/connection.ts';
import { evalBatch, openMacroDb, type MacroDb } from '../helpers/macro-batch.ts';

const referenceDir = fileURLToPath(new URL('../../../shared/reference', import.meta.url));
const sksFile = `${referenceDir}/sks_diagnosis_codes.csv`;
const SKS = /^D[A-Z][0-9]{2}[0-9A-Z]{0,6}$/;

let db: MacroDb;
beforeAll(async () => (db = await openMacroDb()));
afterAll(() => db?.close());

async function normalise(values: Array<string | null>): Promise<Array<string | null>> {
  const rows = await evalBatch<{ n: string | null }>(db.conn, values.map((v) => ({ v })), 'sks_normalise(v) as n');
  return rows.map((r) => r.n);
}

describe('sks_normalise', () => {
  it('gives the SKS spelling for the ICD-10 and SKS forms journal systems show', async () => {
    expect(await normalise(['H35.3', 'dh353', 'DH35.3', ' DH353 ', 'j45.9', 'D50.9', 'DJ45.0A', '\tdz00.0\u00a0']))
      .toEqual(['DH353', 'DH353', 'DH353', 'DH353', 'DJ459', 'DD509', 'DJ450A', 'DZ000']);
  });

  it('returns null for empty input and leaves garbage recognisable as garbage', async () => {
    expect(await normalise([null, '', '   ', '.'])).toEqual([null, null, null, null]);
    const garbage = await normalise(['ukendt', '35.3', 'H3', 'H3512345678', '123', 'DH3X']);
    expect(garbage).toEqual(['UKENDT', '353', 'H3', 'H3512345678', '123', 'DH3X']);
    for (const g of garbage) expect(g).not.toMatch(SKS);
  });

  // A valid SKS code, then the ways a journal system may show it: with or without the D, the ICD-10
  // dot after the category, any letter case, surrounding whitespace.
  const validCode = fc.stringMatching(/^D[A-Z][0-9]{2}[0-9A-Z]{0,6}$/);
  const variant = fc.record({
    code: validCode,
    dropD: fc.boolean(),
    dot: fc.boolean(),
    caseMask: fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
    pad: fc.constantFrom('', ' ', '  ', '\t', '\u00a0'),
  });
  function show(v: { code: string; dropD: boolean; dot: boolean; caseMask: boolean[]; pad: string }): string {
    let s = v.dropD ? v.code.slice(1) : v.code;
    const cat = v.dropD ? 3 : 4; // characters up to and including the category digits
    if (v.dot && s.length > cat) s = `${s.slice(0, cat)}.${s.slice(cat)}`;
    s = [...s].map((ch, i) => (v.caseMask[i % 10] ? ch.toLowerCase() : ch)).join('');
    return `${v.pad}${s}${v.pad}`;
  }

  it('maps every dotted, lower-case, D-less or padded variant of a valid code to the code', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(variant, { minLength: 1000, maxLength: 1000 }), async (batch) => {
        const got = await normalise(batch.map(show));
        batch.forEach((v, i) => expect(got[i], JSON.stringify(show(v))).toBe(v.code));
      }),
      { numRuns: 5, endOnFailure: true },
    );
  });

  it('is idempotent on any text, and outputs a valid code only when the input was one', async () => {
    const anyText = fc.oneof(
      fc.string({ maxLength: 14 }),
      fc.string({ unit: 'grapheme', maxLength: 10 }),
      fc.stringMatching(/^[ .dDhHjJ0-9A-Z]{0,12}$/),
      variant.map(show),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(anyText, { minLength: 1000, maxLength: 1000 }), async (batch) => {
        const rows = await evalBatch<{ once: string | null; twice: string | null }>(
          db.conn,
          batch.map((v) => ({ v })),
          'sks_normalise(v) as once, sks_normalise(sks_normalise(v)) as twice',
        );
        batch.forEach((v, i) => {
          const { once, twice } = rows[i]!;
          expect(twice, JSON.stringify(v)).toBe(once);
          if (once !== null && SKS.test(once)) {
            // it was a code already: the compact input is the code, or the code without its D
            const compact = v.replaceAll('.', '').trim().toUpperCase();
            expect([once, once.slice(1)], JSON.stringify(v)).toContain(compact);
          }
        });
      }),
      { numRuns: 5, endOnFailure: true },
    );
  });

  it.skipIf(!existsSync(sksFile))(
    `round-trips every code of the public SKS list through its ICD-10 form${existsSync(sksFile) ? '' : ' (skipped: ../shared/reference is absent)'}`,
    async () => {
      const [r] = await queryRows<{ codes: bigint; bad: bigint; example: string | null }>(
        db.conn,
        `with codes as (
             select icd10 as code from read_csv(${sqlString(sksFile)}, delim = ';', header = true, all_varchar = true)
             where icd10 is not null and icd10 <> ''),
         shown as (
             select code, lower(substr(code, 2, 3)) || '.' || substr(code, 5) as icd_form from codes)
         select count(*) as codes,
                count(*) filter (where sks_normalise(icd_form) is distinct from code or sks_normalise(code) is distinct from code) as bad,
                min(code) filter (where sks_normalise(icd_form) is distinct from code) as example
         from shown`,
      );
      expect(Number(r!.codes)).toBeGreaterThan(19_000);
      expect(Number(r!.bad), `first failing code: ${r!.example}`).toBe(0);
    },
  );
});
