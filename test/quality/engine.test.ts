import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { openDatabase, queryRows, type Database } from '../../transforms/db/connection.ts';
import { loadChecks, runChecks, type CheckDefinition, type CheckResult } from '../../quality/engine.ts';
import { clinicA, clinicB, createWorkTables, diagnosis, epikrise, insertClinics, insertRows } from '../helpers/quality-fixtures.ts';

const now = new Date('2026-03-10T02:00:00Z');
let db: Database;
let conn: DuckDBConnection;
let checks: CheckDefinition[];

beforeEach(async () => {
  db = await openDatabase(':memory:');
  conn = await db.connect();
  await createWorkTables(conn);
  await insertClinics(conn);
  checks = await loadChecks();
});
afterEach(() => db.close());

function national(results: CheckResult[], id: string): CheckResult {
  const r = results.find((x) => x.checkId === id && x.scopeLevel === 'national');
  if (!r) throw new Error(`no national result for ${id}`);
  return r;
}

async function findings(runId = 'r1') {
  return queryRows<{ record_key: string; check_id: string; severity: string; column_name: string | null; reason: string; source_file: string; source_line: number }>(
    conn,
    `select record_key, check_id, severity, column_name, reason, source_file, source_line::integer as source_line from quality.row_findings where run_id = '${runId}' order by check_id, record_key`,
  );
}

describe('loadChecks', () => {
  it('loads the shipped checks, with unique ids and every kind covered', async () => {
    const ids = checks.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(checks.map((c) => c.kind))).toEqual(new Set(['diagnoser', 'epikriser', 'billeddiagnostiske_epikriser', 'notater', 'laboratoriesvar']));
    expect(ids).toContain('diagnoser.sks_format');
  });

  it('names file, key, what was found and what was expected', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fangst-checks-'));
    await writeFile(join(dir, 'bad.yaml'), `- id: diagnoser.x\n  kind: diagnoser\n  category: conformance\n  type: pattern\n  column: code\n  pattern: 'D'\n  severity: fatal\n  reason: r\n`);
    await expect(loadChecks(dir)).rejects.toThrow(/bad\.yaml: checks\[0\] \(diagnoser\.x\)\.severity: found "fatal", expected one of warn, error/);
    await writeFile(join(dir, 'bad.yaml'), `- id: diagnoser.x\n  kind: diagnoser\n  category: conformance\n  type: range\n  column: code\n  mx: 3\n  severity: warn\n  reason: r\n`);
    await expect(loadChecks(dir)).rejects.toThrow(/\.mx: found an unknown key, expected a key of this check type, one of id, .*, column, min, max \(did you mean max\?\)$/);
    await writeFile(join(dir, 'bad.yaml'), `- id: diagnoser.x\n  kind: diagnosis\n  type: range\n`);
    await expect(loadChecks(dir)).rejects.toThrow(/\.kind: found "diagnosis", expected one of diagnoser, epikriser/);
  });
});

