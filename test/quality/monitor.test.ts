import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../config/errors.ts';
import { openDatabase, queryRows, sqlString, withDatabase } from '../../transforms/db/connection.ts';
import { generate, type GenerateSummary } from '../../data-samples/generator/run.ts';
import { renderMonitor, runMonitor } from '../../jobs/monitor.ts';
import { runNightly } from '../../jobs/nightly.ts';
import { runScore } from '../../jobs/score.ts';
import { computeMonitor, MEASURES, type MonitorReport, type MonitorTable } from '../../quality/reports/monitor/collect.ts';

const COLUMN: Record<string, string> = {
  Klinikker: 'clinics',
  Patienter: 'patients',
  Diagnoser: 'diagnoser',
  'A-Diagnoser': 'a_diagnoser',
  'B-diagnoser': 'b_diagnoser',
  Epikriser: 'epikriser',
  'B-Epikriser': 'b_epikriser',
};

/** The generator's own answer for one scope, as { key: { Klinikker: n, ... } }. */
async function expectedTable(path: string, scope: string): Promise<Record<string, Record<string, number>>> {
  return withDatabase(':memory:', async (_db, conn) => {
    const rows = await queryRows<Record<string, unknown>>(conn, `select * from ${sqlString(path)} where scope = ${sqlString(scope)}`);
    return Object.fromEntries(rows.map((r) => [String(r.key), Object.fromEntries(MEASURES.map((m) => [m, Number(r[COLUMN[m]!])]))]));
  });
}

const asTable = (t: MonitorTable, total: string) =>
  Object.fromEntries([...t.rows, { ...t.total, key: total }].map((r) => [r.key, Object.fromEntries(MEASURES.map((m) => [m, r[m]]))]));

describe('fangst monitor on generated deliveries after the nightly job', () => {
  let dir: string;
  let gen: GenerateSummary;
  let report: MonitorReport;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fangst-monitor-'));
    gen = await generate({ scale: 0.002, seed: 11, out: join(dir, 'inbox'), truth: join(dir, 'truth.parquet') });
    const night = await runNightly({ inbox: join(dir, 'inbox'), outbox: join(dir, 'outbox'), db: join(dir, 'db.duckdb'), reports: join(dir, 'reports') });
    expect(night.summary).toBeDefined();
    const db = await openDatabase(join(dir, 'db.duckdb'));
    try {
      report = await computeMonitor(await db.connect(), '2024-11-01', '2026-03-01');
    } finally {
      db.close();
    }
  }, 600_000); // generate + nightly: a minute on a quiet machine, several on a busy one
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('equals the generator truth per journal system, row by row and column by column', async () => {
    const expected = await expectedTable(gen.expected, 'system');
    expect(asTable(report.system, 'Total')).toEqual(expected);
  });

  it('equals the generator truth per specialty, and reconciles the additive columns', async () => {
    const expected = await expectedTable(gen.expected, 'specialty');
    expect(asTable(report.specialty, 'Total')).toEqual(expected);
    for (const r of report.reconciliation) expect([r.column, r.unexplained]).toEqual([r.column, 0]);
    // the clinic without a journal system: in the clinic total, in no system row
    const rowClinics = report.system.rows.reduce((s, r) => s + r.Klinikker, 0);
    expect(report.system.total.Klinikker).toBe(rowClinics + 1);
    expect(report.system.unregistered?.Klinikker).toBe(1);
    expect(report.specialty.total.Diagnoser - report.system.total.Diagnoser).toBe(report.system.unregistered?.Diagnoser);
  });

  it('renders csv, markdown and json with the seed headers and says which columns are distinct', async () => {
    const csv = renderMonitor(report, ['system'], 'csv').split('\r\n');
    expect(csv[0]).toBe('JournalSystem,Klinikker,Patienter,Diagnoser,A-Diagnoser,B-diagnoser,Epikriser,B-Epikriser');
    expect(csv.at(-2)).toMatch(/^Total,/);
    const md = renderMonitor(report, ['specialty'], 'md');
    expect(md).toContain('| Speciale | Specialenavn | Klinikker |');
    // without --from/--to the heading names no made-up bounds
    expect(renderMonitor({ ...report, period: { from: null, to: null } }, ['specialty'], 'md')).toContain('### Dataleverance per speciale, alle måneder\n');
    expect(renderMonitor({ ...report, period: { from: '2025-01', to: null } }, ['system'], 'table')).toContain('Dataleverance per journalsystem, fra 2025-01\n');
    expect(md).toContain('**Hovedtotal**');
    const json = JSON.parse(renderMonitor(report, ['system', 'specialty'], 'json'));
    expect(json.tables.system.distinct_columns).toEqual(['Klinikker', 'Patienter']);
    expect(json.tables.specialty.additive_columns).toContain('Diagnoser');
    expect(json.reconciliation).toHaveLength(5);
  });

  it('writes the chosen table to --out and refuses a malformed month', async () => {
    const lines: string[] = [];
    const code = await runMonitor({ db: join(dir, 'db.duckdb'), by: 'system', format: 'csv', out: join(dir, 'monitor'), from: '2024-11', to: '2026-03' }, (t) => lines.push(t));
    expect(code).toBe(0);
    expect(await readFile(join(dir, 'monitor', 'monitor_by_system.csv'), 'utf8')).toBe(lines.join(''));
    await expect(runMonitor({ db: join(dir, 'db.duckdb'), from: '2024-13' }, () => {})).rejects.toThrow(new UsageError('--from', '2024-13', 'a month as yyyy-mm'));
  });

  it('--danish-csv writes the Danish Excel style, as campaign does: BOM once, semicolons, specialty codes as text', async () => {
    const lines: string[] = [];
    const code = await runMonitor({ db: join(dir, 'db.duckdb'), danishCsv: true, out: join(dir, 'monitor-dk') }, (t) => lines.push(t));
    expect(code).toBe(0);
    const text = lines.join('');
    expect(text.startsWith('\uFEFFJournalSystem;Klinikker;Patienter;')).toBe(true);
    expect(text.match(/\uFEFF/g)).toHaveLength(1);
    expect(text).toContain('\r\nSpeciale;Specialenavn;Klinikker;');
    // a specialty code is text to Excel: no number to sum, and a leading zero would stay
    expect(text).toMatch(/\r\n"=""\d+""";[^;\r\n]+;\d+;/);
    const file = await readFile(join(dir, 'monitor-dk', 'monitor_by_specialty.csv'), 'utf8');
    expect(file.startsWith('\uFEFFSpeciale;Specialenavn;')).toBe(true);
    await expect(runMonitor({ db: join(dir, 'db.duckdb'), danishCsv: true, format: 'md' }, () => {})).rejects.toThrow(new UsageError('--format', 'md', 'csv with --danish-csv'));
  });

  it('scores the checks against the ground truth: the pipeline catches what the contract promises', async () => {
    const out: string[] = [];
    const { exitCode, result } = await runScore({ db: join(dir, 'db.duckdb'), truth: gen.truth }, (t) => out.push(t));
    expect(exitCode).toBe(0);
    expect(out.join('')).toMatch(/\nscore: min precision (\d\.\d{3}|n\/a), min recall (\d\.\d{3}|n\/a)\n$/);
    const recall = Object.fromEntries(result!.kinds.map((k) => [k.kind, k.recall]));
    for (const kind of ['exact_duplicate', 'corrected_redelivery', 'impossible_date', 'clinic_unknown', 'cpr_in_text', 'cpr_in_id'])
      expect([kind, recall[kind]]).toEqual([kind, 1]);
  });
});
