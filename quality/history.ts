// Appends a run's results to the quality history (db/schema/003_quality.sql).
// Append-only: rows are added, never updated or removed (quality.runs' alert
// count is filled in once the anomalies of the same run are known).
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import { kindSpec } from '../config/kinds.ts';
import { queryRows, sqlString } from '../transforms/db/connection.ts';
import { dataKinds, type DataKind } from './definitions.ts';
import type { CheckResult } from './definitions.ts';

const sqlDir = join(dirname(fileURLToPath(import.meta.url)), 'sql');

/** Reads quality/sql/<name>.sql and fills its {{placeholders}} (values already SQL). */
export async function sqlFile(name: string, values: Record<string, string>): Promise<string> {
  const text = await readFile(join(sqlDir, `${name}.sql`), 'utf8');
  return text.replace(/\{\{(\w+)\}\}/g, (_, k: string) => {
    const v = values[k];
    if (v === undefined) throw new Error(`no value for {{${k}}} in quality/sql/${name}.sql`);
    return v;
  });
}

/** A timestamp's UTC hour (the timestamp itself before 1970). */
const utcHour = (t: string) => `case when ${t} >= TIMESTAMPTZ '1970-01-01 00:00:00+00' then to_timestamp((epoch_us(${t}) // 3600000000) * 3600) else ${t} end`;
const danishDay = (t: string) => `cast(timezone('Europe/Copenhagen', ${t}) as date)`;

/**
 * The data day of a row of a kind, a Danish local date: `slot` is what rows of one day
 * share and `day` turns a slot (as `slot`) into the day. Converting a timestamp to Danish time
 * is costly, so rows are counted per UTC hour and only each distinct hour is converted: Danish
 * time has been UTC+1 or UTC+2 since long before 1970, switching on the hour, so an hour lies
 * in one Danish day.
 */
export function dataDay(kind: DataKind): { slot: string; day: string } {
  const { column, type } = kindSpec(kind).dated;
  return type === 'date' ? { slot: column, day: 'slot' } : { slot: utcHour(column), day: danishDay('slot') };
}

export interface HistoryEntry {
  readonly runId: string;
  readonly batchId: string;
  readonly now: Date;
  readonly results: readonly CheckResult[];
  readonly checks: number;
  readonly heldBackKinds: readonly string[];
}

export async function appendHistory(conn: DuckDBConnection, e: HistoryEntry): Promise<void> {
  const runAt = `TIMESTAMPTZ '${e.now.toISOString()}'`;
  await appendResults(conn, e, runAt);
  const tables = new Set((await queryRows<{ t: string }>(conn, `select table_name as t from information_schema.tables where table_schema = 'work'`)).map((r) => r.t));
  for (const kind of dataKinds) {
    if (!tables.has(kind)) continue;
    const sql = await sqlFile('volume_history', {
      ...dataDay(kind),
      work: `work.${kind}`,
      // Both come from the pipeline's own models; lab-quality's evaluation has neither.
      repeats: tables.has('pipeline_findings') ? 'work.pipeline_findings' : '(select null::varchar as kind, null::varchar as record_key, null::varchar as source_file, null::bigint as source_line, null::varchar as check_id limit 0)',
      published: tables.has('published_matches') ? 'work.published_matches' : '(select null::varchar as kind, null::varchar as record_key limit 0)',
      run_id: sqlString(e.runId),
      run_at: runAt,
      kind: sqlString(kind),
    });
    // each clinic's first day (db/schema/009) from this run's days alone, not from the history
    await conn.run(`create or replace temp table _q_volume as ${sql};
      insert into quality.volume_history select * from _q_volume;
      insert into quality.volume_first_days select kind, sor_code, min(day) from _q_volume group by kind, sor_code
        on conflict do update set first_day = least(first_day, excluded.first_day);
      drop table _q_volume`);
  }
  const [errors] = await queryRows<{ n: number }>(
    conn,
    `select count(*)::double as n from (select distinct kind, record_key, source_file, source_line from quality.row_findings where run_id = ${sqlString(e.runId)} and severity = 'error')`,
  );
  const held = e.heldBackKinds.length ? `[${e.heldBackKinds.map(sqlString).join(', ')}]` : `[]::varchar[]`;
  await conn.run(
    `insert into quality.runs values (${sqlString(e.runId)}, ${sqlString(e.batchId)}, ${runAt}, ${e.checks}, ${held}, ${errors?.n ?? 0}, 0)`,
  );
}

async function appendResults(conn: DuckDBConnection, e: HistoryEntry, runAt: string): Promise<void> {
  await conn.run(`create or replace temp table _q_results (
    check_id varchar, kind varchar, check_type varchar, category varchar, check_scope varchar, severity varchar,
    scope_level varchar, scope_value varchar, numerator double, denominator double, percent double,
    outcome varchar, threshold varchar, message varchar)`);
  const app = await conn.createAppender('_q_results', 'main', 'temp');
  for (const r of e.results) {
    for (const v of [r.checkId, r.kind, r.type, r.category, r.checkScope, r.severity, r.scopeLevel, r.scopeValue]) text(app, v);
    for (const v of [r.numerator, r.denominator, r.percent]) (v == null ? app.appendNull() : app.appendDouble(v));
    for (const v of [r.outcome, r.threshold, r.message]) text(app, v);
    app.endRow();
  }
  app.closeSync();
  await conn.run(`insert into quality.check_results
select ${sqlString(e.runId)}, ${sqlString(e.batchId)}, ${runAt}, check_id, kind, check_type, category, check_scope, severity,
       scope_level, scope_value, numerator, denominator, percent, outcome, threshold, message
from _q_results`);
  await conn.run('drop table _q_results');
}

function text(app: { appendNull(): void; appendVarchar(v: string): void }, v: string | null): void {
  if (v == null) app.appendNull();
  else app.appendVarchar(v);
}