describe('runChecks', () => {
  it('flags bad rows with check id, file, line and column, and counts per scope', async () => {
    await insertRows(conn, 'work.diagnoser', [
      diagnosis({ record_id: 'ok1' }),
      diagnosis({ record_id: 'ok2', kind: 'B', kind_raw: 'B' }),
      diagnosis({ record_id: 'bad_code', code: 'DHX35', code_raw: 'DHX35' }),
      diagnosis({ record_id: 'ambiguous', code: 'DD12', code_raw: 'D12' }),
      diagnosis({ record_id: 'icd_chapter_d', code: 'DD509', code_raw: 'D50.9' }),
      diagnosis({ record_id: 'future', contact_date: '2026-03-11' }),
      diagnosis({ record_id: 'early', contact_date: '2024-11-24' }),
      diagnosis({ record_id: 'spelling', kind: null, kind_raw: 'henv_diagnose' }),
      diagnosis({ record_id: 'dmdc1', journal_system: 'DMDC', sor_code: clinicB, kind: null, kind_raw: null }),
      diagnosis({ record_id: 'dmdc2', journal_system: 'DMDC', sor_code: clinicB, kind: null, kind_raw: null }),
      diagnosis({ record_id: 'nowhere', sor_code: '99999999999999' }),
    ]);
    const run = await runChecks(conn, { runId: 'r1', batchId: 'b1', checks, now });
    const f = await findings();
    const byId = (id: string) => f.filter((x) => x.check_id === id).map((x) => x.record_key);
    expect(byId('diagnoser.sks_format')).toEqual(['NOVAX:bad_code']);
    expect(byId('diagnoser.code_ambiguous')).toEqual(['NOVAX:ambiguous']);
    expect(byId('diagnoser.contact_date_future')).toEqual(['NOVAX:future']);
    expect(byId('diagnoser.contact_date_before_enrolment')).toEqual(['NOVAX:early']);
    expect(byId('diagnoser.kind_spelling')).toEqual(['NOVAX:spelling']);
    expect(byId('diagnoser.clinic_registered')).toEqual(['NOVAX:nowhere']);
    const bad = f.find((x) => x.check_id === 'diagnoser.sks_format')!;
    expect(bad).toMatchObject({ severity: 'error', column_name: 'code', source_file: 'novax/novax_diagnoser_2026-03.csv', reason: 'the diagnosis code is not an SKS code' });
    expect(f.find((x) => x.check_id === 'diagnoser.kind_spelling')!.severity).toBe('warn');

    const fmt = national(run.results, 'diagnoser.sks_format');
    expect(fmt).toMatchObject({ numerator: 1, denominator: 11, outcome: 'failed', threshold: 'at most 0 failing' });
    expect(fmt.percent).toBeCloseTo(9.0909, 3);
    expect(run.results.find((r) => r.checkId === 'diagnoser.sks_format' && r.scopeLevel === 'system' && r.scopeValue === 'NOVAX')).toMatchObject({ numerator: 1, denominator: 9 });
    expect(run.results.find((r) => r.checkId === 'diagnoser.sks_format' && r.scopeLevel === 'clinic')).toMatchObject({ scopeValue: clinicA, numerator: 1 });
    expect(national(run.results, 'diagnoser.kind_spelling').outcome).toBe('warned');
    expect(national(run.results, 'diagnoser.code_present').outcome).toBe('passed');
    // One bad row in eleven is a row problem, not a broken delivery: nothing is held back.
    expect(national(run.results, 'diagnoser.sks_format_systemic').outcome).toBe('passed');
    expect(run.heldBackKinds).toEqual([]);
  });

  it('names the journal systems that deliver no A/B marking', async () => {
    await insertRows(conn, 'work.diagnoser', [
      diagnosis(), diagnosis({ kind: null, kind_raw: null }),
      diagnosis({ journal_system: 'DMDC', sor_code: clinicB, kind: null, kind_raw: null }),
      diagnosis({ journal_system: 'XMedicus', sor_code: clinicB, kind: null, kind_raw: null }),
    ]);
    const run = await runChecks(conn, { runId: 'r1', batchId: 'b1', checks, now });
    const ab = national(run.results, 'diagnoser.ab_marking_by_system');
    expect(ab.outcome).toBe('warned');
    expect(ab.message).toBe('journal systems deliver no A/B marking (DMDC, XMedicus)');
    expect(run.results.filter((r) => r.checkId === 'diagnoser.ab_marking_by_system' && r.outcome === 'warned' && r.scopeLevel === 'system').map((r) => r.scopeValue)).toEqual(['DMDC', 'XMedicus']);
    expect(run.results.find((r) => r.checkId === 'diagnoser.ab_marking_by_system' && r.scopeValue === 'NOVAX')).toMatchObject({ numerator: 1, denominator: 2, percent: 50, outcome: 'passed' });
  });

  it('holds back a kind when an aggregate error check fails, and says so', async () => {
    await insertRows(conn, 'work.diagnoser', [diagnosis(), diagnosis({ code: 'H35.3' }), diagnosis({ code: 'ukendt' })]);
    const run = await runChecks(conn, { runId: 'r1', batchId: 'b1', checks, now });
    expect(national(run.results, 'diagnoser.sks_format_systemic')).toMatchObject({ outcome: 'failed', numerator: 2, denominator: 3, checkScope: 'aggregate' });
    expect(run.heldBackKinds).toEqual(['diagnoser']);
    // The aggregate check's rows are findings for the report, not row quarantine.
    const f = await findings();
    expect(f.filter((x) => x.check_id === 'diagnoser.sks_format_systemic').every((x) => x.severity === 'warn')).toBe(true);
  });

  it('finds an epikrise with no diagnosis for that patient at that clinic, in this run or published', async () => {
    await insertRows(conn, 'core.diagnoser', [diagnosis({ patient: 'Ppublished1', row_id: null } as never)].map(({ row_id: _r, unresolved_reason: _u, ...r }) => r));
    await insertRows(conn, 'work.diagnoser', [diagnosis({ patient: 'Pthisrun01' })]);
    await insertRows(conn, 'work.epikriser', [
      epikrise({ record_id: 'e_pub', patient: 'Ppublished1' }),
      epikrise({ record_id: 'e_run', patient: 'Pthisrun01' }),
      epikrise({ record_id: 'e_other_clinic', patient: 'Pthisrun01', sor_code: clinicB }),
      epikrise({ record_id: 'e_none', patient: 'Pnobody0001' }),
    ]);
    await runChecks(conn, { runId: 'r1', batchId: 'b1', checks, now });
    const f = (await findings()).filter((x) => x.check_id === 'epikriser.diagnosis_for_patient').map((x) => x.record_key);
    expect(f).toEqual(['NOVAX:e_none', 'NOVAX:e_other_clinic']);
  });

  it('unique on key + content: a re-send of a published record fails, a correction passes', async () => {
    // The nightly pipeline finds duplicates itself (pipeline.duplicate); this is the
    // declarative unique type, as a user would declare it for another key.
    const dir = await mkdtemp(join(tmpdir(), 'fangst-unique-'));
    await writeFile(join(dir, 'd.yaml'), [
      '- id: diagnoser.resent',
      '  kind: diagnoser',
      '  category: conformance',
      '  type: unique',
      '  columns: [record_key, content_hash]',
      '  include_core: true',
      '  severity: error',
      '  reason: the record is an exact duplicate',
    ].join('\n'));
    const published = diagnosis({ record_id: 'same', content_hash: 'abc' });
    const { row_id: _r, unresolved_reason: _u, ...core } = published;
    await insertRows(conn, 'core.diagnoser', [core]);
    await insertRows(conn, 'work.diagnoser', [
      diagnosis({ record_id: 'same', content_hash: 'abc', source_file: 'novax/novax_diagnoser_2026-04.csv' }),
      diagnosis({ record_id: 'fixed', content_hash: 'new' }),
      diagnosis({ record_id: 'twice', content_hash: 'tw', source_line: 3 }),
      diagnosis({ record_id: 'twice', content_hash: 'tw', source_line: 4 }),
    ]);
    await insertRows(conn, 'core.diagnoser', [{ ...core, record_key: 'NOVAX:fixed', record_id: 'fixed', content_hash: 'old' }]);
    await runChecks(conn, { runId: 'r1', batchId: 'b1', checks: await loadChecks(dir), now });
    const f = (await findings()).filter((x) => x.check_id === 'diagnoser.resent');
    // Within the run the last copy is kept (as the pipeline keeps it): the earlier line fails.
    expect(f.map((x) => [x.record_key, x.source_file, x.source_line])).toEqual([
      ['NOVAX:same', 'novax/novax_diagnoser_2026-04.csv', expect.any(Number)],
      ['NOVAX:twice', 'novax/novax_diagnoser_2026-03.csv', 3],
    ]);
  });

  it('measures freshness from the newest date not in the future, over published and new rows', async () => {
    const { row_id: _r, unresolved_reason: _u, ...old } = diagnosis({ contact_date: '2026-02-01' });
    await insertRows(conn, 'core.diagnoser', [old]);
    await insertRows(conn, 'work.diagnoser', [diagnosis({ contact_date: '2061-01-01' })]);
    const stale = await runChecks(conn, { runId: 'r1', batchId: 'b1', checks: checks.filter((c) => c.id === 'diagnoser.freshness'), now });
    // 2026-02-01 00:00 to 2026-03-10 03:00 Danish time: 37 days and 3 hours.
    expect(stale.results[0]).toMatchObject({ outcome: 'warned', numerator: 37 * 24 + 3, denominator: 14 * 24, message: 'the newest diagnosis is older than two weeks: newest 2026-02-01' });
    await insertRows(conn, 'work.diagnoser', [diagnosis({ contact_date: '2026-03-09' })]);
    const fresh = await runChecks(conn, { runId: 'r2', batchId: 'b2', checks: checks.filter((c) => c.id === 'diagnoser.freshness'), now });
    expect(fresh.results[0]).toMatchObject({ outcome: 'passed', numerator: 27 });
  });

  it('reports a kind with no rows this run as not evaluated', async () => {
    const run = await runChecks(conn, { runId: 'r1', batchId: 'b1', checks, now });
    expect(national(run.results, 'notater.note_time_future')).toMatchObject({ outcome: 'not_evaluated', numerator: 0, denominator: 0 });
    expect(national(run.results, 'diagnoser.volume')).toMatchObject({ outcome: 'warned', numerator: 0 });
    expect(national(run.results, 'diagnoser.sks_exists').outcome).toBe('not_evaluated');
  });
});
