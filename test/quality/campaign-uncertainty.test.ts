// The campaign's answer to "how sure are we": the A-share per contact beside the share per
// diagnosis, Wilson intervals and the minimum n for small groups, and the interval on the month
// the target is projected. Every expected figure is worked out here from the records themselves.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeCampaign, type CampaignData, type CampaignSettings } from '../../quality/reports/campaign/collect.ts';
import { buildDocument, type CampaignDocument, type Share } from '../../quality/reports/campaign/document.ts';
import { writeCampaignOutputs } from '../../quality/reports/campaign/write.ts';
import { Pseudonymiser } from '../../quality/report-kit/suppress.ts';
import { openDatabase } from '../../transforms/db/connection.ts';
import { loadFixture, loadRecords, type FixtureCell, type FixtureClinic, type FixtureRecord } from '../helpers/campaign-fixture.ts';

const X = '200000000000001';
const Y = '200000000000002';
const clinics: FixtureClinic[] = [
  { sor: X, name: 'Øjenklinik Øst', system: 'NOVAX', specialty: 19 },
  { sor: Y, name: 'Gynækolog Vest', system: 'EG Clinea', specialty: 7 },
];

const rec = (sor: string, patient: string, date: string, ...kinds: ('A' | 'B' | null)[]): FixtureRecord[] => kinds.map((kind) => ({ sor, patient, date, kind }));

// X records two bidiagnoser with every aktionsdiagnose: perfect marking, a third of its diagnoses A.
// Y records none, but one contact has two A and one has only a B.
const records: FixtureRecord[] = [
  ...rec(X, 'P1', '2025-01-06', 'A', 'B', 'B'),
  ...rec(X, 'P2', '2025-01-06', 'A', 'B', 'B'),
  ...rec(X, 'P1', '2025-01-13', 'A', 'B', 'B'), // the same patient another day: another contact
  ...rec(Y, 'P1', '2025-01-06', 'A'), // the same patient and day at another clinic: another contact
  ...rec(Y, 'P3', '2025-01-07', 'A'),
  ...rec(Y, 'P4', '2025-01-08', 'A', 'A'), // two A: not exactly one
  ...rec(Y, 'P5', '2025-01-09', 'B'), // no A
  ...rec(X, 'P1', '2025-02-03', 'A'),
  ...rec(X, 'P2', '2025-02-03', null, null), // unmarked
];

const base: CampaignSettings = { target: 0.8, start: '2025-01', minClinicDiagnoses: 1 };

async function campaign(load: (conn: Parameters<typeof loadRecords>[0]) => Promise<void>, settings: CampaignSettings): Promise<CampaignData> {
  const db = await openDatabase(':memory:');
  try {
    const conn = await db.connect();
    await load(conn);
    return await computeCampaign(conn, settings);
  } finally {
    db.close();
  }
}

const whole = (s: { whole_period: Share }) => s.whole_period;
const month = (s: { months: readonly Share[] }, m: string) => s.months.find((x) => x.month === m)!;
const system = (doc: CampaignDocument, name: string) => doc.journal_systems.find((s) => s.journal_system === name)!;
const specialty = (doc: CampaignDocument, code: string) => doc.specialties.find((s) => s.specialty === code)!;
const counts = (s: Share) => [s.diagnoses, s.a_diagnoses, s.contacts, s.contacts_one_a];

/** The Wilson lower bound when every one of n is a success: n / (n + z²). */
const wilsonLowAllOf = (n: number) => n / (n + 1.959963984540054 ** 2);

