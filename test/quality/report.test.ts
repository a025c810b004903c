import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { openDatabase, type Database } from '../../transforms/db/connection.ts';
import { loadChecks, runChecks } from '../../quality/engine.ts';
import { writeQualityReport, type WrittenReport } from '../../quality/reports/run/write.ts';
import { chromiumAvailable, renderInBrowser } from '../helpers/browser.ts';
import { clinicA, clinicB, createWorkTables, diagnosis, dropWorkTables, epikrise, insertClinics, insertRows } from '../helpers/quality-fixtures.ts';

let db: Database;
let conn: DuckDBConnection;
let out: string;
let full: WrittenReport;
let shared: WrittenReport;

function day(i: number): string {
  return new Date(Date.UTC(2026, 0, 5 + i)).toISOString().slice(0, 10);
}

// Ten nights of deliveries; on the last, clinic B falls silent, a CPR number turns up
// in a letter and a malformed code arrives.
beforeAll(async () => {
  db = await openDatabase(':memory:');
  conn = await db.connect();
  await insertClinics(conn);
  const checks = await loadChecks();
  for (let i = 0; i < 14; i++) {
    await dropWorkTables(conn);
    await createWorkTables(conn);
    const last = i === 13;
    const silent = i >= 11;
    const rows = [
      ...Array.from({ length: 12 }, (_, k) => diagnosis({ contact_date: day(i), patient: `Pa${i}x${k}xyz`, code: last && k === 0 ? 'XH353' : 'DH353' })),
      ...(silent ? [] : Array.from({ length: 7 }, (_, k) => diagnosis({ journal_system: 'DMDC', sor_code: clinicB, kind: null, kind_raw: null, contact_date: day(i), patient: `Pb${i}x${k}xyz` }))),
    ];
    await insertRows(conn, 'work.diagnoser', rows);
    await insertRows(conn, 'work.epikriser', [
      epikrise({ written_date: day(i), patient: `Pa${i}x1xyz`, text: last ? 'Kontrol. CPR 010190-1234.' : 'Kontrol om 3 mdr.' }),
    ]);
    if (last) {
      // The pipeline's own findings (no declared check) are reported with the failed checks.
      await conn.run(`insert into quality.row_findings values ('night-${i}', 'diagnoser', 'NOVAX:dup', 'novax/x.csv', 5, 'pipeline.duplicate', 'error', null, 'exact duplicate of novax/x.csv line 9')`);
    }
    await runChecks(conn, { runId: `night-${i}`, batchId: `b${i}`, checks, now: new Date(`${day(i + 1)}T02:00:00Z`) });
  }
  out = await mkdtemp(join(tmpdir(), 'fangst-quality-report-'));
  full = await writeQualityReport(conn, { outDir: out });
  shared = await writeQualityReport(conn, { outDir: out, shareable: true });
});
afterAll(() => db?.close());

describe('the quality report of a run', () => {
  it('puts what failed first, with counts, and lists the alert', async () => {
    const d = full.data;
    expect(d.runId).toBe('night-13');
    expect(d.problems[0]!.outcome).toBe('failed');
    const cpr = d.problems.find((c) => c.checkId === 'privacy.cpr_epikriser')!;
    expect(cpr).toMatchObject({ outcome: 'failed', numerator: 1, denominator: 1 });
    expect(d.problems.find((c) => c.checkId === 'diagnoser.sks_format')).toMatchObject({ numerator: 1, denominator: 12 });
    expect(d.alerts.map((a) => a.type)).toContain('clinic_silent');
    expect(d.problems.find((c) => c.checkId === 'pipeline.duplicate')).toMatchObject({ outcome: 'failed', numerator: 1, message: 'exact duplicate' });
    expect(await readFile(full.markdown, 'utf8')).toContain('| failed | pipeline.duplicate (diagnoser) | 1 |');
    expect(d.samples['diagnoser.sks_format']![0]).toMatchObject({ sourceFile: 'novax/novax_diagnoser_2026-03.csv', column: 'code', patient: 'Pa13x0xyz' });
    const md = await readFile(full.markdown, 'utf8');
    expect(md).toContain('| failed | privacy.cpr_epikriser | 1 | 1 |');
    expect(md).toContain('clinic_silent');
  });

  it('never prints a CPR number, and the shareable variant drops pseudonyms and counts of 1-4', async () => {
    for (const f of [full.html, full.json, full.markdown, shared.html, shared.json, shared.markdown]) {
      expect(await readFile(f, 'utf8')).not.toContain('010190-1234');
    }
    const sharedText = [await readFile(shared.html, 'utf8'), await readFile(shared.json, 'utf8'), await readFile(shared.markdown, 'utf8')].join('\n');
    expect(sharedText).not.toMatch(/Pa13x0xyz|NOVAX:D\d/);
    const cpr = shared.data.problems.find((c) => c.checkId === 'privacy.cpr_epikriser')!;
    expect(cpr.numerator).toBeNull();
    expect(cpr.percent).toBeNull();
    expect(await readFile(shared.markdown, 'utf8')).toContain('| failed | privacy.cpr_epikriser | – | – |');
    // the percent of a hidden count goes from the trend and from the alert that names it
    expect(cpr.trend.every((p) => p === null)).toBe(true);
    const rateAlerts = shared.data.alerts.filter((a) => a.type === 'failure_rate' && a.checkId === 'privacy.cpr_epikriser');
    expect(rateAlerts.length).toBeGreaterThan(0);
    for (const a of rateAlerts) expect(a.message).not.toMatch(/\d\s?%/);
    // a day of 1-4 rows is hidden, and said to be left out of the volume chart rather than drawn as 0
    expect(shared.data.volume.some((v) => v.rows === null)).toBe(true);
    expect(await readFile(shared.html, 'utf8')).toContain('Days with 1-4 rows of a kind are left out (a gap in its line).');
    expect(await readFile(full.html, 'utf8')).not.toContain('Days with 1-4 rows of a kind are left out');
    // sample rows: with file, line and column only, and not for a check whose count is hidden
    // (listing all its findings would count them)
    const sks = shared.data.problems.find((c) => c.checkId === 'diagnoser.sks_format')!;
    expect(full.data.samples['diagnoser.sks_format']![0]).toMatchObject({ sourceFile: 'novax/novax_diagnoser_2026-03.csv', column: 'code', reason: 'the diagnosis code is not an SKS code' });
    expect(sks.numerator).toBeNull();
    expect(shared.data.samples['diagnoser.sks_format']).toBeUndefined();
    for (const [id, rows] of Object.entries(shared.data.samples)) {
      expect(rows.every((r) => Object.keys(r).sort().join() === 'column,reason,sourceFile,sourceLine'), id).toBe(true);
    }
  });

  it.skipIf(!chromiumAvailable())('renders in headless Chromium with its charts and no console errors', async () => {
    for (const r of [full, shared]) {
      const page = await renderInBrowser(r.html, { screenshot: r.html.replace(/\.html$/, '.png') });
      expect(page.consoleErrors).toEqual([]);
      expect(page.externalRequests).toEqual([]);
      expect(page.charts.line ?? 0).toBeGreaterThanOrEqual(2);
      expect(page.charts.sparkline ?? 0).toBeGreaterThanOrEqual(1);
      expect(page.visibleCharts).toBeGreaterThanOrEqual(3);
      expect(page.title).toBe('Quality report – run night-13');
    }
  });
  if (!chromiumAvailable()) console.warn('skipped: no Chromium at /usr/bin/chromium (apt-get install -y chromium)');
});
