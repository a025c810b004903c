// Plays the attacker against every shareable output of a generated history (scale 0.01, three
// nights): the shareable quality report of each run and the shareable campaign, read back from
// their JSON. For every figure the shareable output hides and the operators' version shows, it
// tries what a reader could: a total minus the shown parts of every additive relation, a share or
// a trend point times its denominator, the whole period minus the other months, and linear
// algebra over all relations at once; none may give the hidden value back.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CampaignDocument, Series, Share } from '../../quality/reports/campaign/document.ts';
import type { QualityReportData, ReportCheck } from '../../quality/reports/run/collect.ts';
import { Pseudonymiser } from '../../quality/report-kit/suppress.ts';
import { Attack } from '../helpers/attack.ts';
import { readingOf } from '../../quality/registry.ts';

const run = promisify(execFile);
const key = 'disclosure-attack-test-key-0123456789';
const env = { ...process.env, FANGST_PSEUDONYM_KEY: key, TZ: 'Europe/Copenhagen' };
const pseudonyms = new Pseudonymiser(key);
const fangst = (...args: string[]) => run(process.execPath, ['jobs/fangst.js', ...args], { cwd: process.cwd(), env, maxBuffer: 256 * 1024 * 1024 });
const allowHeldBack = (err: { code?: number }) => {
  if (err.code !== 3) throw err;
};

