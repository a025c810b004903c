// A night whose only clinic-naming item is a volume alert (test/fixtures/shareable-volume-alert,
// written by an outside tester): clinic V1 delivers about 31 diagnoses a day for a month, and 3
// on 20 November. The shareable report must be written (it names the clinic by its pseudonym),
// show the day's count as a small one, and give it back by no other figure: not by the robust z
// beside the usual count (usual + z * sqrt(usual) was 3 again), nor name the clinic's journal
// system, which the shareable campaign withholds for a system of fewer than 5 clinics.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { QualityReportData } from '../../quality/reports/run/collect.ts';

const run = promisify(execFile);

describe('a volume alert in the shareable quality report', () => {
  let reports: string;
  let shared: QualityReportData;
  let full: QualityReportData;

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fangst-volume-alert-'));
    reports = join(dir, 'reports');
    await cp(join('test', 'fixtures', 'shareable-volume-alert', 'inbox'), join(dir, 'inbox'), { recursive: true });
    await run(process.execPath, ['jobs/fangst.js', 'nightly', '--inbox', join(dir, 'inbox'), '--db', join(dir, 'db.duckdb'),
      '--outbox', join(dir, 'outbox'), '--reports', reports], { env: { ...process.env, FANGST_PSEUDONYM_KEY: 'volume-alert-test-key-0123456789' } });
    full = JSON.parse(await readFile(join(reports, 'latest', 'quality-report.json'), 'utf8')) as QualityReportData;
    shared = JSON.parse(await readFile(join(reports, 'latest', 'quality-report-shareable.json'), 'utf8')) as QualityReportData;
  });

  it('is written when the alert is the only item that names a clinic', async () => {
    expect((await readdir(join(reports, 'latest'))).filter((f) => f.startsWith('quality-report-shareable'))).toHaveLength(3);
    expect(full.alerts.map((a) => a.message)).toEqual([expect.stringMatching(/^clinic 1110000000000011 \(NOVAX\) delivered 3 diagnoser for 2026-11-20; usually 31 \(robust z -5\.0\)$/)]);
  });

  it('names the database file in the operators\' report only (a path names its owner\'s folders)', async () => {
    expect(full.about.database).toMatch(/db\.duckdb$/);
    expect(shared.about.database).toBeNull();
    expect(await readFile(join(reports, 'latest', 'quality-report-shareable.html'), 'utf8')).not.toContain('db.duckdb');
  });

  it('shows the day as a small count, with no z and no journal system beside the pseudonym', async () => {
    const [alert] = shared.alerts;
    expect(alert!.message).toMatch(/^clinic K-[0-9A-Z]{8} delivered <5 diagnoser for 2026-11-20; usually 31$/);
    for (const f of ['quality-report-shareable.md', 'quality-report-shareable.html']) {
      const text = await readFile(join(reports, 'latest', f), 'utf8');
      expect(text, f).toMatch(/delivered &lt;5 diagnoser|delivered <5 diagnoser/);
      expect(text, f).not.toMatch(/robust z/);
      expect(text, f).not.toMatch(/K-[0-9A-Z]{8} \(NOVAX\)/);
    }
  });
});
