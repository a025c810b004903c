// Two shareable campaigns of one database for periods a month apart (--from, --to), as an analyst
// makes "since the start" and "last quarter". An outside tester's hand-written half year
// (test/fixtures/campaign-periods: 12 clinics on 5 systems, one clinic with 1-3 diagnoses a
// month) gave a hidden month back as the difference of the two documents' whole-period counts
// (MyClinic's October: 16 - 13 diagnoses, 7 - 6 A). And the shift-share split, national and per
// group, solved a small group's monthly counts. Neither may be possible.
import { execFile } from 'node:child_process';
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CampaignDocument, Share } from '../../quality/reports/campaign/document.ts';

const run = promisify(execFile);
const MEASURES = ['diagnoses', 'a_diagnoses', 'b_diagnoses', 'marked_diagnoses', 'contacts', 'contacts_one_a'] as const;

describe('shareable campaigns of one database for different periods', () => {
  let db: string;
  const env = { ...process.env, FANGST_PSEUDONYM_KEY: 'campaign-periods-test-key-0123456789' };
  const campaign = async (...args: string[]) =>
    JSON.parse((await run(process.execPath, ['jobs/fangst.js', 'campaign', '--db', db, '--json', ...args], { env, maxBuffer: 64 << 20 })).stdout) as CampaignDocument;
  let operators: CampaignDocument;
  const shared: Record<string, CampaignDocument> = {};

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fangst-campaign-periods-'));
    db = join(dir, 'db.duckdb');
    await cp(join('test', 'fixtures', 'campaign-periods', 'inbox'), join(dir, 'inbox'), { recursive: true });
    await run(process.execPath, ['jobs/fangst.js', 'nightly', '--inbox', join(dir, 'inbox'), '--db', db, '--outbox', join(dir, 'outbox'), '--reports', join(dir, 'reports')], { env });
    operators = await campaign();
    shared.all = await campaign('--shareable');
    shared.fromNov = await campaign('--shareable', '--from', '2025-11');
    shared.toFeb = await campaign('--shareable', '--to', '2026-02');
  });

  /** Every group's series of a document, by level and key (clinics by pseudonym: stable across documents). */
  const series = (d: CampaignDocument) => new Map<string, { whole_period: Share; months: readonly Share[] }>([
    ['national', d.national],
    ...d.journal_systems.map((s) => [`system ${s.journal_system}`, s] as const),
    ...d.specialties.map((s) => [`specialty ${s.specialty}`, s] as const),
    ...d.clinics.map((c) => [`clinic ${c.clinic}`, c] as const),
  ]);

  it('hides small monthly counts (the case the attack needs)', () => {
    expect(operators.period.months).toEqual(['2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03']);
    const hidden = [...series(shared.all!).values()].flatMap((s) => s.months.filter((m) => m.diagnoses === null));
    expect(hidden.length).toBeGreaterThan(0);
  });

  it('gives no hidden month back as the difference of two whole periods', () => {
    const all = series(shared.all!);
    for (const [other, dropped] of [['fromNov', '2025-10'], ['toFeb', '2026-03']] as const) {
      const shorter = series(shared[other]!);
      for (const [group, s] of all) {
        const month = s.months.find((m) => m.month === dropped);
        const t = shorter.get(group);
        if (!month || !t) continue;
        for (const m of MEASURES) {
          if (month[m] !== null) continue;
          // the dropped month hidden: not both whole periods shown
          expect(s.whole_period[m] !== null && t.whole_period[m] !== null, `${group} ${m}: ${s.whole_period[m]} - ${t.whole_period[m]}`).toBe(false);
        }
      }
    }
  });

  it('leaves the shift-share split out of the shareable document, not out of the operators\'', () => {
    expect(operators.national.shift_share.length).toBe(5);
    for (const d of Object.values(shared)) expect(d.national.shift_share).toEqual([]);
  });
});