describe('the A-share per contact', () => {
  it('counts contacts (patient, clinic, day) and those with exactly one A beside the share of diagnoses, per month, system and specialty', async () => {
    const doc = buildDocument(await campaign((c) => loadRecords(c, clinics, records), base), { shareable: false });
    const novaxJan = month(system(doc, 'NOVAX'), '2025-01');
    // 3 contacts of 1 A + 2 B: 3 of 9 diagnoses are A, 3 of 3 contacts have one A
    expect(counts(novaxJan)).toEqual([9, 3, 3, 3]);
    expect(novaxJan.a_share).toBeCloseTo(1 / 3, 12);
    expect(novaxJan.contact_a_share).toBe(1);
    expect(novaxJan.contact_a_share_low).toBeCloseTo(wilsonLowAllOf(3), 12);
    expect(novaxJan.contact_a_share_high).toBe(1);
    // Y: 4 of 5 diagnoses A, but only 2 of 4 contacts with exactly one A
    const clineaJan = month(system(doc, 'EG Clinea'), '2025-01');
    expect(counts(clineaJan)).toEqual([5, 4, 4, 2]);
    expect(clineaJan.a_share).toBeCloseTo(0.8, 12);
    expect(clineaJan.contact_a_share).toBeCloseTo(0.5, 12);
    // national January 14 diagnoses / 7 A, 7 contacts / 5 with one A; February 3 / 1, 2 / 1
    expect(counts(month(doc.national, '2025-01'))).toEqual([14, 7, 7, 5]);
    expect(month(doc.national, '2025-01').contact_a_share).toBeCloseTo(5 / 7, 12);
    expect(counts(month(doc.national, '2025-02'))).toEqual([3, 1, 2, 1]);
    expect(counts(whole(doc.national))).toEqual([17, 8, 9, 6]);
    expect(whole(doc.national).a_share).toBeCloseTo(8 / 17, 12);
    expect(whole(doc.national).contact_a_share).toBeCloseTo(6 / 9, 12);
    expect(counts(whole(system(doc, 'NOVAX')))).toEqual([12, 4, 5, 4]);
    expect(counts(whole(specialty(doc, '7')))).toEqual([5, 4, 4, 2]);
    expect(counts(whole(specialty(doc, '19')))).toEqual([12, 4, 5, 4]);
    expect(doc.methods.contact_a_share).toMatch(/ceiling of 1 \/ \(1 \+ bidiagnoser per contact\)/);
    expect(doc.methods.a_share).toContain("status report's measure");
  });

  it('credits a contact whose records came from two systems to the system that delivered its A', async () => {
    // A clinic moves from NOVAX to EG Clinea; both exports carry the day of the change: for each
    // of 10 patients NOVAX delivers the aktionsdiagnose and EG Clinea the bidiagnose.
    const Z = '200000000000009';
    const moving: FixtureClinic[] = [{ sor: Z, name: 'Klinik Skifter', system: 'NOVAX', specialty: 19 }];
    const visits = Array.from({ length: 10 }, (_, i) => rec(Z, `Q${i}`, '2026-01-15', 'A', 'B')).flat();
    const doc = buildDocument(await campaign(async (c) => {
      await loadRecords(c, moving, visits);
      await c.run(`update core.diagnoser set journal_system = 'EG Clinea' where kind = 'B'`);
    }, { ...base, start: '2026-01' }), { shareable: false });
    expect(counts(whole(doc.national))).toEqual([20, 10, 10, 10]);
    // NOVAX delivered the 10 A: its 10 contacts each have one; EG Clinea delivered no A and is
    // credited with none (its contacts are counted where their A is, so the systems add up)
    expect(counts(whole(system(doc, 'NOVAX')))).toEqual([10, 10, 10, 10]);
    expect(counts(whole(system(doc, 'EG Clinea')))).toEqual([10, 0, 0, 0]);
  });

  it('writes the contact share into the CSV and the HTML', async () => {
    const doc = buildDocument(await campaign((c) => loadRecords(c, clinics, records), base), { shareable: false });
    const dir = await mkdtemp(join(tmpdir(), 'fangst-campaign-'));
    const files = await writeCampaignOutputs(doc, dir);
    const [header, ...lines] = (await readFile(join(dir, 'campaign_shares.csv'), 'utf8')).trim().split(/\r?\n/);
    const cols = header!.split(',');
    const row = (level: string, group: string, m: string) => {
      // a month is written as ="2025-01" so that Excel keeps it text (quality/report-kit/csv.ts), quoted for CSV
      const unquote = (f: string) => f.replace(/^"(.*)"$/, '$1').replaceAll('""', '"').replace(/^="(.*)"$/, '$1');
      const fields = lines.map((l) => l.split(',').map(unquote)).find((f) => f[0] === level && f[1] === group && f[2] === m)!;
      return Object.fromEntries(cols.map((c, i) => [c, fields[i]]));
    };
    const national = row('national', 'all', 'whole period');
    expect([national.diagnoses, national.a_diagnoses, national.contacts, national.contacts_one_a].map(Number)).toEqual([17, 8, 9, 6]);
    expect(Number(national.contact_a_share)).toBeCloseTo(6 / 9, 3);
    expect(Number(row('journal_system', 'NOVAX', '2025-01').contact_a_share)).toBe(1);
    expect(Number(row('specialty', '7', 'whole period').contact_a_share)).toBeCloseTo(0.5, 3);
    const html = await readFile(files.html, 'utf8');
    expect(html).toContain('Contacts with exactly one A');
    expect(html).toContain('66.7%');
  });

  it('suppresses small contact counts, and the contact shares they give away, in the shareable variant', async () => {
    const data = await campaign((c) => loadRecords(c, clinics, records), base);
    const doc = buildDocument(data, { shareable: true, pseudonymiser: new Pseudonymiser(Buffer.alloc(32, 7)) });
    const all: Share[] = [doc.national, ...doc.journal_systems, ...doc.specialties, ...doc.clinics].flatMap((s) => [s.whole_period, ...s.months]);
    for (const s of all) {
      for (const n of [s.contacts, s.contacts_one_a]) if (n !== null) expect(n === 0 || n >= 5).toBe(true);
      if (s.contacts === null || s.contacts_one_a === null) expect([s.contact_a_share, s.contact_a_share_low, s.contact_a_share_high]).toEqual([null, null, null]);
      // whether a hidden count is under the minimum is not told either, nor claimed (ot13 #13)
      if (s.diagnoses === null) expect(s.few_diagnoses).toBeNull();
      else expect(typeof s.few_diagnoses).toBe('boolean');
    }
    // February's 2 contacts and 1 with one A are hidden, and so is the period's 9 or January's 7 (and
    // the period's 6 or January's 5), either of which with the other would give them back
    const feb = month(doc.national, '2025-02');
    expect([feb.contacts, feb.contacts_one_a, feb.contact_a_share]).toEqual([null, null, null]);
    const jan = month(doc.national, '2025-01');
    expect(whole(doc.national).contacts === null || jan.contacts === null).toBe(true);
    expect(whole(doc.national).contacts_one_a === null || jan.contacts_one_a === null).toBe(true);
    const shown = all.filter((s) => s.contacts !== null).length;
    expect(shown).toBeLessThan(all.length);
  });
});

