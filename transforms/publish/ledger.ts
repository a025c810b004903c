import type { DuckDBConnection } from '@duckdb/node-api';
import type { Insertable } from 'kysely';
import { KINDS } from '../../config/load.ts';
import { queryRows, sqlString } from '../db/connection.ts';
import { metaDb } from '../db/kysely.ts';
import type { MetaTables } from '../db/meta-tables.ts';
import { lastRowIds } from '../db/row-ids.ts';
import type { Candidate } from '../ingest/find-new.ts';
import type { StageResult } from '../ingest/stage.ts';
import type { RunContext } from '../run-context.ts';

/** One file's row accounting: read = published + quarantined + rejected. */
export interface FileAccount {
  file: string; kind: string; system: string | null;
  read: number; published: number; quarantined: number; rejected: number; error: string | null;
}

/** Rows of one data kind in one run. */
export interface KindAccount { kind: string; read: number; published: number; quarantined: number; rejected: number }

/** The last row id of core.quarantine before the run appends to it (-1: empty): the run's quarantined rows follow it. */
export async function quarantineTail(conn: DuckDBConnection): Promise<bigint> {
  return (await lastRowIds(conn, 'core', ['quarantine'])).quarantine!;
}

/**
 * Writes each file's row accounting into the ledger (inside the run's transaction) and fails
 * the run, before it commits, when a file's rows do not add up.
 */
export async function recordLedger(
  conn: DuckDBConnection, candidates: readonly Candidate[], staged: ReadonlyMap<string, StageResult>,
  quarantineTail: bigint, ctx: Pick<RunContext, 'runId' | 'batchId' | 'now'>,
): Promise<FileAccount[]> {
  const meta = metaDb(conn);
  const run = sqlString(ctx.runId);
  // This run's published rows are its batch's: batch_at lets DuckDB skip the row groups of every
  // earlier batch (macros/batch_at.sql), where a run id (8-byte string statistics) or a row-id
  // range would read a column of every row. Its quarantined ones are the rows appended after the
  // tail (core.quarantine is small).
  const inBatch = `batch_at = batch_at(${sqlString(ctx.batchId)}) and run_id = ${run}`;
  const counts = new Map(
    (await queryRows<{ file_hash: string; published: bigint; quarantined: bigint; rejected: bigint }>(conn, `
      with published as (
          select file_hash, count(*) as n from (
              ${KINDS.map((k) => `select file_hash from core.${k} where ${inBatch}`).join('\n              union all ')}
          ) group by file_hash
      ),
      quarantined as (
          select file_hash, count(*) as n from core.quarantine where rowid > ${quarantineTail} and run_id = ${run} group by file_hash
      ),
      rejected as (
          -- A whole-file reject (no line) is reported as the file's error, not counted as a row.
          select file_hash, count(distinct source_line) as n from meta.rejects where run_id = ${run} group by file_hash
      ),
      registered as (
          select file_hash, count(*) as n from staging.stg_clinics group by file_hash
      )
      select f.file_hash,
          coalesce(p.n, 0) + coalesce(g.n, 0) as published, coalesce(q.n, 0) as quarantined, coalesce(r.n, 0) as rejected
      from (select distinct file_hash from meta.rejects where run_id = ${run}
            union select file_hash from published union select file_hash from quarantined union select file_hash from registered) as f
      left join published as p using (file_hash)
      left join quarantined as q using (file_hash)
      left join rejected as r using (file_hash)
      left join registered as g using (file_hash)`)).map((r) => [r.file_hash, r]),
  );
  const files: FileAccount[] = [];
  // Collected and inserted with one statement each: a statement per file costs an autocommit each.
  const sightings: Insertable<MetaTables['meta.file_sightings']>[] = [];
  const ledger: Insertable<MetaTables['meta.files']>[] = [];
  for (const c of candidates) {
    const s = staged.get(c.hash)!;
    const n = counts.get(c.hash);
    const kind = c.entry.role === 'register' ? 'register' : c.entry.delivery.kind;
    const row = {
      file: c.entry.file, kind, system: c.entry.role === 'register' ? null : c.entry.delivery.system,
      read: s.rowsRead, published: Number(n?.published ?? 0), quarantined: Number(n?.quarantined ?? 0), rejected: Number(n?.rejected ?? 0),
      error: s.fileError ?? null,
    };
    files.push(row);
    const sighting = { run_id: ctx.runId, file_name: c.entry.file, file_hash: c.hash, seen_at: ctx.now.toISOString() };
    if (s.fileError) {
      // A file that could not be read is not entered in the ledger: once fixed (or
      // once the layout is fixed) the same content loads on the next run.
      sightings.push({ ...sighting, outcome: 'failed', detail: s.fileError });
      continue;
    }
    // how the file was read, where staging had something to say (read as Windows-1252, as UTF-8, line by line, ...)
    sightings.push({ ...sighting, outcome: 'loaded', detail: s.warnings.length ? s.warnings.join('; ') : null });
    ledger.push({
      file_hash: c.hash, file_name: c.entry.file, journal_system: row.system, kind, bytes: c.entry.bytes, run_id: ctx.runId,
      batch_id: ctx.batchId, loaded_at: ctx.now.toISOString(), rows_read: row.read, rows_published: row.published,
      rows_quarantined: row.quarantined, rows_rejected: row.rejected, status: 'loaded', error: null, content_hash: c.content,
    });
  }
  const f = files.find((x) => x.read !== x.published + x.quarantined + x.rejected);
  if (f) {
    throw new Error(`row accounting does not add up for ${f.file}: read ${f.read}, published ${f.published}, quarantined ${f.quarantined}, rejected ${f.rejected}`);
  }
  if (sightings.length) await meta.insertInto('meta.file_sightings').values(sightings).execute();
  if (ledger.length) await meta.insertInto('meta.files').values(ledger).execute();
  return files;
}

