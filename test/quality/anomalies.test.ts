import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { openDatabase, queryRows, type Database } from '../../transforms/db/connection.ts';
import { mad, median, robustZ } from '../../quality/anomalies.ts';
import { loadChecks, runChecks, type CheckDefinition } from '../../quality/engine.ts';
import { clinicA, clinicB, createWorkTables, diagnosis, dropWorkTables, insertClinics, insertRows } from '../helpers/quality-fixtures.ts';

let db: Database;
let conn: DuckDBConnection;
let checks: CheckDefinition[];
beforeEach(async () => {
  db = await openDatabase(':memory:');
  conn = await db.connect();
  await insertClinics(conn);
  checks = (await loadChecks()).filter((c) => c.id === 'diagnoser.sks_format');
});
afterEach(() => db.close());

function day(i: number): string {
  const d = new Date(Date.UTC(2026, 0, 5 + i));
  return d.toISOString().slice(0, 10);
}

/** One night: the deliveries for data day `i`, checked the next morning. */
async function night(i: number, perClinic: Record<string, number>, badCodes = 0) {
  await dropWorkTables(conn);
  await createWorkTables(conn);
  const rows = Object.entries(perClinic).flatMap(([sor, n]) =>
    Array.from({ length: n }, (_, k) => diagnosis({ sor_code: sor, contact_date: day(i), code: k < badCodes && sor === clinicA ? 'XH353' : 'DH353', run_id: `n${i}` })),
  );
  if (rows.length) await insertRows(conn, 'work.diagnoser', rows);
  return runChecks(conn, { runId: `n${i}`, batchId: `b${i}`, checks, now: new Date(`${day(i + 1)}T02:00:00Z`) });
}

describe('robust statistics', () => {
  it('median and MAD ignore a single outlier', () => {
    expect(median([1, 2, 3, 100])).toBe(2.5);
    expect(mad([10, 11, 9, 10, 500])).toBe(1);
    expect(robustZ(0, [10, 11, 9, 10, 12], 1)).toBeCloseTo(-10 / 1.4826, 4);
  });
});