describe('small groups: intervals and the minimum n', () => {
  it('flags cells with fewer diagnoses than min_cell_diagnoses, and leaves those clinics out of the ranking', async () => {
    const small = buildDocument(await campaign((c) => loadRecords(c, clinics, records), { ...base, minCellDiagnoses: 5 }), { shareable: false });
    expect(small.min_cell_diagnoses).toBe(5);
    // NOVAX: 9 in January, 3 in February, 12 over the period; EG Clinea 5 in January
    expect(month(system(small, 'NOVAX'), '2025-01').few_diagnoses).toBe(false);
    expect(month(system(small, 'NOVAX'), '2025-02').few_diagnoses).toBe(true);
    expect(whole(system(small, 'EG Clinea')).few_diagnoses).toBe(false);
    // X (4 A of 12) is below the 80% target and ranked; Y (4 of 5) is at it
    expect(small.focus.below_target.map((c) => c.clinic)).toEqual([X]);
    expect(small.methods.min_cell_diagnoses).toContain('fewer than 5 diagnoses');

    const strict = buildDocument(await campaign((c) => loadRecords(c, clinics, records), { ...base, minCellDiagnoses: 13 }), { shareable: false });
    expect(whole(system(strict, 'NOVAX')).few_diagnoses).toBe(true);
    expect(strict.focus.below_target).toEqual([]);
    // the figures of a faded cell are still there, with their interval
    expect(whole(system(strict, 'NOVAX')).a_share_low).toBeGreaterThan(0);
  });

  it('draws each system with its interval band, and its small months faded', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fangst-campaign-'));
    const html = async (min: number) => {
      const doc = buildDocument(await campaign((c) => loadRecords(c, clinics, records), { ...base, minCellDiagnoses: min }), { shareable: false });
      const files = await writeCampaignOutputs(doc, join(dir, String(min)));
      const page = await readFile(files.html, 'utf8');
      const start = page.indexOf('Monthly A-share by journal system');
      return page.slice(start, page.indexOf('</figure>', start));
    };
    const none = await html(1);
    const faded = await html(5);
    expect(none).toContain('fill-opacity="0.15"'); // the bands
    expect(none).not.toContain('fill-opacity="0.3"');
    expect(faded).toContain('fill-opacity="0.3"'); // NOVAX's February, 3 diagnoses
    expect(faded).toContain('fewer than 5 diagnoses');
  });
});

