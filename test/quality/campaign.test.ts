// The campaign's figures on a database whose mix is known, so every expectation is computed by
// hand from the fixture below.
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeCampaign, type CampaignData, type CampaignSettings, type ShareRow } from '../../quality/reports/campaign/collect.ts';
import { buildDocument } from '../../quality/reports/campaign/document.ts';
import { parseTarget } from '../../quality/reports/campaign/settings.ts';
import { openDatabase, type Database } from '../../transforms/db/connection.ts';
import { Pseudonymiser } from '../../quality/report-kit/suppress.ts';
import { cells, clinics, loadFixture, type FixtureCell, type FixtureClinic } from '../helpers/campaign-fixture.ts';

const settings: CampaignSettings = { target: 0.8, start: '2025-01', minClinicDiagnoses: 20 };

async function withFixture<T>(cl: FixtureClinic[], ce: FixtureCell[], s: CampaignSettings, fn: (d: CampaignData, conn: DuckDBConnection) => Promise<T> | T): Promise<T> {
  const db = await openDatabase(':memory:');
  try {
    const conn = await db.connect();
    await loadFixture(conn, cl, ce);
    return await fn(await computeCampaign(conn, s), conn);
  } finally {
    db.close();
  }
}

function share(d: CampaignData, level: string, key: string, month: string | null): ShareRow {
  const row = d.shares.find((r) => r.level === level && r.group_key === key && r.month === month);
  if (!row) throw new Error(`no share row ${level} ${key} ${month}`);
  return row;
}

