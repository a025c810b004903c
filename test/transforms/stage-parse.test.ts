import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Layout } from '../../config/load.ts';
import { parseExpr, utcFormat } from '../../transforms/ingest/stage.ts';
import { timeFormats } from '../../transforms/ingest/time-formats.ts';
import { evalBatch, openMacroDb, type MacroDb } from '../helpers/macro-batch.ts';

// Staging's typed parse of a delivered number, against what the layout's separators allow,
// written out here on its own: only the layout's decimal separator, the other one only as
// thousands grouping (groups of three), a sign, spaces around; anything else is no number.

let db: MacroDb;
beforeAll(async () => (db = await openMacroDb()));
afterAll(() => db?.close());

function expected(text: string, decimal: '.' | ','): number | null {
  const t = text.replace(/^ +| +$/g, '');
  const group = decimal === '.' ? ',' : '.';
  const esc = (c: string) => `\\${c}`;
  const form = new RegExp(`^[+-]?(\\d{1,3}(${esc(group)}\\d{3})+|\\d+)(${esc(decimal)}\\d+)?$`);
  if (!form.test(t)) return null;
  return Number(t.replaceAll(group, '').replace(decimal, '.'));
}

const layout = (decimal: '.' | ','): Layout => ({ decimal, dates: '%Y-%m-%d', timestamps: '%Y-%m-%d %H:%M:%S' }) as unknown as Layout;

async function parsed(texts: string[], decimal: '.' | ','): Promise<Array<number | null>> {
  const rows = await evalBatch<{ n: number | null }>(db.conn, texts.map((t) => ({ t })), `${parseExpr('double', 't', layout(decimal), 'UTC')} as n`);
  return rows.map((r) => r.n);
}

describe("staging's number parse", () => {
  it('reads the spellings a layout allows and no other', async () => {
    expect(await parsed(['7.3', ' 7.3 ', '1,234.5', '1,23', '7,3', '-0.5', '+12', '.5', '5.', '', ' ', '1e3', 'NaN', '0x10', '١٢'], '.'))
      .toEqual([7.3, 7.3, 1234.5, null, null, -0.5, 12, null, null, null, null, null, null, null, null]);
    expect(await parsed(['7,3', ' 7,3', '1.234,5', '1.23', '7.3', '-0,5', '12'], ','))
      .toEqual([7.3, 7.3, 1234.5, null, null, -0.5, 12]);
  });

  it('agrees with the separators rule on any text of digits, separators, signs and spaces', async () => {
    const text = fc.array(fc.constantFrom('0', '1', '2', '5', '9', '.', ',', '-', '+', ' '), { maxLength: 12 }).map((cs) => cs.join(''));
    for (const decimal of ['.', ','] as const) {
      await fc.assert(
        fc.asyncProperty(fc.array(text, { minLength: 500, maxLength: 500 }), async (texts) => {
          const got = await parsed(texts, decimal);
          texts.forEach((t, i) => expect(got[i], JSON.stringify(t)).toBe(expected(t, decimal)));
        }),
        { numRuns: 20 },
      );
    }
  });
});

describe('a timestamp format ending in a literal Z', () => {
  it('reads UTC times: a Z after the seconds, not the %Z directive, not a Z elsewhere', () => {
    expect(['%Y-%m-%dT%H:%M:%SZ', '%Y%m%dT%H%M%SZ', 'Z', '%%Z'].map(utcFormat)).toEqual([true, true, true, true]);
    expect(['%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S %Z', '%Y-%m-%dT%H:%M:%S%z', 'Z%Y-%m-%d %H:%M'].map(utcFormat)).toEqual([false, false, false, false]);
  });
});

describe('a timestamp format ending in %z', () => {
  it("reads ISO 8601's Z as +00:00 beside offsets, and nothing else new", async () => {
    const iso = { decimal: '.', dates: '%Y-%m-%d', timestamps: '%Y-%m-%dT%H:%M:%S%z' } as unknown as Layout;
    const texts = ['2025-03-01T07:30:00Z', ' 2025-03-01T07:30:00Z ', '2025-03-01T08:30:00+01:00', '2025-03-01T08:30:00+0100', '2025-03-01T07:30:00',
      '2025-03-01T07:30:00ZZ', 'Z', '2025-03-01T07:30:00z'];
    const got = await evalBatch<{ d: string | null }>(db.conn, texts.map((t) => ({ t })),
      `strftime(${parseExpr('timestamptz', 't', iso, 'Europe/Copenhagen')} at time zone 'UTC', '%Y-%m-%d %H:%M') as d`);
    expect(got.map((r) => r.d)).toEqual(['2025-03-01 07:30', '2025-03-01 07:30', '2025-03-01 07:30', '2025-03-01 07:30', null, null, null, null]);
  });
});

