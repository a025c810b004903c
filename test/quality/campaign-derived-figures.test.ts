// The shareable campaign hides a national month's A count of 1-4, and every figure derived from
// the monthly national shares must hide it too: the shift-share table shows each month's share
// beside the one before, and the trend's slope and last fitted point pin down any one month's
// share given the others. The attacker here does what a reader of campaign.json could, and the
// same attack on the operators' report shows that it works where nothing is hidden.
import { describe, expect, it } from 'vitest';
import { computeCampaign, type CampaignData } from '../../quality/reports/campaign/collect.ts';
import { buildDocument, type CampaignDocument } from '../../quality/reports/campaign/document.ts';
import { Pseudonymiser } from '../../quality/report-kit/suppress.ts';
import { openDatabase } from '../../transforms/db/connection.ts';
import { loadFixture, type FixtureCell, type FixtureClinic } from '../helpers/campaign-fixture.ts';

// six clinics of one system and specialty; 40 diagnoses nationally each month
const clinics: FixtureClinic[] = Array.from({ length: 6 }, (_, i) => ({ sor: `30000000000000${i + 1}`, name: `Klinik ${i + 1}`, system: 'NOVAX', specialty: 18 }));
const months = ['2025-09', '2025-10', '2025-11', '2025-12'];
// national A per month: November's 3 is the count the shareable report must not give back
const nationalA: Record<string, number> = { '2025-09': 20, '2025-10': 22, '2025-11': 3, '2025-12': 25 };
const HIDDEN_MONTH = '2025-11';

function cells(): FixtureCell[] {
  const out: FixtureCell[] = [];
  for (const month of months) {
    let a = nationalA[month]!;
    clinics.forEach((c, i) => {
      const n = i < 4 ? 7 : 6; // 7+7+7+7+6+6 = 40
      const ca = Math.min(a, n);
      a -= ca;
      out.push({ sor: c.sor, month, n, a: ca, b: n - ca });
    });
  }
  return out;
}

async function data(): Promise<CampaignData> {
  const db = await openDatabase(':memory:');
  try {
    const conn = await db.connect();
    await loadFixture(conn, clinics, cells());
    return await computeCampaign(conn, { target: 0.8, start: '2025-09', minClinicDiagnoses: 1 });
  } finally {
    db.close();
  }
}

/** Every A count of a national month a reader can work out from the shift-share table and the trend. */
function derivedNationalA(doc: CampaignDocument): { month: string; a: number; from: string }[] {
  const diagnoses = new Map(doc.national.months.map((m) => [m.month!, m.diagnoses]));
  const shares = new Map(doc.national.months.map((m) => [m.month!, m.a_share]));
  const out: { month: string; a: number; from: string }[] = [];
  const add = (month: string, share: number | null | undefined, from: string) => {
    const d = diagnoses.get(month);
    if (share !== null && share !== undefined && d !== null && d !== undefined) out.push({ month, a: Math.round(share * d), from });
  };
  for (const s of doc.national.shift_share) {
    add(s.previous_month, s.previous_a_share, 'shift-share: the previous share');
    add(s.month, s.a_share, 'shift-share: the share');
    // the change beside the other month's share, as the national series shows it
    if (s.observed_change !== null && s.observed_change !== undefined) {
      const before = shares.get(s.previous_month);
      const after = shares.get(s.month);
      if (before !== null && before !== undefined) add(s.month, before + s.observed_change, 'shift-share: change + shown share');
      if (after !== null && after !== undefined) add(s.previous_month, after - s.observed_change, 'shift-share: shown share - change');
    }
  }
  // the least-squares line through the window's monthly shares (x = 0, 1, ...): its slope and the
  // other months' shares give any one month's share back
  const t = doc.national.trend;
  if (t && t.slope_points_per_month !== null) {
    const window = months.filter((m) => m >= t.fitted_from && m <= t.fitted_to);
    const mean = (window.length - 1) / 2;
    const sxx = window.reduce((s, _, x) => s + (x - mean) ** 2, 0);
    window.forEach((month, h) => {
      if (h === mean) return;
      const others = window.reduce((s, m, x) => (x === h ? s : s + (x - mean) * (shares.get(m) ?? NaN)), 0);
      if (Number.isNaN(others)) return;
      add(month, ((t.slope_points_per_month! / 100) * sxx - others) / (h - mean), 'trend: slope and the other months');
    });
  }
  return out;
}

describe('the shareable campaign: figures derived from the monthly national shares', () => {
  it('give a suppressed national A count back in no shift-share row and no trend figure', async () => {
    const d = await data();
    const full = buildDocument(d, { shareable: false });
    const shared = buildDocument(d, { shareable: true, pseudonymiser: new Pseudonymiser('derived-figures-test-key-0123456789') });

    const hidden = shared.national.months.find((m) => m.month === HIDDEN_MONTH)!;
    expect(hidden.a_diagnoses).toBeNull();
    expect(hidden.a_share).toBeNull();
    // the attack works on the operators' report: both channels give November's 3
    const fromFull = derivedNationalA(full).filter((r) => r.month === HIDDEN_MONTH);
    expect(fromFull.some((r) => r.from.startsWith('shift-share') && r.a === 3)).toBe(true);
    expect(fromFull.some((r) => r.from.startsWith('trend') && r.a === 3)).toBe(true);

    expect(derivedNationalA(shared).filter((r) => r.month === HIDDEN_MONTH)).toEqual([]);
    // a row stays where both its months' shares are shown (complementary suppression hides
    // another month's A too, or November's would be the whole period minus the other months)
    const shown = new Set(shared.national.months.filter((m) => m.a_share !== null).map((m) => m.month));
    expect(shown.size).toBeGreaterThan(0);
    expect(shared.national.shift_share.map((s) => s.month)).toEqual(
      full.national.shift_share.filter((s) => shown.has(s.month) && shown.has(s.previous_month)).map((s) => s.month));
    // the trend says why it gives no figures
    expect(shared.national.trend?.verdict).toMatch(/suppressed/);
    expect(shared.national.trend?.projected_month ?? null).toBeNull();
  });
});
