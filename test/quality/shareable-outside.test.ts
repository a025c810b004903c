// The shareable quality report of a night an outside privacy reviewer built by hand
// (test/fixtures/shareable-outside), attacked with the arithmetic that reviewer used: rows read
// in the run trend less the published and quarantined rows, the gap between two rows-checked
// counts of one kind, and the quarantined rows of every other kind taken from their failing
// checks. None may give a count the report hides back; the operators' report holds the truth.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { QualityReportData, ReportCheck } from '../../quality/reports/run/collect.ts';
import { isSmallCount } from '../../quality/report-kit/suppress.ts';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';

const run = promisify(execFile);

describe('the shareable quality report of an outside reviewer\'s night', () => {
  let shared: QualityReportData;
  let full: QualityReportData;
  let db: string;

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fangst-shareable-'));
    db = join(dir, 'db.duckdb');
    await cp(join('test', 'fixtures', 'shareable-outside', 'inbox'), join(dir, 'inbox'), { recursive: true });
    await run(process.execPath, ['jobs/fangst.js', 'nightly', '--inbox', join(dir, 'inbox'), '--db', join(dir, 'db.duckdb'),
      '--outbox', join(dir, 'outbox'), '--reports', join(dir, 'reports')], { env: { ...process.env, FANGST_PSEUDONYM_KEY: 'shareable-outside-test-key-0123456789' } });
    const read = async (f: string) => JSON.parse(await readFile(join(dir, 'reports', 'latest', f), 'utf8')) as QualityReportData;
    shared = await read('quality-report-shareable.json');
    full = await read('quality-report.json');
  });

  it('gives no rows read in its trend where its accounting hides them', () => {
    // the truth: 932 read, 824 published, 106 quarantined, 2 rejected
    expect(full.accounting.total).toMatchObject({ read: 932, published: 824, quarantined: 106, rejected: 2 });
    expect(shared.accounting.total.read).toBeNull();
    for (const r of shared.runs) {
      const { published, quarantined } = shared.accounting.total;
      if (r.rowsRead !== null && published !== null && quarantined !== null) expect(isSmallCount(r.rowsRead - published - quarantined)).toBe(false);
      // a percent times the rows with errors is the rows read
      if (r.errorPercent !== null && r.rowsWithErrors !== null) expect(Math.round((100 * r.rowsWithErrors) / r.errorPercent)).not.toBe(932);
    }
  });

  it('shows no two rows-checked counts of one kind that differ by 1-4', () => {
    const checks = [...shared.problems, ...shared.passed] as ReportCheck[];
    expect(full.problems.find((c) => c.checkId === 'diagnoser.sks_format')).toMatchObject({ numerator: 2, denominator: 700 });
    for (const kind of new Set(checks.map((c) => c.kind))) {
      const dens = [...new Set(checks.filter((c) => c.kind === kind && c.denominator !== null).map((c) => c.denominator!))];
      for (const a of dens) for (const b of dens) expect(isSmallCount(Math.abs(a - b)), `${kind}: ${a} and ${b}`).toBe(false);
    }
  });

  it('does not give a kind\'s quarantined rows back from the other kinds\' and their failing checks', () => {
    const hidden = full.accounting.kinds.find((k) => k.kind === 'diagnoser')!.quarantined!;
    expect(hidden).toBe(4);
    expect(shared.accounting.kinds.find((k) => k.kind === 'diagnoser')!.quarantined).toBeNull();
    const total = shared.accounting.total.quarantined;
    // every other kind's quarantined rows: as shown, else the count of its one failing error check (which quarantines its rows)
    const others = shared.accounting.kinds.filter((k) => k.kind !== 'diagnoser').map((k) => {
      if (k.quarantined !== null) return k.quarantined;
      const failing = shared.problems.filter((c) => c.kind === k.kind && c.outcome === 'failed' && c.severity === 'error');
      return failing.length === 1 ? failing[0]!.numerator : null;
    });
    if (total !== null && others.every((n) => n !== null)) expect(total - others.reduce((s, n) => s + n!, 0)).not.toBe(hidden);
  });

  it('does not give a kind\'s quarantined rows back from its published rows (in the batch and the campaign) and its rows checked', () => {
    // the reviewer's D3: the campaign's 696 published diagnoses and the checks' 700 rows checked gave 4
    const truth = full.accounting.kinds.find((k) => k.kind === 'diagnoser')!;
    expect(truth).toMatchObject({ published: 696, quarantined: 4 });
    const checks = [...shared.problems, ...shared.passed] as ReportCheck[];
    for (const k of full.accounting.kinds) {
      if (!isSmallCount(k.quarantined!)) continue;
      for (const c of checks.filter((x) => x.kind === k.kind && x.denominator !== null)) {
        expect(c.denominator! - k.published!, `${c.checkId}: ${c.denominator} rows checked`).not.toBe(k.quarantined);
      }
    }
  });

  it('does not give the quarantined diagnoses back from the marked ones the campaign counts among the published', async () => {
    // the reviewer's D3 again: 553 marked rows checked against the campaign's 549 marked published
    const marked = await withDatabase(db, async (_d, conn) => {
      const [row] = await queryRows<{ n: number }>(conn, `select count(*)::int as n from core.diagnoser where kind in ('A', 'B')`);
      return row!.n;
    });
    expect(marked).toBe(549);
    const checks = [...shared.problems, ...shared.passed] as ReportCheck[];
    expect(full.problems.find((c) => c.checkId === 'diagnoser.marked_share')?.numerator ?? full.passed.find((c) => c.checkId === 'diagnoser.marked_share')?.numerator).toBe(553);
    for (const c of checks.filter((x) => x.kind === 'diagnoser' && x.numerator !== null)) {
      expect(c.numerator! - marked, `${c.checkId}: ${c.numerator}`).not.toBe(4);
    }
  });
});