describe("staging's date parse", () => {
  it('reads a four-digit year under %Y and no shorter one (DuckDB would read 26 as the year 26)', async () => {
    const layoutDmy = { decimal: ',', dates: '%d-%m-%Y', timestamps: '%d-%m-%Y %H:%M' } as unknown as Layout;
    const dates = await evalBatch<{ d: string | null }>(db.conn, ['02-03-2026', ' 02-03-2026', '02-03-26', '02-03-999', '02-03-2180', '31-04-2025'].map((t) => ({ t })),
      `${parseExpr('date', 't', layoutDmy, 'UTC')}::varchar as d`);
    expect(dates.map((r) => r.d)).toEqual(['2026-03-02', '2026-03-02', null, null, '2180-03-02', null]);
    const times = await evalBatch<{ d: string | null }>(db.conn, ['02-03-2026 08:15', '02-03-26 08:15'].map((t) => ({ t })),
      `strftime(${parseExpr('timestamptz', 't', layoutDmy, 'UTC')}, '%Y-%m-%d %H:%M') as d`);
    expect(times.map((r) => r.d)).toEqual(['2026-03-02 08:15', null]);
  });
});

describe('a time written with or without its seconds', () => {
  // The clock's separator is the format's own between hours and minutes; the seconds follow with it.
  const formats = [
    { fmt: '%Y-%m-%d %H:%M', sep: ':', show: (d: string[]) => `${d[0]}-${d[1]}-${d[2]} ${d[3]}:${d[4]}` },
    { fmt: '%d-%m-%Y %H.%M', sep: '.', show: (d: string[]) => `${d[2]}-${d[1]}-${d[0]} ${d[3]}.${d[4]}` },
    { fmt: '%d.%m.%Y %H:%M:%S', sep: ':', show: (d: string[]) => `${d[2]}.${d[1]}.${d[0]} ${d[3]}:${d[4]}` },
    { fmt: '%Y%m%dT%H%M', sep: '', show: (d: string[]) => `${d[0]}${d[1]}${d[2]}T${d[3]}${d[4]}` },
  ];
  const p2 = (n: number) => String(n).padStart(2, '0');
  const moment = fc.record({ t: fc.integer({ min: Date.UTC(1950, 0, 1), max: Date.UTC(2199, 11, 31) }), f: fc.integer({ min: 0, max: formats.length - 1 }) })
    .map(({ t, f }) => {
      const d = new Date(Math.floor(t / 1000) * 1000);
      const parts = [String(d.getUTCFullYear()), p2(d.getUTCMonth() + 1), p2(d.getUTCDate()), p2(d.getUTCHours()), p2(d.getUTCMinutes())];
      return { d, f: formats[f]!, parts, ss: p2(d.getUTCSeconds()) };
    });
  // strptime's format is a constant: one query per format, the results put back in case order
  const read = async (cases: Array<{ t: string; fmt: string }>) => {
    const out: Array<string | null> = new Array(cases.length).fill(null);
    for (const fmt of new Set(cases.map((c) => c.fmt))) {
      const idx = cases.flatMap((c, i) => (c.fmt === fmt ? [i] : []));
      const l = { decimal: '.', dates: '%Y-%m-%d', timestamps: fmt } as unknown as Layout;
      const rows = await evalBatch<{ d: string | null }>(db.conn, idx.map((i) => ({ t: cases[i]!.t })),
        `strftime(${parseExpr('timestamptz', 't', l, 'UTC')} at time zone 'UTC', '%Y-%m-%dT%H:%M:%S') as d`);
      rows.forEach((r, j) => (out[idx[j]!] = r.d));
    }
    return out;
  };
  const readMicros = async (cases: Array<{ t: string; fmt: string }>) => {
    const out: Array<string | null> = new Array(cases.length).fill(null);
    for (const fmt of new Set(cases.map((c) => c.fmt))) {
      const idx = cases.flatMap((c, i) => (c.fmt === fmt ? [i] : []));
      const l = { decimal: '.', dates: '%Y-%m-%d', timestamps: fmt } as unknown as Layout;
      const rows = await evalBatch<{ d: string | null }>(db.conn, idx.map((i) => ({ t: cases[i]!.t })),
        `strftime(${parseExpr('timestamptz', 't', l, 'UTC')} at time zone 'UTC', '%Y-%m-%dT%H:%M:%S.%f') as d`);
      rows.forEach((r, j) => (out[idx[j]!] = r.d));
    }
    return out;
  };

  it('reads the time to the second in a format that stops at the minutes, and to the minute in one with seconds', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.record({ m: moment, seconds: fc.boolean() }), { minLength: 200, maxLength: 200 }), async (batch) => {
      const texts = batch.map(({ m, seconds }) => m.f.show(m.parts) + (seconds ? `${m.f.sep}${m.ss}` : ''));
      const got = await read(batch.map(({ m }, i) => ({ t: texts[i]!, fmt: m.f.fmt })));
      batch.forEach(({ m, seconds }, i) => {
        const want = new Date(m.d.getTime() - (seconds ? 0 : m.d.getUTCSeconds() * 1000)).toISOString().slice(0, 19);
        expect(got[i], `${texts[i]} as ${m.f.fmt}`).toBe(want);
      });
    }), { numRuns: 10 });
  });

  it('reads the seconds with a fraction of one to nine digits after a point or a comma, to the microsecond', async () => {
    const fraction = fc.record({ digits: fc.stringMatching(/^[0-9]{1,9}$/), mark: fc.constantFrom('.', ',') });
    await fc.assert(fc.asyncProperty(fc.array(fc.record({ m: moment, fr: fraction }), { minLength: 200, maxLength: 200 }), async (batch) => {
      const texts = batch.map(({ m, fr }) => `${m.f.show(m.parts)}${m.f.sep}${m.ss}${fr.mark}${fr.digits}`);
      const got = await readMicros(batch.map(({ m }, i) => ({ t: texts[i]!, fmt: m.f.fmt })));
      batch.forEach(({ m, fr }, i) => {
        // SQL Server's datetime2 writes seven digits: the time is stored to the microsecond, cut, not rounded
        const want = `${m.d.toISOString().slice(0, 19)}.${fr.digits.slice(0, 6).padEnd(6, '0')}`;
        expect(got[i], `${texts[i]} as ${m.f.fmt}`).toBe(want);
      });
    }), { numRuns: 10 });
  });

  it('reads no seconds past 59, no fraction without digits or of ten, no third part and no seconds after another separator', async () => {
    const junk = fc.constantFrom(':60', ':75', ':07.', ':07,', ':07.1234567890', ':07.5.5', ':60.5', ':07:07', ';07', ' 07', ':7x', '.07', ':07 Z');
    await fc.assert(fc.asyncProperty(fc.array(fc.record({ m: moment, tail: junk }), { minLength: 200, maxLength: 200 }), async (batch) => {
      // '.07' is the seconds of a '.' clock, and ':07' of a ':' one: each is junk only after the other
      const cases = batch.filter(({ m, tail }) => !(tail === `${m.f.sep}07`) && !(m.f.sep === '' && /^\d/.test(tail)));
      const got = await read(cases.map(({ m, tail }) => ({ t: m.f.show(m.parts) + tail, fmt: m.f.fmt })));
      cases.forEach(({ m, tail }, i) => expect(got[i], `${m.f.show(m.parts)}${tail} as ${m.f.fmt}`).toBeNull());
    }), { numRuns: 10 });
  });

  it('keeps the one spelling of a format with an offset or a literal Z', () => {
    expect(timeFormats('%Y-%m-%dT%H:%M:%S%z')).toEqual(['%Y-%m-%dT%H:%M:%S%z']);
    expect(timeFormats('%Y-%m-%dT%H:%M:%SZ')).toEqual(['%Y-%m-%dT%H:%M:%SZ']);
    expect(timeFormats('%d-%m-%Y')).toEqual(['%d-%m-%Y']);
    expect(timeFormats('%%H:%M')).toEqual(['%%H:%M']);
  });
});
