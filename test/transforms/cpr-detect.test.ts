import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../transforms/db/connection.ts';
import { evalBatch, openMacroDb, type MacroDb } from '../helpers/macro-batch.ts';

let db: MacroDb;
beforeAll(async () => (db = await openMacroDb()));
afterAll(() => db?.close());

type Found = { first: string | null; has: boolean };
async function scan(texts: Array<string | null>): Promise<Found[]> {
  return evalBatch<Found>(db.conn, texts.map((t) => ({ t })), 'cpr_find(t) as first, has_cpr(t) as has');
}

const pad2 = (n: number) => String(n).padStart(2, '0');
// The rule of the macro (see transforms/macros/cpr_find.sql): the date must exist in 20YY, which
// accepts 29 February exactly when YY is divisible by 4.
const daysIn = (month: number, yy: number) => [31, yy % 4 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;

/** DOMAIN.md's rule written out plainly, position by position: the oracle for the macros. */
function firstCpr(t: string): string | null {
  const isDigit = (ch: string | undefined) => ch !== undefined && ch >= '0' && ch <= '9';
  for (let i = 0; i < t.length; i++) {
    if (i > 0 && isDigit(t[i - 1])) continue;
    const m = /^([0-9]{2})([0-9]{2})([0-9]{2})[- ]?(?:[0-9]{4}|[01567][A-Z]{2}[0-9])/.exec(t.slice(i));
    if (!m || isDigit(t[i + m[0].length])) continue;
    const [dd, mm, yy] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (mm >= 1 && mm <= 12 && dd >= 1 && dd <= daysIn(mm, yy)) return m[0];
  }
  return null;
}

const validDate = fc
  .record({ yy: fc.integer({ min: 0, max: 99 }), month: fc.integer({ min: 1, max: 12 }), dayPick: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }) })
  .map(({ yy, month, dayPick }) => `${pad2(1 + Math.floor(dayPick * daysIn(month, yy)))}${pad2(month)}${pad2(yy)}`);

const invalidDate = fc.oneof(
  fc.record({ d: fc.integer({ min: 32, max: 99 }), m: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ d: fc.constant(0), m: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ d: fc.integer({ min: 1, max: 31 }), m: fc.oneof(fc.constant(0), fc.integer({ min: 13, max: 99 })) }),
  fc.record({ d: fc.constant(31), m: fc.constantFrom(2, 4, 6, 9, 11) }),
  fc.record({ d: fc.constant(30), m: fc.constant(2) }),
).chain(({ d, m }) => fc.integer({ min: 0, max: 99 }).map((yy) => `${pad2(d)}${pad2(m)}${pad2(yy)}`))
  .filter((s) => s.length === 6);
const feb29NonLeap = fc.integer({ min: 0, max: 99 }).filter((yy) => yy % 4 !== 0).map((yy) => `2902${pad2(yy)}`);

const serial = fc.stringMatching(/^[0-9]{4}$/);
const separator = fc.constantFrom('', '-', ' ');
// Text around a number that does not touch it with a digit.
const textWithoutDigits = fc.stringMatching(/^[a-zA-ZæøåÆØÅ .,:;()/\n-]{0,20}$/);
const before = textWithoutDigits.map((s) => (s === '' ? s : s.replace(/[0-9]$/, '') + ' '));
const after = textWithoutDigits.map((s) => (s === '' ? s : ' ' + s));