describe('campaign figures on a known mix', () => {
  let db: Database;
  let data: CampaignData;
  beforeAll(async () => {
    db = await openDatabase(':memory:');
    const conn = await db.connect();
    await loadFixture(conn, clinics, cells);
    data = await computeCampaign(conn, settings);
  });
  afterAll(() => db.close());

  it('counts the national A-share and marked share per month and for the whole period', () => {
    expect(data.months).toEqual(['2025-01', '2025-02', '2025-03']);
    const whole = share(data, 'national', 'all', null);
    expect([whole.diagnoses, whole.a_diagnoses, whole.b_diagnoses]).toEqual([804, 329, 48]);
    expect(whole.a_share).toBeCloseTo(329 / 804, 12);
    expect(whole.marked_share).toBeCloseTo(377 / 804, 12);
    const months = data.shares.filter((r) => r.level === 'national' && r.month !== null).map((r) => [r.month, r.diagnoses, r.a_diagnoses, r.marked]);
    expect(months).toEqual([
      ['2025-01', 251, 81, 96],
      ['2025-02', 283, 104, 123],
      ['2025-03', 270, 144, 158],
    ]);
    expect(share(data, 'national', 'all', '2025-03').a_share).toBeCloseTo(144 / 270, 12);
  });

  it('puts the system that never marks apart and gives the national share without it', () => {
    expect(share(data, 'journal_system', 'DMDC', null).cannot_mark).toBe(true);
    expect(share(data, 'journal_system', 'NOVAX', null).cannot_mark).toBe(false);
    const without = share(data, 'national_marking', 'all', null);
    expect([without.diagnoses, without.a_diagnoses]).toEqual([594, 329]);
    expect(share(data, 'national_marking', 'all', '2025-02').a_share).toBeCloseTo(104 / 193, 12);
  });

  it('groups by journal system, specialty after the split of 8, and clinic', () => {
    const novax = share(data, 'journal_system', 'NOVAX', null);
    expect([novax.diagnoses, novax.a_diagnoses]).toEqual([474, 255]);
    expect(share(data, 'specialty', '81', null).a_share).toBeCloseTo(74 / 120, 12);
    expect(share(data, 'specialty', '19', '2025-02').a_share).toBeCloseTo(60 / 103, 12);
    expect(data.shares.some((r) => r.level === 'specialty' && r.group_key === '8')).toBe(false);
    expect(share(data, 'clinic', '100000000000002', '2025-03').a_share).toBeCloseTo(30 / 50, 12);
  });

  it('gives Wilson 95% intervals that behave for tiny clinics (n=1, n=3, shares 0 and 1)', () => {
    // published Wilson score intervals, z = 1.96
    const one = share(data, 'clinic', '100000000000005', '2025-01'); // 1 of 1
    expect(one.a_share).toBe(1);
    expect(one.a_low).toBeCloseTo(0.2065, 4);
    expect(one.a_high).toBe(1);
    const three = share(data, 'clinic', '100000000000005', '2025-02'); // 0 of 3
    expect(three.a_share).toBe(0);
    expect(three.a_low).toBe(0);
    expect(three.a_high).toBeCloseTo(0.5615, 4);
    const four = share(data, 'clinic', '100000000000005', null); // 1 of 4
    expect(four.a_low).toBeCloseTo(0.0456, 4);
    expect(four.a_high).toBeCloseTo(0.6994, 4);
    for (const r of data.shares) {
      expect(r.a_low).toBeLessThanOrEqual(r.a_share);
      expect(r.a_high).toBeGreaterThanOrEqual(r.a_share);
      expect(r.marked_low).toBeGreaterThanOrEqual(0);
      expect(r.marked_high).toBeLessThanOrEqual(1);
    }
  });

  it('splits every month-on-month change into within and mix parts that add up to it', () => {
    expect(data.shiftShare.map((m) => [m.previous_month, m.month])).toEqual([
      ['2025-01', '2025-02'],
      ['2025-02', '2025-03'],
    ]);
    for (const m of data.shiftShare) {
      expect(m.observed_change).toBeCloseTo(m.a_share - m.previous_a_share, 15);
      expect(Math.abs(m.within + m.mix - m.observed_change)).toBeLessThan(1e-12);
      expect(Math.abs(m.residual)).toBeLessThan(1e-12);
    }
    // Jan -> Feb by hand, groups NOVAX/19, NOVAX/7, EG Clinea/81, DMDC/4
    const g = [
      { n0: 101, a0: 51, n1: 103, a1: 60 },
      { n0: 50, a0: 10, n1: 50, a1: 20 },
      { n0: 40, a0: 20, n1: 40, a1: 24 },
      { n0: 60, a0: 0, n1: 90, a1: 0 },
    ];
    let within = 0;
    let mix = 0;
    for (const x of g) {
      const [w0, w1, p0, p1] = [x.n0 / 251, x.n1 / 283, x.a0 / x.n0, x.a1 / x.n1];
      within += ((w0 + w1) / 2) * (p1 - p0);
      mix += ((p0 + p1) / 2) * (w1 - w0);
    }
    expect(data.shiftShare[0]!.within).toBeCloseTo(within, 12);
    expect(data.shiftShare[0]!.mix).toBeCloseTo(mix, 12);
    // more DMDC (which cannot mark) in February pulled the share down: mix is negative
    expect(data.shiftShare[0]!.mix).toBeLessThan(0);
  });

  it('fits the trend since the start and projects the month the target is reached', () => {
    const t = data.trend.find((r) => r.level === 'national')!;
    const y = [81 / 251, 104 / 283, 144 / 270];
    const slope = (y[2]! - y[0]!) / 2; // least squares through three equally spaced points
    const intercept = (y[0]! + y[1]! + y[2]!) / 3 - slope;
    expect(t.slope).toBeCloseTo(slope, 12);
    expect(t.intercept).toBeCloseTo(intercept, 12);
    expect(Math.ceil((0.8 - intercept) / slope)).toBe(5);
    expect(t.projected_month).toBe('2025-06');
    expect(t.reached_month).toBeNull();
    expect(t.start_month).toBe('2025-01');
  });

  it('builds the JSON document with the fields the issue names', () => {
    const doc = buildDocument(data, { shareable: false, generatedAt: new Date('2026-04-01T00:00:00Z') });
    expect(doc.national.whole_period.a_share).toBeCloseTo(329 / 804, 12);
    expect(doc.national.whole_period.diagnoses).toBe(804);
    expect(doc.national.months.map((m) => [m.month, m.diagnoses, m.a_share, m.marked_share])).toEqual([
      ['2025-01', 251, 81 / 251, 96 / 251],
      ['2025-02', 283, 104 / 283, 123 / 283],
      ['2025-03', 270, 144 / 270, 158 / 270],
    ]);
    expect(doc.non_marking_systems).toEqual(['DMDC']);
    expect(doc.national.change_since_start?.change).toBeCloseTo(144 / 270 - 81 / 251, 12);
    expect(doc.national.trend?.verdict).toContain('June 2025');
    // below target: every clinic on a system that can mark, biggest first; DMDC is left out, and so
    // is clinic 5, whose 4 diagnoses are fewer than the default minimum of 30
    expect(doc.min_cell_diagnoses).toBe(30);
    expect(doc.focus.below_target.map((c) => [c.clinic, c.diagnoses])).toEqual([
      ['100000000000001', 320],
      ['100000000000002', 150],
      ['100000000000003', 120],
    ]);
    // clinic 1 has 320 diagnoses and 194 A: 0.8 x 320 = 256, so 62 short
    expect(doc.focus.below_target[0]!.a_short_of_target).toBe(62);
    expect(doc.focus.below_target[0]!.trend).toEqual([0.5, 0.6, 0.7]);
  });
});