describe('the projected month', () => {
  /** One clinic, 1,000 diagnoses a month, with these A counts from January 2025. */
  const history = (a: readonly number[]): FixtureCell[] => a.map((n, i) => ({ sor: X, month: `2025-${String(i + 1).padStart(2, '0')}`, n: 1000, a: n, b: 0 }));
  const addMonths = (k: number) => {
    const d = new Date(Date.UTC(2025, k, 1));
    return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  };

  /**
   * Fieller's interval worked out by brute force: the months x (0 = the start) at which the target
   * lies inside the fitted line's 95% confidence band, on a grid of 1/1000 month.
   */
  function fiellerByScan(shares: readonly number[], target: number, t: number): { low: number; high: number } {
    const n = shares.length;
    const xs = shares.map((_, i) => i);
    const mx = xs.reduce((s, x) => s + x, 0) / n;
    const my = shares.reduce((s, y) => s + y, 0) / n;
    const sxx = xs.reduce((s, x) => s + (x - mx) ** 2, 0);
    const b = xs.reduce((s, x, i) => s + (x - mx) * (shares[i]! - my), 0) / sxx;
    const a = my - b * mx;
    const s2 = shares.reduce((s, y, i) => s + (y - a - b * i) ** 2, 0) / (n - 2);
    let low = Infinity;
    let high = -Infinity;
    for (let x = 0; x <= 600; x += 0.001) {
      if (Math.abs(a + b * x - target) <= t * Math.sqrt(s2 * (1 / n + (x - mx) ** 2 / sxx))) {
        low = Math.min(low, x);
        high = Math.max(high, x);
      }
    }
    return { low, high };
  }

  it('gives a 95% interval around the month the trend reaches the target', async () => {
    const a = [500, 530, 545, 580, 590, 625];
    const data = await campaign((c) => loadFixture(c, [clinics[0]!], history(a)), base);
    const trend = buildDocument(data, { shareable: false }).national.trend!;
    // t(0.975, 4 degrees of freedom) = 2.7764, from a table of Student's t
    const { low, high } = fiellerByScan(a.map((x) => x / 1000), 0.8, 2.7764);
    expect(Number.isFinite(low) && high < 600).toBe(true);
    expect(trend.projected_month_low).toBe(addMonths(Math.ceil(low)));
    expect(trend.projected_month_high).toBe(addMonths(Math.ceil(high)));
    expect(trend.projected_month_low! <= trend.projected_month! && trend.projected_month! <= trend.projected_month_high!).toBe(true);
    expect(trend.projected_month_low).not.toBe(trend.projected_month_high);
    expect(trend.verdict).toMatch(/95% interval \w+ \d{4} to \w+ \d{4}/);
  });

  it('gives no interval, and says why, when the slope is not clearly above zero', async () => {
    const data = await campaign((c) => loadFixture(c, [clinics[0]!], history([500, 560, 490, 570, 500, 575])), base);
    const trend = buildDocument(data, { shareable: false }).national.trend!;
    expect(trend.projected_month).not.toBeNull();
    expect([trend.projected_month_low, trend.projected_month_high]).toEqual([null, null]);
    expect(trend.verdict).toContain('not clearly above zero');
  });
});