describe('cpr_find / has_cpr', () => {
  it('finds CPR numbers as DOMAIN.md describes them, and nothing else', async () => {
    const got = await scan([
      'pt. 010190-1234 til kontrol', '0101901234', '010190 1234', 'x0101901234y',
      '3213451234', '01019012345', '123456789012', '300290-1234', '310490-1234',
      '290200-1234', '290204 1234', '290201-1234',
      '0101901AB2', '010190-7XY3', '0101905QQ0', '0101902AB2', '0101901ab2',
      'prøve 3213451234, cpr 241299-4321 og 150385 1111', null, '',
    ]);
    expect(got.map((g) => g.first)).toEqual([
      '010190-1234', '0101901234', '010190 1234', '0101901234',
      null, null, null, null, null,
      '290200-1234', '290204 1234', null,
      '0101901AB2', '010190-7XY3', '0101905QQ0', null, null,
      '241299-4321', null, null,
    ]);
    expect(firstCpr('prøve 3213451234, cpr 241299-4321 og 150385 1111')).toBe('241299-4321');
    // overlapping: the first ten digits run into an eleventh, the second number stands alone
    expect((await scan(['010190-010190-1234']))[0]!.first).toBe('010190-1234');
    expect(got.map((g) => g.has)).toEqual(got.map((g) => g.first !== null));
  });

  it('finds every generated CPR number (valid date + 4 digits, with or without a separator) in random text', async () => {
    const embedded = fc.record({ date: validDate, sep: separator, serial, before, after });
    await fc.assert(
      fc.asyncProperty(fc.array(embedded, { minLength: 1000, maxLength: 1000 }), async (batch) => {
        const cpr = (c: (typeof batch)[number]) => `${c.date}${c.sep}${c.serial}`;
        const got = await scan(batch.map((c) => `${c.before}${cpr(c)}${c.after}`));
        batch.forEach((c, i) => {
          expect(got[i]!.first, JSON.stringify(c)).toBe(cpr(c));
          expect(got[i]!.has).toBe(true);
        });
      }),
      { numRuns: 5, endOnFailure: true },
    );
  });

  it('finds every generated eCPR replacement number, and no other letter pattern', async () => {
    const ecpr = fc.record({
      date: validDate,
      sep: fc.constantFrom('', '-'),
      kind: fc.constantFrom('1', '7', '0', '5', '6', '2', '3', '4', '8', '9'),
      letters: fc.stringMatching(/^[A-Z]{2}$/),
      digit: fc.integer({ min: 0, max: 9 }),
      before,
      after,
    });
    await fc.assert(
      fc.asyncProperty(fc.array(ecpr, { minLength: 1000, maxLength: 1000 }), async (batch) => {
        const got = await scan(batch.map((c) => `${c.before}${c.date}${c.sep}${c.kind}${c.letters}${c.digit}${c.after}`));
        batch.forEach((c, i) => expect(got[i]!.has, JSON.stringify(c)).toBe('17056'.includes(c.kind)));
      }),
      { numRuns: 5, endOnFailure: true },
    );
  });

  it('never finds digit strings whose date does not exist (3213451234, 290223-1234, ...)', async () => {
    const bogus = fc.record({ date: fc.oneof(invalidDate, feb29NonLeap), sep: separator, serial, before, after });
    await fc.assert(
      fc.asyncProperty(fc.array(bogus, { minLength: 1000, maxLength: 1000 }), async (batch) => {
        const got = await scan(batch.map((c) => `${c.before}${c.date}${c.sep}${c.serial}${c.after}`));
        batch.forEach((c, i) => expect(got[i]!.has, JSON.stringify(c)).toBe(false));
      }),
      { numRuns: 5, endOnFailure: true },
    );
  });

  it('never finds a number that is part of a longer run of digits', async () => {
    const longer = fc.record({
      date: validDate, serial,
      lead: fc.stringMatching(/^[0-9]{0,3}$/), trail: fc.stringMatching(/^[0-9]{0,3}$/),
    }).filter((c) => c.lead.length + c.trail.length > 0);
    await fc.assert(
      fc.asyncProperty(fc.array(longer, { minLength: 1000, maxLength: 1000 }), async (batch) => {
        const got = await scan(batch.map((c) => `ref ${c.lead}${c.date}${c.serial}${c.trail} ok`));
        batch.forEach((c, i) => expect(got[i]!.has, JSON.stringify(c)).toBe(false));
      }),
      { numRuns: 5, endOnFailure: true },
    );
  });

  it('agrees with a plain position-by-position reading of the rule on digit-heavy text', async () => {
    const digitHeavy = fc.oneof(
      fc.stringMatching(/^[0-9 \-AXBZ]{0,40}$/),
      fc.tuple(fc.oneof(validDate, invalidDate, feb29NonLeap), separator, fc.stringMatching(/^[0-9A-Z]{0,6}$/), fc.stringMatching(/^[0-9 -]{0,6}$/))
        .map(([d, sep, tail, more]) => `${more}${d}${sep}${tail}${more}`),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(digitHeavy, { minLength: 1000, maxLength: 1000 }), async (batch) => {
        const got = await scan(batch);
        batch.forEach((t, i) => {
          const g = got[i]!;
          expect(g.first, JSON.stringify(t)).toBe(firstCpr(t));
          expect(g.has, JSON.stringify(t)).toBe(g.first !== null);
        });
      }),
      { numRuns: 5, endOnFailure: true },
    );
  });

  it('scans 200,000 free-text rows in a few seconds', async () => {
    const cpu = process.cpuUsage();
    const [r] = await queryRows<{ found: bigint }>(
      db.conn,
      `select count(*) filter (where has_cpr(t)) as found from (
         select case when i % 100 = 0 then 'kontrol af ' || lpad(((i % 28) + 1)::varchar, 2, '0') || '0390-' || lpad((i % 10000)::varchar, 4, '0')
                     else 'BT 120/80, prøve 3213451234 sendt, tlf 12345678, ' || i end as t
         from range(200000) r(i))`,
    );
    const used = process.cpuUsage(cpu);
    expect(Number(r!.found)).toBe(2000);
    // CPU time of every thread, not wall time: it does not grow when other work shares the machine.
    expect((used.user + used.system) / 1000).toBeLessThan(15_000);
  });
});
