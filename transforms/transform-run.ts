import { stat } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from './db/connection.ts';
import type { Candidate } from './ingest/find-new.ts';
import { replaceWithView, type StageResult } from './ingest/stage.ts';
import type { RunContext } from './run-context.ts';
import { stepTimer } from './run-context.ts';
import { runLayer } from './run.ts';

/**
 * A run's SQL layers, inside its transaction: staging (its parse rejects into meta.rejects, a
 * delivered clinic register into ref.clinics), core (work.* candidates and the pipeline's own
 * findings into quality.row_findings) and the lab layer.
 */
export async function transformRun(
  conn: DuckDBConnection, candidates: readonly Candidate[], staged: ReadonlyMap<string, StageResult>, ctx: RunContext,
): Promise<void> {
  const { log } = ctx;
  const step = stepTimer(log, ctx.steps);
  await runLayer(conn, 'staging', { logger: log });
  step('transform staging');
  await conn.run(`insert into meta.rejects select getvariable('run_id'), getvariable('batch_id'), file_hash, source_file,
    source_line, column_name, reason, raw_value from staging.parse_rejects`);
  if (candidates.some((c) => c.entry.role === 'register' && !staged.get(c.hash)?.fileError)) {
    await conn.run(`delete from ref.clinics; insert into ref.clinics by name select * from staging.stg_clinics`);
  }
  await runLayer(conn, 'core', { logger: log });
  await runLabLayer(conn, candidates, ctx.now, log);
  step('transform core');
  ctx.reach('after-transforms');
  await conn.run(`insert into quality.row_findings
    select getvariable('run_id'), kind, record_key, source_file, source_line, check_id, severity, column_name, reason
    from work.pipeline_findings`);
}

/**
 * The lab layer (transforms/lab/) reads this run's lab results against the NPU catalogue
 * so the lab checks (config/checks/lab-quality.yaml) judge them as `fangst lab-quality`
 * does. A file's delivery time is its modification time: the layouts carry none.
 */
async function runLabLayer(conn: DuckDBConnection, candidates: readonly Candidate[], now: Date, log: RunContext['log']): Promise<void> {
  const rows = await Promise.all(candidates.map(async (c) => {
    const mtime = (await stat(c.entry.path)).mtime.toISOString();
    const system = c.entry.role === 'delivery' ? sqlString(c.entry.delivery.system) : 'null';
    const layout = c.entry.role === 'delivery' ? sqlString(c.entry.delivery.sourceFile) : `'register'`;
    return `(${sqlString(c.hash)}, ${sqlString(c.entry.file)}, '${c.entry.role}', ${system}, ${layout}, ${c.entry.bytes}, '${mtime}'::timestamptz)`;
  }));
  await conn.run(`create schema if not exists lab;
    create or replace temp table lab__inputs (file_hash varchar, source_file varchar, role varchar,
      journal_system varchar, layout varchar, bytes bigint, delivered_at timestamptz)`);
  if (rows.length) await conn.run(`insert into lab__inputs values ${rows.join(', ')}`);
  await replaceWithView(conn, 'lab.inputs', 'temp.main.lab__inputs');
  await conn.run(`set variable lab_now = '${now.toISOString()}'::timestamptz`);
  await runLayer(conn, 'lab', { scratch: true, logger: log });
}