describe('anomalies over a sequence of nightly runs', () => {
  it('alerts when a clinic that delivered every day falls silent, and not before there is history', async () => {
    const alertsByNight: string[][] = [];
    for (let i = 0; i < 17; i++) {
      const silent = i >= 12 && i <= 15;
      const run = await night(i, { [clinicA]: 10 + (i % 3), ...(silent ? {} : { [clinicB]: 6 + (i % 2) }) });
      alertsByNight.push(run.alerts.map((a) => `${a.type}:${a.scopeValue}:${a.day}`));
    }
    // One or two silent days can happen by chance (the chance of a silent day is at least
    // 0.5/(n+1) with n days of history); the third makes the streak improbable enough (< 1e-4).
    expect(alertsByNight.slice(0, 14).flat()).toEqual([]);
    expect(alertsByNight[14]).toEqual([`clinic_silent:${clinicB}:${day(12)}`]);
    const [stored] = await queryRows<{ message: string; baseline_median: number }>(conn, `select message, baseline_median from quality.alerts order by day limit 1`);
    expect(stored!.message).toBe(`clinic ${clinicB} (NOVAX) delivered no diagnoser from ${day(12)} to ${day(14)}; it usually delivers 6.5 a day`);
    // Still silent the next night: a new alert for that night only.
    expect(alertsByNight[15]).toEqual([`clinic_silent:${clinicB}:${day(15)}`]);
    // Back to normal: the silent days stayed out of the baseline, so no "spike" alert.
    expect(alertsByNight[16]).toEqual([]);
  });

  it('knows each clinic\'s first data day from the runs that delivered it: a late run with an older day moves it back, a later day does not', async () => {
    const firstDays = async () => Object.fromEntries((await queryRows<{ sor_code: string; first_day: string }>(conn,
      `select sor_code, first_day::varchar as first_day from quality.volume_first_days where kind = 'diagnoser'`)).map((r) => [r.sor_code, r.first_day]));
    await night(5, { [clinicA]: 4 });
    await night(6, { [clinicA]: 4, [clinicB]: 2 });
    expect(await firstDays()).toEqual({ [clinicA]: day(5), [clinicB]: day(6) });
    await night(2, { [clinicB]: 1 });
    await night(7, { [clinicA]: 4, [clinicB]: 2 });
    expect(await firstDays()).toEqual({ [clinicA]: day(5), [clinicB]: day(2) });
    // what the history itself says
    expect(await firstDays()).toEqual(Object.fromEntries((await queryRows<{ sor_code: string; first_day: string }>(conn,
      `select sor_code, min(day)::varchar as first_day from quality.volume_history where kind = 'diagnoser' group by sor_code`)).map((r) => [r.sor_code, r.first_day])));
  });

  it('alerts when a check\'s failure rate jumps, and keeps the jump out of later baselines', async () => {
    const alerts: string[][] = [];
    for (let i = 0; i < 12; i++) {
      const bad = i === 9 || i === 10 ? 4 : i % 4 === 0 ? 1 : 0;
      const run = await night(i, { [clinicA]: 20, [clinicB]: 20 }, bad);
      alerts.push(run.alerts.filter((a) => a.type === 'failure_rate').map((a) => `${a.checkId}:${a.scopeLevel}:${a.scopeValue ?? ''}`));
    }
    expect(alerts.slice(0, 9).flat()).toEqual([]);
    expect(alerts[9]).toEqual(['diagnoser.sks_format:national:', 'diagnoser.sks_format:system:NOVAX']);
    // Night 10 fails as badly: still an anomaly, because night 9 is not part of its baseline.
    expect(alerts[10]).toEqual(alerts[9]);
    expect(alerts[11]).toEqual([]);
    const history = await queryRows<{ runs: number }>(conn, `select count(distinct run_id)::integer as runs from quality.check_results where check_id = 'diagnoser.sks_format'`);
    expect(history[0]!.runs).toBe(12);
  });

  it('alerts when a journal system starts sending a new spelling of the diagnosis kind', async () => {
    const spelling = (await loadChecks()).filter((c) => c.id === 'diagnoser.kind_spelling');
    const alerts: string[][] = [];
    for (let i = 0; i < 10; i++) {
      await dropWorkTables(conn);
      await createWorkTables(conn);
      await insertRows(conn, 'work.diagnoser', [
        ...Array.from({ length: 20 }, (_, k) => diagnosis({ contact_date: day(i), ...(i === 9 && k < 6 ? { kind: null, kind_raw: 'aktionsdiag.' } : {}) })),
        ...Array.from({ length: 20 }, () => diagnosis({ journal_system: 'DMDC', sor_code: clinicB, contact_date: day(i), kind: null, kind_raw: null })),
      ]);
      const run = await runChecks(conn, { runId: `s${i}`, batchId: `b${i}`, checks: spelling, now: new Date(`${day(i + 1)}T02:00:00Z`) });
      alerts.push(run.alerts.filter((a) => a.type === 'failure_rate').map((a) => a.message));
    }
    expect(alerts.slice(0, 9).flat()).toEqual([]);
    expect(alerts[9]).toEqual([
      'diagnoser.kind_spelling fails 15% of rows nationally; usually 0% (robust z 6.1)',
      'diagnoser.kind_spelling fails 30% of rows for NOVAX; usually 0% (robust z 6.2)',
    ]);
  });

  it('finds a week-long gap inside one backfill run and reports it as one alert', async () => {
    await createWorkTables(conn);
    const rows = [];
    for (let i = 0; i < 40; i++) {
      rows.push(...Array.from({ length: 9 }, () => diagnosis({ sor_code: clinicA, contact_date: day(i) })));
      if (i < 25 || i >= 32) rows.push(...Array.from({ length: 5 }, () => diagnosis({ sor_code: clinicB, contact_date: day(i) })));
    }
    await insertRows(conn, 'work.diagnoser', rows);
    const run = await runChecks(conn, { runId: 'backfill', batchId: 'b', checks, now: new Date('2026-03-01T02:00:00Z') });
    expect(run.alerts.map((a) => [a.type, a.scopeValue, a.day, a.dayTo])).toEqual([['clinic_silent', clinicB, day(25), day(31)]]);
  });
});
