import { stat } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows, sqlString } from './db/connection.ts';
import type { Candidate } from './ingest/find-new.ts';
import { FHIR_RESULT_COLUMNS } from './ingest/fhir.ts';
import { readTimesSql } from './ingest/time-formats.ts';
import { replaceWithView, STAGED_FILES, utcFormat, type StageResult } from './ingest/stage.ts';
import type { RunContext } from './run-context.ts';
import { stepTimer } from './run-context.ts';
import { runLayer, scratchTable } from './run.ts';

/**
 * A run's SQL layers: staging, core (work.* candidates and the pipeline's own findings) and the
 * lab layer, every model a temporary table of the connection.
 *
 * Run before the run's transaction begins, writing no rows to the database file (only the
 * views that read the temporary tables); what they found goes in with recordTransformResults,
 * inside the transaction. Why: DuckDB scans a table created inside an open transaction (its
 * transaction-local storage) on one thread only, so every check, and accept's insert into core,
 * read the run's rows single-threaded when the models were built inside the transaction.
 */
export async function transformRun(
  conn: DuckDBConnection, candidates: readonly Candidate[], staged: ReadonlyMap<string, StageResult>, ctx: RunContext,
): Promise<void> {
  const { log } = ctx;
  const step = stepTimer(log, ctx.steps);
  await runLayer(conn, 'staging', { logger: log });
  step('transform staging');
  // The core models resolve clinics against the register this run delivers, which replaces
  // ref.clinics only when the run commits (recordTransformResults).
  await conn.run(`set variable register_delivered = ${registerDelivered(candidates, staged)}`);
  await runLayer(conn, 'core', { logger: log });
  await runLabLayer(conn, candidates, ctx.now, log);
  step('transform core');
  ctx.reach('after-transforms');
}

/**
 * What the transforms found, into the database inside the run's transaction: the parse rejects
 * into meta.rejects, a delivered clinic register into ref.clinics, the pipeline's own findings
 * into quality.row_findings.
 */
export async function recordTransformResults(
  conn: DuckDBConnection, candidates: readonly Candidate[], staged: ReadonlyMap<string, StageResult>,
): Promise<void> {
  await recordParseRejects(conn);
  if (registerDelivered(candidates, staged)) await replaceClinics(conn);
  await recordPipelineFindings(conn);
}

/** The reason of a local time that is in its layout's format but names no instant (ingest/local-time.ts). */
const SKIPPED_HOUR = 'not a valid time: the clocks skip this hour when summer time begins in the time zone it is read in';

/**
 * The rows of this run that could not be parsed (staging.parse_rejects), into meta.rejects. A
 * local time that failed although it is in its layout's format is one the clocks skip: it gets
 * that reason instead of "expected the format". Told apart here, per layout, because DuckDB's
 * strptime takes a constant format only.
 */
export async function recordParseRejects(conn: DuckDBConnection): Promise<void> {
  const layouts = await queryRows<{ journal_system: string; kind: string; timestamps: string }>(conn,
    `select distinct journal_system, kind, timestamps from ref.layouts where timestamps is not null and timestamps not like '%\%z%' escape '\'`);
  const inFormat = layouts.filter((l) => !utcFormat(l.timestamps)).map((l) => {
    const read = readTimesSql('trim(p.raw_value)', l.timestamps);
    return `(f.journal_system = ${sqlString(l.journal_system)} and p.kind = ${sqlString(l.kind)} and ${read} is not null${l.timestamps.includes('%Y') ? ` and year(${read}) >= 1000` : ''})`;
  });
  const reason = inFormat.length === 0 ? 'p.reason'
    : `case when starts_with(p.reason, 'not a valid time: expected the format') and (${inFormat.join(' or ')}) then ${sqlString(SKIPPED_HOUR)} else p.reason end`;
  await conn.run(`insert into meta.rejects select getvariable('run_id'), getvariable('batch_id'), p.file_hash, p.source_file,
    p.source_line, p.column_name, ${reason}, p.raw_value
    from staging.parse_rejects as p
    left join (select distinct file_hash, journal_system from ${STAGED_FILES}) as f using (file_hash)`);
}

/** The clinic register this run delivered (staging.stg_clinics), in place of ref.clinics. */
export async function replaceClinics(conn: DuckDBConnection): Promise<void> {
  await conn.run(`delete from ref.clinics; insert into ref.clinics by name select * from staging.stg_clinics`);
}

/**
 * The pipeline's own findings (work.pipeline_findings) into quality.row_findings. Without a
 * register to resolve clinics against (`fangst lab-quality` may have none), a clinic that does not
 * resolve is no finding. A record that names no clinic at all (neither SOR code nor ydernummer)
 * in a file whose other records name one is one all the same: no register could place it. A file
 * that names none in any record (FHIR Observations without a performer; a mapping's `clinic:
 * none` gives a stand-in) is an extract without clinics, which the report says.
 */
export async function recordPipelineFindings(conn: DuckDBConnection, opts: { registerGiven: boolean } = { registerGiven: true }): Promise<void> {
  const unresolved = `check_id = 'pipeline.clinic_unresolved'`;
  await conn.run(`insert into quality.row_findings
    select getvariable('run_id'), kind, record_key, source_file, source_line, check_id, severity, column_name, reason
    from work.pipeline_findings
    where ${opts.registerGiven ? 'true' : `not (${unresolved}) or (reason = ${sqlString(NO_CLINIC)} and source_file in (
      select source_file from work.pipeline_findings where ${unresolved} and reason <> ${sqlString(NO_CLINIC)}))`}`);
}

/** core/clinic_keys.sql's reason for a record without SOR code and ydernummer. */
const NO_CLINIC = 'neither SOR code nor ydernummer given';

/** True when the run delivers a clinic register that could be read. */
function registerDelivered(candidates: readonly Candidate[], staged: ReadonlyMap<string, StageResult>): boolean {
  return candidates.some((c) => c.entry.role === 'register' && !staged.get(c.hash)?.fileError);
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
  await replaceWithView(conn, 'lab.inputs', scratchTable('lab', 'inputs'));
  // what FHIR results carry besides the staging columns: none here, the nightly reads no FHIR
  await conn.run(`create or replace temp table lab__fhir_results (${FHIR_RESULT_COLUMNS})`);
  await replaceWithView(conn, 'lab.fhir_results', scratchTable('lab', 'fhir_results'));
  await conn.run(`set variable lab_now = '${now.toISOString()}'::timestamptz`);
  await runLayer(conn, 'lab', { scratch: true, logger: log });
}