/**
 * When every file of a run failed as a whole, each exactly as the same content failed in an
 * earlier run (same reason), the run has nothing new: its failures are recorded as sightings
 * (each error saying since when), its rejects taken back, and no batch is made. A failed file is
 * tried again every night, so that it loads once it or the configuration is fixed; otherwise
 * each of those nights would publish an empty batch holding the same reject. Returns the files'
 * accounts, or null when the run has something new (a row, or a failure not seen before).
 */
export async function repeatedFailuresOnly(
  conn: DuckDBConnection, candidates: readonly Candidate[], staged: ReadonlyMap<string, StageResult>, ctx: Pick<RunContext, 'runId' | 'now'>,
): Promise<FileAccount[] | null> {
  if (candidates.length === 0 || candidates.some((c) => !staged.get(c.hash)?.fileError)) return null;
  const before = await queryRows<{ file_hash: string; detail: string; run_id: string }>(conn, `
    select file_hash, detail, min(run_id) as run_id from meta.file_sightings
    where outcome = 'failed' and run_id <> ${sqlString(ctx.runId)} and file_hash in (${candidates.map((c) => sqlString(c.hash)).join(', ')})
    group by all`);
  const since = new Map(before.map((b) => [`${b.file_hash}\u0000${b.detail}`, b.run_id]));
  const firstRun = (c: Candidate) => since.get(`${c.hash}\u0000${staged.get(c.hash)!.fileError}`);
  if (candidates.some((c) => firstRun(c) === undefined)) return null;
  await conn.run(`delete from meta.rejects where run_id = ${sqlString(ctx.runId)}`);
  await metaDb(conn).insertInto('meta.file_sightings').values(candidates.map((c) => ({
    run_id: ctx.runId, file_name: c.entry.file, file_hash: c.hash, seen_at: ctx.now.toISOString(), outcome: 'failed' as const,
    detail: staged.get(c.hash)!.fileError!,
  }))).execute();
  return candidates.map((c) => ({
    file: c.entry.file, kind: c.entry.role === 'register' ? 'register' : c.entry.delivery.kind,
    system: c.entry.role === 'register' ? null : c.entry.delivery.system, read: 0, published: 0, quarantined: 0, rejected: 0,
    error: `${staged.get(c.hash)!.fileError} (failed the same way since run ${firstRun(c)})`,
  }));
}

/** A run's rows per data kind, from its ledger (the clinic register left out: it is reference data). */
export async function ledgerByKind(conn: DuckDBConnection, runId: string): Promise<KindAccount[]> {
  const rows = await queryRows<{ kind: string; read: bigint; published: bigint; quarantined: bigint; rejected: bigint }>(conn, `
    select kind, sum(rows_read)::bigint as read, sum(rows_published)::bigint as published,
      sum(rows_quarantined)::bigint as quarantined, sum(rows_rejected)::bigint as rejected
    from meta.files where run_id = ${sqlString(runId)} and kind <> 'register' group by kind order by kind`);
  return rows.map((r) => ({
    kind: r.kind, read: Number(r.read), published: Number(r.published), quarantined: Number(r.quarantined), rejected: Number(r.rejected),
  }));
}