describe.skipIf(!existsSync('data-samples/generator/run.ts'))('no hidden figure of a shareable output can be recomputed', () => {
  let dir: string;
  const runs: { shared: QualityReportData; full: QualityReportData }[] = [];
  let campaignShared: CampaignDocument;
  let campaignFull: CampaignDocument;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fangst-disclosure-'));
    const db = join(dir, 'fangst.duckdb');
    const reports = join(dir, 'reports');
    await fangst('generate', '--scale', '0.01', '--seed', '5', '--out', join(dir, 'inbox'), '--truth', join(dir, 'truth.parquet'));
    const nights = ['2026-04-01', '2026-04-02'];
    for (const night of nights) await fangst('generate', '--scale', '0.01', '--seed', '5', '--out', join(dir, `night-${night}`), '--night', night);
    for (const inbox of ['inbox', ...nights.map((n) => `night-${n}`)]) {
      await fangst('nightly', '--inbox', join(dir, inbox), '--db', db, '--outbox', join(dir, 'outbox'), '--reports', reports).catch(allowHeldBack);
    }
    await fangst('checks', 'report', '--db', db, '--out', join(dir, 'latest'), '--shareable');
    // reports/latest is a link to the last run's folder, already among them.
    for (const folder of (await readdir(reports)).filter((f) => f !== 'latest').sort()) {
      const read = async (f: string) => JSON.parse(await readFile(join(reports, folder, f), 'utf8')) as QualityReportData;
      runs.push({ shared: await read('quality-report-shareable.json'), full: await read('quality-report.json') });
    }
    const latest = JSON.parse(await readFile(join(dir, 'latest', 'quality-report-shareable.json'), 'utf8')) as QualityReportData;
    runs.push({ shared: latest, full: runs.at(-1)!.full });
    campaignShared = JSON.parse((await fangst('campaign', '--db', db, '--json', '--shareable')).stdout) as CampaignDocument;
    campaignFull = JSON.parse((await fangst('campaign', '--db', db, '--json')).stdout) as CampaignDocument;
  }, 600_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the quality reports\' quarantined rows: with errors + held back never gives one hidden figure back', () => {
    for (const { shared, full } of runs) {
      const trio = [shared.rowsWithErrors, shared.rowsQuarantined, shared.rowsHeldBack];
      expect(full.rowsQuarantined).toBe(full.rowsWithErrors! + full.rowsHeldBack!);
      // One hidden of three related by a sum would be the difference of the other two.
      expect(trio.filter((x) => x === null).length).not.toBe(1);
      for (const [s, f] of [[shared.rowsQuarantined, full.rowsQuarantined], [shared.rowsHeldBack, full.rowsHeldBack]] as const) {
        if (s !== null) expect(s).toBe(f);
        if (f !== null && f >= 1 && f <= 4) expect(s).toBeNull();
      }
    }
  });

  it('the quality reports: system sums, percent x denominator, trend x denominator, alerts', () => {
    expect(runs.length).toBe(4);
    let hiddenCells = 0;
    for (const { shared, full } of runs) {
      const a = new Attack();
      const all = (d: QualityReportData) => new Map([...d.problems, ...d.passed, ...d.notEvaluated].map((c) => [c.checkId, c]));
      const sharedChecks = all(shared);
      for (const [id, f] of all(full)) {
        const s = sharedChecks.get(id)!;
        expect(s).toBeDefined();
        // counts of rows only (freshness measures hours, volume rows against a baseline)
        if (f.checkType === 'pipeline' || f.numerator === null || f.denominator === null || f.numerator > f.denominator) continue;
        a.cell(`${id}|national|num`, s.numerator, f.numerator);
        a.cell(`${id}|national|den`, s.denominator, f.denominator);
        const fullSystems = new Map(f.systems.map((x) => [x.system, x]));
        for (const x of s.systems) {
          a.cell(`${id}|${x.system}|num`, x.numerator, fullSystems.get(x.system)?.numerator);
          a.cell(`${id}|${x.system}|den`, x.denominator, fullSystems.get(x.system)?.denominator);
        }
        // national = the listed systems + the unlisted ones (an unknown unless they are 0)
        a.sum(`${id}|national|num`, s.systems.map((x) => `${id}|${x.system}|num`));
        attackShare(a, `${id}|national`, s);
        for (const x of s.systems) attackShare(a, `${id}|${x.system}`, x);
        // every trend point, and every percent an alert names, times the denominator
        const den = s.denominator;
        const percents = [...s.trend, ...shared.alerts.filter((al) => al.checkId === id).flatMap((al) => [...al.message.matchAll(/(\d+(?:\.\d+)?)\s?%/g)].map((m) => Number(m[1])))];
        for (const p of percents) if (p !== null && den !== null) a.guess(`${id}|national|num`, Math.round((p * den) / 100), 'a trend point or alert percent x denominator');
        // the most affected clinics (by pseudonym) are parts of the national figure, and so are
        // the rows of each reason the findings give
        const fullClinics = new Map(f.clinics.map((c) => [pseudonyms.of(c.clinic), c]));
        for (const c of s.clinics) {
          a.cell(`${id}|${c.clinic}|num`, c.numerator, fullClinics.get(c.clinic)?.numerator);
          a.cell(`${id}|${c.clinic}|den`, c.denominator, fullClinics.get(c.clinic)?.denominator);
          attackShare(a, `${id}|${c.clinic}`, c);
        }
        a.sum(`${id}|national|num`, s.clinics.map((c) => `${id}|${c.clinic}|num`));
        s.findings.forEach((x, i) => a.cell(`${id}|reason${i}|num`, x.rows, f.findings[i]?.rows));
        a.sum(`${id}|national|num`, s.findings.map((_, i) => `${id}|reason${i}|num`));
        // a kind's published + quarantined rows are the rows its checks count
        const kind = full.accounting.kinds.find((k) => k.kind === f.kind);
        if (kind && f.denominator === kind.published! + kind.quarantined!) a.sum(`${id}|national|den`, [`rows|${f.kind}|published`, `rows|${f.kind}|quarantined`]);
      }
      // the row accounting: read = published + quarantined + rejected, per kind and in total
      const parts = ['published', 'quarantined', 'rejected'] as const;
      const accounts = [...full.accounting.kinds, full.accounting.total];
      const sharedAccounts = new Map([...shared.accounting.kinds, shared.accounting.total].map((k) => [k.kind, k]));
      for (const k of accounts) {
        for (const w of ['read', ...parts] as const) a.cell(`rows|${k.kind}|${w}`, sharedAccounts.get(k.kind)![w], k[w]);
        // rows read is only left out (where a part is hidden), no secret of its own
        a.derived.add(`rows|${k.kind}|read`);
        a.sum(`rows|${k.kind}|read`, parts.map((w) => `rows|${k.kind}|${w}`));
      }
      for (const w of ['read', ...parts] as const) a.sum(`rows|all|${w}`, full.accounting.kinds.map((k) => `rows|${k.kind}|${w}`));
      a.differencing();
      a.linearAlgebra();
      hiddenCells += [...a.shown.values()].filter((v) => v === null).length;
      expect(a.recovered).toEqual([]);
    }
    // the history has small counts: the attack had something to try
    expect(hiddenCells).toBeGreaterThan(0);
  });

  it('the quality reports: sample rows never list all of a hidden count, or rows of a system whose count is hidden; aggregate checks show no count', () => {
    let listed = 0;
    for (const { shared, full } of runs) {
      const checks = new Map([...shared.problems, ...shared.passed, ...shared.notEvaluated].map((c) => [c.checkId, c]));
      const systemOf = new Map(full.accounting.files.map((f) => [f.file, f.system]));
      for (const [id, rows] of Object.entries(shared.samples)) {
        const c = checks.get(id)!;
        // all of a check's findings listed would count it
        expect(c.numerator, id).not.toBeNull();
        expect(c.numerator!, id).toBeGreaterThan(rows.length);
        const fullCheck = [...full.problems, ...full.passed, ...full.notEvaluated].find((x) => x.checkId === id)!;
        if (fullCheck.systems.length === 0) continue;
        for (const r of rows) expect(c.systems.find((x) => x.system === systemOf.get(r.sourceFile))?.numerator ?? null, `${id} ${r.sourceFile}`).not.toBeNull();
        listed += rows.length;
      }
      // counts of what another part of the report counts under another name (rows read) stay hidden
      for (const c of checks.values()) if (c.checkType !== 'pipeline' && !['failing_rows', 'share'].includes(readingOf(c.checkType))) {
        if (readingOf(c.checkType) === 'age_hours') continue;
        expect([c.checkId, c.numerator, c.denominator]).toEqual([c.checkId, null, null]);
      }
    }
    expect(listed).toBeGreaterThan(0);
  });

  it('the campaign: national - systems, diagnoses - A - B, contacts - one A, whole period - months, shares, sparklines, shortfalls', () => {
    const a = new Attack();
    const pseudonymiser = new Pseudonymiser(key);
    const measures = ['diagnoses', 'a_diagnoses', 'b_diagnoses', 'marked_diagnoses', 'contacts', 'contacts_one_a'] as const;
    const unknowns = ['unmarked', 'not_one_a'];
    const groups: { id: string; shared: Series; full: Series }[] = [
      { id: 'national', shared: campaignShared.national, full: campaignFull.national },
      { id: 'marking', shared: campaignShared.national.without_non_marking, full: campaignFull.national.without_non_marking },
      { id: 'registered', shared: campaignShared.national.registered_systems, full: campaignFull.national.registered_systems },
    ];
    const sharedSystems = new Map(campaignShared.journal_systems.map((s) => [s.journal_system, s]));
    for (const f of campaignFull.journal_systems) groups.push({ id: `system:${f.journal_system}`, shared: sharedSystems.get(f.journal_system)!, full: f });
    const sharedSpecialties = new Map(campaignShared.specialties.map((s) => [s.specialty, s]));
    for (const f of campaignFull.specialties) groups.push({ id: `specialty:${f.specialty}`, shared: sharedSpecialties.get(f.specialty)!, full: f });
    const sharedClinics = new Map(campaignShared.clinics.map((c) => [c.clinic, c]));
    for (const f of campaignFull.clinics) groups.push({ id: `clinic:${f.clinic}`, shared: sharedClinics.get(pseudonymiser.of(f.clinic))!, full: f });

    const months = campaignFull.period.months;
    const periods = ['whole', ...months];
    const record = (s: Series, period: string): Share | undefined => (period === 'whole' ? s.whole_period : s.months.find((m) => m.month === period));
    const id = (group: string, period: string, m: string) => `${group}|${period}|${m}`;
    for (const g of groups) {
      expect(g.shared).toBeDefined();
      for (const period of periods) {
        const f = record(g.full, period);
        const s = record(g.shared, period);
        if (!f) continue;
        for (const m of measures) a.cell(id(g.id, period, m), s?.[m] ?? null, f[m]);
        a.unknown(id(g.id, period, 'unmarked'), (f.diagnoses ?? 0) - (f.marked_diagnoses ?? 0));
        a.sum(id(g.id, period, 'diagnoses'), [id(g.id, period, 'a_diagnoses'), id(g.id, period, 'b_diagnoses'), id(g.id, period, 'unmarked')]);
        a.sum(id(g.id, period, 'marked_diagnoses'), [id(g.id, period, 'a_diagnoses'), id(g.id, period, 'b_diagnoses')]);
        a.sum(id(g.id, period, 'diagnoses'), [id(g.id, period, 'marked_diagnoses'), id(g.id, period, 'unmarked')]);
        a.unknown(id(g.id, period, 'not_one_a'), (f.contacts ?? 0) - (f.contacts_one_a ?? 0));
        a.sum(id(g.id, period, 'contacts'), [id(g.id, period, 'contacts_one_a'), id(g.id, period, 'not_one_a')]);
        // shown contacts equal to shown diagnoses: every contact has one diagnosis, so the
        // contacts with one A are the A diagnoses
        if (s && s.contacts !== null && s.contacts === s.diagnoses) {
          if (s.contacts_one_a !== null) a.guess(id(g.id, period, 'a_diagnoses'), s.contacts_one_a, 'contacts = diagnoses: one A = A');
          if (s.a_diagnoses !== null) a.guess(id(g.id, period, 'contacts_one_a'), s.a_diagnoses, 'contacts = diagnoses: A = one A');
        }
        if (s) {
          const shares = [['a_share', 'a_diagnoses', 'diagnoses'], ['marked_share', 'marked_diagnoses', 'diagnoses'], ['contact_a_share', 'contacts_one_a', 'contacts']] as const;
          for (const [share, num, den] of shares) {
            const p = s[share];
            const d = s[den];
            if (p !== null && d !== null) a.guess(id(g.id, period, num), Math.round(p * d), `${share} x ${den}`);
            const n = s[num];
            if (p !== null && p > 0 && n !== null) a.guess(id(g.id, period, den), Math.round(n / p), `${num} / ${share}`);
          }
        }
      }
      for (const m of [...measures, ...unknowns]) a.sum(id(g.id, 'whole', m), months.map((month) => id(g.id, month, m)));
    }
    const clinicsOf = (pred: (c: CampaignDocument['clinics'][number]) => boolean) => campaignFull.clinics.filter(pred).map((c) => `clinic:${c.clinic}`);
    const crossSums: [string, string[]][] = [
      ['national', campaignFull.journal_systems.map((s) => `system:${s.journal_system}`)],
      ['national', campaignFull.specialties.map((s) => `specialty:${s.specialty}`)],
      ['national', clinicsOf(() => true)],
      ['marking', campaignFull.journal_systems.filter((s) => !s.cannot_mark).map((s) => `system:${s.journal_system}`)],
      ['national', ['registered']],
      ...campaignFull.journal_systems.map((s): [string, string[]] => [`system:${s.journal_system}`, clinicsOf((c) => c.journal_system === s.journal_system)]),
      ...campaignFull.specialties.map((s): [string, string[]] => [`specialty:${s.specialty}`, clinicsOf((c) => String(c.specialty) === s.specialty)]),
    ];
    for (const [total, parts] of crossSums) {
      for (const period of periods) for (const m of [...measures, ...unknowns]) a.sum(id(total, period, m), parts.map((p) => id(p, period, m)));
    }
    // the focus lists: a sparkline point x the month's diagnoses, the shortfall beside the diagnoses
    const fullByPseudonym = new Map(campaignFull.clinics.map((c) => [pseudonymiser.of(c.clinic), c.clinic]));
    const picks = [...campaignShared.focus.below_target, ...campaignShared.focus.improved, ...campaignShared.focus.fell_back];
    for (const p of picks) {
      const sor = fullByPseudonym.get(p.clinic)!;
      const shownSeries = sharedClinics.get(p.clinic)!;
      p.trend.forEach((share, i) => {
        const d = shownSeries.months.find((m) => m.month === months[i])?.diagnoses ?? null;
        if (share !== null && d !== null) a.guess(id(`clinic:${sor}`, months[i]!, 'a_diagnoses'), Math.round(share * d), 'sparkline x diagnoses');
      });
      if (p.a_short_of_target != null && p.diagnoses !== null) {
        a.guess(id(`clinic:${sor}`, 'whole', 'a_diagnoses'), Math.ceil(campaignShared.target * p.diagnoses - 1e-9) - p.a_short_of_target, 'target x diagnoses - shortfall');
      }
    }
    a.differencing();
    a.linearAlgebra();
    expect([...a.shown.values()].filter((v) => v === null).length).toBeGreaterThan(0);
    expect(a.recovered).toEqual([]);

    // no journal system x specialty group of fewer than 5 clinics is named
    const groupSize = new Map<string, number>();
    for (const c of campaignFull.clinics) groupSize.set(`${c.journal_system}|${c.specialty}`, (groupSize.get(`${c.journal_system}|${c.specialty}`) ?? 0) + 1);
    for (const m of campaignShared.national.shift_share) {
      for (const g of m.top_groups) expect(groupSize.get(`${g.journal_system}|${g.specialty}`) ?? 0).toBeGreaterThanOrEqual(5);
    }
    for (const c of campaignShared.clinics) {
      if (c.journal_system === null) continue;
      expect(groupSize.get(`${c.journal_system}|${c.specialty}`) ?? 0).toBeGreaterThanOrEqual(5);
    }
  });
});

/** percent x denominator gives the numerator; numerator / percent gives the denominator. */
function attackShare(a: Attack, scope: string, s: Pick<ReportCheck, 'numerator' | 'denominator' | 'percent'>): void {
  if (s.percent === null) return;
  if (s.denominator !== null) a.guess(`${scope}|num`, Math.round((s.percent * s.denominator) / 100), 'percent x denominator');
  if (s.numerator !== null && s.percent > 0) a.guess(`${scope}|den`, Math.round((s.numerator * 100) / s.percent), 'numerator / percent');
}