describe('clinics registered without a journal system', () => {
  it('are national but not in the per-system total the status report gives', async () => {
    const cl = [...clinics, { sor: '100000000000007', name: 'Uden system', system: 'NOVAX', specialty: 19, registered: null }];
    const ce = [...cells, { sor: '100000000000007', month: '2025-02', n: 10, a: 5, b: 0 }];
    await withFixture(cl, ce, settings, (d) => {
      const doc = buildDocument(d, { shareable: false });
      expect([doc.national.whole_period.diagnoses, doc.national.whole_period.a_diagnoses]).toEqual([814, 334]);
      expect([doc.national.registered_systems.whole_period.diagnoses, doc.national.registered_systems.whole_period.a_diagnoses]).toEqual([804, 329]);
      expect(doc.national.registered_systems.months.map((m) => m.diagnoses)).toEqual([251, 283, 270]);
      // it delivered through NOVAX, so it counts there
      expect(doc.journal_systems.find((s) => s.journal_system === 'NOVAX')!.whole_period.diagnoses).toBe(484);
    });
    // a gap of 1-4 between national and registered is not shown in a shareable report
    const small = [...cells, { sor: '100000000000007', month: '2025-02', n: 3, a: 1, b: 0 }];
    await withFixture([...clinics, { sor: '100000000000007', name: 'Uden system', system: 'NOVAX', specialty: 19, registered: null }], small, settings, (d) => {
      const doc = buildDocument(d, { shareable: true, pseudonymiser: new Pseudonymiser('a test key of at least sixteen bytes') });
      // national - registered = 3: never both shown (complementary suppression may hide either)
      const both = (a: number | null, b: number | null) => a !== null && b !== null;
      expect(both(doc.national.whole_period.diagnoses, doc.national.registered_systems.whole_period.diagnoses)).toBe(false);
      const feb = (s: { months: readonly { month?: string; diagnoses: number | null }[] }) => s.months.find((m) => m.month === '2025-02')?.diagnoses ?? null;
      expect(both(feb(doc.national), feb(doc.national.registered_systems))).toBe(false);
    });
  });
});

describe('shift-share in pure cases', () => {
  const two: FixtureClinic[] = [
    { sor: '200000000000001', name: 'A', system: 'NOVAX', specialty: 19 },
    { sor: '200000000000002', name: 'B', system: 'MyClinic', specialty: 7 },
  ];

  it('calls it all mix when only who delivers changes', async () => {
    // each group keeps its share (80% and 20%), group A's weight grows
    const cells2: FixtureCell[] = [
      { sor: '200000000000001', month: '2025-01', n: 100, a: 80, b: 0 },
      { sor: '200000000000002', month: '2025-01', n: 100, a: 20, b: 0 },
      { sor: '200000000000001', month: '2025-02', n: 300, a: 240, b: 0 },
      { sor: '200000000000002', month: '2025-02', n: 100, a: 20, b: 0 },
    ];
    await withFixture(two, cells2, settings, (d) => {
      const m = d.shiftShare[0]!;
      expect(m.observed_change).toBeCloseTo(260 / 400 - 100 / 200, 12);
      expect(m.within).toBe(0);
      expect(m.mix).toBeCloseTo(m.observed_change, 12);
    });
  });

  it('calls it all within when the mix stays and the marking improves', async () => {
    const cells2: FixtureCell[] = [
      { sor: '200000000000001', month: '2025-01', n: 100, a: 50, b: 0 },
      { sor: '200000000000002', month: '2025-01', n: 100, a: 20, b: 0 },
      { sor: '200000000000001', month: '2025-02', n: 100, a: 70, b: 0 },
      { sor: '200000000000002', month: '2025-02', n: 100, a: 30, b: 0 },
    ];
    await withFixture(two, cells2, settings, (d) => {
      const m = d.shiftShare[0]!;
      expect(m.mix).toBe(0);
      expect(m.within).toBeCloseTo(0.15, 12);
    });
  });

  it('counts a group that starts delivering as mix, and still adds up', async () => {
    const cells2: FixtureCell[] = [
      { sor: '200000000000001', month: '2025-01', n: 100, a: 50, b: 0 },
      { sor: '200000000000001', month: '2025-02', n: 100, a: 50, b: 0 },
      { sor: '200000000000002', month: '2025-02', n: 100, a: 10, b: 0 },
    ];
    await withFixture(two, cells2, settings, (d) => {
      const m = d.shiftShare[0]!;
      expect(m.observed_change).toBeCloseTo(0.3 - 0.5, 12);
      expect(m.within).toBe(0);
      expect(m.mix).toBeCloseTo(-0.2, 12);
    });
  });
});

describe('period, start and clinic change', () => {
  // six months: the first three campaign months against the last three
  const cl: FixtureClinic[] = [
    { sor: '300000000000001', name: 'Improver', system: 'NOVAX', specialty: 19 },
    { sor: '300000000000002', name: 'Faller', system: 'NOVAX', specialty: 19 },
    { sor: '300000000000003', name: 'Too small', system: 'NOVAX', specialty: 19 },
  ];
  const months = ['2025-01', '2025-02', '2025-03', '2025-04', '2025-05', '2025-06'];
  const ce: FixtureCell[] = months.flatMap((month, i) => [
    { sor: '300000000000001', month, n: 10, a: i < 3 ? 2 : 9, b: 0 },
    { sor: '300000000000002', month, n: 10, a: i < 3 ? 8 : 5, b: 0 },
    { sor: '300000000000003', month, n: 5, a: i < 3 ? 0 : 5, b: 0 },
  ]);

  it('ranks clinics by the change between the first three campaign months and the last three', async () => {
    await withFixture(cl, ce, { target: 0.8, start: '2025-01', minClinicDiagnoses: 20 }, (d) => {
      const doc = buildDocument(d, { shareable: false });
      expect(doc.focus.improved.map((c) => [c.clinic, c.baseline_a_share, c.recent_a_share])).toEqual([['300000000000001', 0.2, 0.9]]);
      expect(doc.focus.fell_back.map((c) => c.clinic)).toEqual(['300000000000002']);
      expect(doc.focus.fell_back[0]!.change).toBeCloseTo(-0.3, 12);
      // 15 diagnoses per window is under the minimum of 20
      expect(d.clinicChange.some((c) => c.sor_code === '300000000000003')).toBe(false);
    });
  });

  it('limits the period with --from/--to and measures change from the start month', async () => {
    await withFixture(cl, ce, { target: 0.8, from: '2025-02', to: '2025-05', start: '2025-03', minClinicDiagnoses: 1 }, (d) => {
      expect(d.months).toEqual(['2025-02', '2025-03', '2025-04', '2025-05']);
      const doc = buildDocument(d, { shareable: false });
      expect(doc.national.whole_period.diagnoses).toBe(100);
      expect(doc.national.change_since_start).toMatchObject({ from_month: '2025-03', to_month: '2025-05' });
      expect(doc.national.change_since_start?.change).toBeCloseTo(19 / 25 - 10 / 25, 12);
      expect(doc.national.trend?.fitted_from).toBe('2025-03');
      expect(doc.national.trend?.months).toBe(3);
    });
  });

  it('lists the months without diagnoses between the first and the last, as gaps, not neighbours', async () => {
    const gappy = ce.filter((c) => c.month === '2025-01' || c.month === '2025-04');
    await withFixture(cl, gappy, { target: 0.8, start: '2025-01', minClinicDiagnoses: 1 }, (d) => {
      expect(d.months).toEqual(['2025-01', '2025-02', '2025-03', '2025-04']);
      const doc = buildDocument(d, { shareable: false });
      expect(doc.period).toMatchObject({ from: '2025-01', to: '2025-04' });
      expect(doc.national.months.map((m) => m.month)).toEqual(['2025-01', '2025-04']);
    });
  });

  it('names the months a trend is fitted through when --from starts after the campaign', async () => {
    await withFixture(cl, ce, { target: 0.8, from: '2025-03', start: '2025-01', minClinicDiagnoses: 20 }, (d) => {
      const t = buildDocument(d, { shareable: false }).national.trend!;
      expect([t.fitted_from, t.fitted_to, t.months]).toEqual(['2025-03', '2025-06', 4]);
      expect(t.verdict).toMatch(/^At the trend since March 2025 \(/);
    });
  });

  it('measures change from the first month with data when the campaign started before the period', async () => {
    await withFixture(cl, ce, { target: 0.8, from: '2025-02', start: '2024-06', minClinicDiagnoses: 20 }, (d) => {
      const doc = buildDocument(d, { shareable: false });
      expect(doc.national.change_since_start).toMatchObject({ from_month: '2025-02', to_month: '2025-06' });
      expect(doc.national.change_since_start?.change).toBeCloseTo(19 / 25 - 10 / 25, 12);
    });
  });

  it('says when the target was already reached, and when the share does not rise', async () => {
    await withFixture(cl, ce, { target: 0.7, start: '2025-01', minClinicDiagnoses: 20 }, (d) => {
      const doc = buildDocument(d, { shareable: false });
      expect(doc.national.trend?.reached_month).toBe('2025-04');
      expect(doc.national.trend?.verdict).toBe('The target of 70% was reached in April 2025.');
    });
    // reached counts from the start only: 40% in January, before a campaign starting in March
    await withFixture(cl, ce, { target: 0.4, start: '2025-03', minClinicDiagnoses: 20 }, (d) => {
      expect(buildDocument(d, { shareable: false }).national.trend?.reached_month).toBe('2025-03');
    });
    // and a share that fell back below the target is said to have
    const fellBack = ce.map((c) => (c.month === '2025-06' ? { ...c, a: c.sor.endsWith('1') ? 2 : c.sor.endsWith('2') ? 8 : 0 } : c));
    await withFixture(cl, fellBack, { target: 0.7, start: '2025-01', minClinicDiagnoses: 20 }, (d) => {
      expect(buildDocument(d, { shareable: false }).national.trend?.verdict)
        .toBe('The target of 70% was reached in April 2025. The share has fallen below it since: 40% in June 2025.');
    });
    const flat = ce.map((c) => ({ ...c, a: c.sor.endsWith('1') ? 2 : c.a > 0 ? 1 : 0 }));
    await withFixture(cl, flat.map((c, i) => ({ ...c, a: Math.max(0, c.a - (i > 9 ? 1 : 0)) })), { target: 0.9, start: '2025-01', minClinicDiagnoses: 20 }, (d) => {
      const doc = buildDocument(d, { shareable: false });
      expect(doc.national.trend?.projected_month).toBeNull();
      expect(doc.national.trend?.verdict).toContain('not rising');
    });
  });
});

describe('--target', () => {
  it('reads a share as a person types it, a Danish decimal comma too, and nothing else', () => {
    expect(['0.8', '0,8', '80%', '80,5%', ',8', 0.8].map((v) => parseTarget(v, '--target'))).toEqual([0.8, 0.8, 0.8, 0.805, 0.8, 0.8]);
    for (const bad of ['0,8,1', '1,5', '80', '1.234,5', '', 'x']) expect(() => parseTarget(bad, '--target'), bad).toThrow(/0\.8, 0,8 or 80%/);
  });
});

describe('shareable', () => {
  it('pseudonymises clinics and suppresses counts 1-4 and the shares they would reveal', async () => {
    const cl = [...clinics, { sor: '100000000000006', name: 'Næsten alle A', system: 'EG Clinea', specialty: 81 }];
    const ce = [...cells, { sor: '100000000000006', month: '2025-03', n: 100, a: 97, b: 0 }];
    await withFixture(cl, ce, settings, (d) => {
      const pseudonymiser = new Pseudonymiser('a test key of at least sixteen bytes');
      const doc = buildDocument(d, { shareable: true, pseudonymiser });
      const text = JSON.stringify(doc);
      for (const c of cl) {
        expect(text).not.toContain(c.sor);
        expect(text).not.toContain(c.name);
      }
      const tiny = doc.clinics.find((c) => c.clinic === pseudonymiser.of('100000000000005'))!;
      expect(tiny.whole_period).toMatchObject({ diagnoses: null, a_diagnoses: null, a_share: null, a_share_low: null });
      expect(tiny.months.map((m) => m.diagnoses)).toEqual([null, null]);
      // 97 of 100: the 3 that are not A would show through the share
      const almost = doc.clinics.find((c) => c.clinic === pseudonymiser.of('100000000000006'))!;
      expect(almost.whole_period).toMatchObject({ a_diagnoses: null, a_share: null });
      // B = 2 in March for clinic 3: A and marked may not both show
      const clinic3 = doc.clinics.find((c) => c.clinic === pseudonymiser.of('100000000000003'))!;
      const march = clinic3.months.find((m) => m.month === '2025-03')!;
      expect(march.b_diagnoses).toBeNull();
      expect(march.a_diagnoses === null || march.marked_diagnoses === null).toBe(true);
      // no count of 1-4 anywhere in the document
      const small: string[] = [];
      const walk = (v: unknown, path: string) => {
        if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
        else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
        else if (typeof v === 'number' && /(diagnoses|short_of_target)$/.test(path) && v >= 1 && v <= 4) small.push(`${path}=${v}`);
      };
      walk(doc, 'doc');
      expect(small).toEqual([]);
      // national figures are large and stay
      expect(doc.national.whole_period.diagnoses).toBe(904);
      // fewer than 5 clinics share NOVAX/19: their system and specialty are hidden
      expect(tiny.journal_system).toBeNull();
      expect(doc.methods.shareable).toContain('pseudonyms');
    });
  });
});
