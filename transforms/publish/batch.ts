import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { isKind, KINDS, kindSpec } from '../../config/kinds.ts';
import { makeFolders } from '../../config/folders.ts';
import { queryRows, sqlString } from '../db/connection.ts';
import { hashFile } from '../ingest/hash.ts';

/** Bumped whenever a published column changes meaning or type. */
export const SCHEMA_VERSION = 1;

export interface OutputFile {
  readonly file: string;
  readonly kind: string;
  readonly feed: string | null;
  readonly rows: number;
  readonly sha256: string;
}

export interface Manifest {
  readonly batch_id: string;
  readonly run_id: string;
  /** ISO 8601 in UTC, as published_at (2026-12-07T01:32:40.240Z) */
  readonly created_at: string;
  readonly published_at: string;
  readonly schema_version: number;
  readonly sources: ReadonlyArray<Record<string, unknown>>;
  readonly outputs: readonly OutputFile[];
  readonly totals: { read: number; published: number; quarantined: number; rejected: number };
  /**
   * A batch of rows released after a hold (`fangst release`): it reads no file, so its sources
   * are empty and its totals move rows, published +n and quarantined -n (read 0), so that the
   * totals of every manifest add up to what is published and quarantined now; this says whose
   * rows it publishes, from which files, and why.
   */
  readonly release?: {
    /** The run that held the rows back, and the batch whose quarantine.parquet lists them (released.parquet names them). */
    readonly run_id: string; readonly held_batch_id: string | null; readonly kind: string; readonly released_by: string; readonly reason: string;
    readonly held_checks: string[]; readonly rows: number;
    readonly sources: ReadonlyArray<{ file: string; sha256: string; rows: number }>;
  };
}

/** The steps of a publish at which a caller may be told it got there (the crash tests kill the process there). */
export type PublishPoint = 'mid-publish' | 'before-rename' | 'after-rename' | 'after-success';

export interface PublishOptions {
  readonly batchId: string;
  readonly outbox: string;
  readonly arrow?: boolean;
  /** Called at each PublishPoint. */
  readonly reach?: (point: PublishPoint) => void;
  /**
   * Runs once the folder is complete (`_SUCCESS`) and before the batch is marked published:
   * the nightly writes the run's quality report here, so a batch marked published has its
   * report, and one not yet marked gets it from the run that publishes it.
   */
  readonly beforeMarked?: (batchId: string) => Promise<void>;
}

/**
 * Writes outbox/<batch-id>/ from the committed batch: one Parquet file per kind,
 * the quarantined and rejected rows with their reasons (no free text, no raw
 * values), and manifest.json. Everything is written into a hidden temporary
 * folder, renamed into place, and `_SUCCESS` is written last: a folder without it
 * is never complete. Safe to call again after a crash.
 */
export async function publishBatch(conn: DuckDBConnection, opts: PublishOptions): Promise<Manifest> {
  const final = join(opts.outbox, opts.batchId);
  const tmp = join(opts.outbox, `.tmp-${opts.batchId}`);
  await makeFolders(opts.outbox);
  await rm(tmp, { recursive: true, force: true });
  if (existsSync(join(final, '_SUCCESS'))) {
    // A crash after `_SUCCESS` but before the ledger noted it: the folder is complete.
    await opts.beforeMarked?.(opts.batchId);
    await markPublished(conn, opts.batchId, final);
    return JSON.parse(await readFile(join(final, 'manifest.json'), 'utf8')) as Manifest;
  }
  await rm(final, { recursive: true, force: true });
  try {
    return await writeBatch(conn, opts, tmp, final);
  } catch (err) {
    // A full or failing disk: leave no half folder behind. The batch stays 'committed'
    // in meta.batches and the next run publishes it first (publishPending).
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
    if (!existsSync(join(final, '_SUCCESS'))) await rm(final, { recursive: true, force: true }).catch(() => {});
    const e = err as NodeJS.ErrnoException;
    throw Object.assign(new Error(`publishing batch ${opts.batchId} to ${opts.outbox} failed: ${e.message}; `
      + 'the batch stays committed and the next run publishes it'), { code: e.code, cause: err });
  }
}

async function writeBatch(conn: DuckDBConnection, opts: PublishOptions, tmp: string, final: string): Promise<Manifest> {
  const batch = sqlString(opts.batchId);
  await mkdir(tmp, { recursive: true });

  const outputs: OutputFile[] = [];
  const write = async (file: string, kind: string, sql: string) => {
    const path = join(tmp, file);
    // COPY answers with the number of rows it wrote: no second scan of core to count them.
    const copied = await conn.runAndReadAll(`copy (${sql}) to ${sqlString(path)} (format parquet, compression zstd)`);
    const rows = Number(copied.getRows()[0]?.[0] ?? Number.NaN);
    if (!Number.isInteger(rows)) throw new Error(`copy to ${path} did not report how many rows it wrote`);
    outputs.push({ file, kind, feed: isKind(kind) ? kindSpec(kind).feed : null, rows, sha256: await hashFile(path) });
    opts.reach?.('mid-publish');
  };
  for (const kind of KINDS) {
    const sql = `select * exclude (content_hash, key_hash, batch_at) from core.${kind} where ${await batchRows(conn, kind, opts.batchId)} order by record_key`;
    await write(`${kind}.parquet`, kind, sql);
    if (opts.arrow) {
      // Loaded only when asked for: apache-arrow is slow to load and most nights never need it.
      const { writeArrowFile } = await import('./arrow.ts');
      const file = `${kind}.arrow`;
      const rows = await writeArrowFile(conn, sql, join(tmp, file));
      outputs.push({ file, kind, feed: kindSpec(kind).feed, rows, sha256: await hashFile(join(tmp, file)) });
    }
  }
  // Held-back rows are published by where they came from and why, never by what they hold; a
  // record id, file name, header or reason may quote an identifier as delivered: masked.
  // Every text through one use of cpr_mask (a list of lists): DuckDB binds the macro's patterns
  // at each use, and in each lambda, whatever the rows.
  await write('quarantine.parquet', 'quarantine',
    `select kind, m[1][1] as record_key, m[1][2] as source_file, source_line, check_ids, m[2] as reasons, m[3] as column_names
     from (select *, list_transform([[record_key, source_file], reasons, column_names], lambda l: list_transform(l, lambda v: cpr_mask(v))) as m
       from core.quarantine where batch_id = ${batch})
     order by kind, source_file, source_line`);
  // A release batch names the rows it publishes as its held batch's quarantine.parquet does, so
  // that a reader of the Parquet files alone can leave them out of what is still quarantined
  // (a published batch is never rewritten).
  const release = await releaseOf(conn, opts.batchId);
  if (release) {
    await write('released.parquet', 'released',
      `select ${sqlString(release.held_batch_id ?? '')} as held_batch_id, '${release.kind}' as kind, m[1] as record_key, m[2] as source_file, source_line
       from (select *, list_transform([record_key, source_file], lambda v: cpr_mask(v)) as m
         from core.${release.kind} where ${await batchRows(conn, release.kind, opts.batchId)})
       order by source_file, source_line`);
  }
  // A file that could not be read at all is a reject of its own, without a line: `whole_file`
  // tells it from a rejected row, so that the rows of rejects.parquet that are rows add up to
  // the totals' rejected. Its texts are masked through one use of cpr_mask, as above.
  await write('rejects.parquet', 'rejects',
    `select m[1] as source_file, source_line, m[2] as column_name, m[3] as reason, source_line is null as whole_file
     from (select *, list_transform([source_file, column_name, reason], lambda v: cpr_mask(v)) as m
       from meta.rejects where batch_id = ${batch})
     order by source_file, source_line nulls first, column_name`);

  const [b] = await queryRows<{ run_id: string; created_at: string }>(conn,
    `select run_id, strftime(created_at at time zone 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') as created_at from meta.batches where batch_id = ${batch}`);
  const sources = await queryRows<Record<string, unknown>>(conn, `select cpr_mask(file_name) as file, file_hash as sha256, journal_system,
      kind, bytes, rows_read, rows_published, rows_quarantined, rows_rejected
    from meta.files where batch_id = ${batch} order by file_name`);
  // the register is reference data: its rows are in `sources`, not in the totals, as in the run summary (totalsOf)
  const sum = (k: string) => sources.reduce((s, r) => s + (r.kind === 'register' ? 0 : Number(r[k] ?? 0)), 0);
  const manifest: Manifest = {
    batch_id: opts.batchId,
    run_id: b?.run_id ?? '',
    created_at: b?.created_at ?? '',
    published_at: new Date().toISOString(),
    schema_version: SCHEMA_VERSION,
    sources: sources.map((s) => ({ ...s, bytes: Number(s.bytes), rows_read: Number(s.rows_read),
      rows_published: Number(s.rows_published), rows_quarantined: Number(s.rows_quarantined), rows_rejected: Number(s.rows_rejected) })),
    outputs,
    totals: release
      ? { read: 0, published: release.rows, quarantined: -release.rows, rejected: 0 }
      : { read: sum('rows_read'), published: sum('rows_published'), quarantined: sum('rows_quarantined'), rejected: sum('rows_rejected') },
    ...(release ? { release } : {}),
  };
  await writeFile(join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  opts.reach?.('before-rename');
  await rename(tmp, final);
  opts.reach?.('after-rename');
  await writeFile(join(final, '_SUCCESS'), '');
  opts.reach?.('after-success');
  await opts.beforeMarked?.(opts.batchId);
  await markPublished(conn, opts.batchId, final);
  return manifest;
}

/** What a release batch publishes (meta.releases), per source file; null for a batch of a nightly run. */
async function releaseOf(conn: DuckDBConnection, batchId: string): Promise<Manifest['release'] | null> {
  const batch = sqlString(batchId);
  const [r] = await queryRows<{ run_id: string; held_batch_id: string | null; kind: string; released_by: string; reason: string; held_checks: string[]; rows: bigint }>(conn,
    `select r.run_id, b.batch_id as held_batch_id, r.kind, r.released_by, r.reason, r.held_checks, r.rows_released as rows
     from meta.releases as r left join meta.batches as b on b.run_id = r.run_id where r.batch_id = ${batch}`);
  if (!r) return null;
  const sources = await queryRows<{ file: string; sha256: string; rows: bigint }>(conn,
    `select cpr_mask(source_file) as file, file_hash as sha256, count(*) as rows from core.${r.kind}
     where batch_id = ${batch} group by all order by file`);
  return {
    run_id: r.run_id, held_batch_id: r.held_batch_id, kind: r.kind, released_by: r.released_by, reason: r.reason, held_checks: r.held_checks, rows: Number(r.rows),
    sources: sources.map((s) => ({ ...s, rows: Number(s.rows) })),
  };
}

/**
 * The condition that picks a batch's rows out of core.<kind>: its id and its time (batch_at), by
 * which DuckDB skips the row groups of every earlier batch (macros/batch_at.sql), so a night
 * need not read a column of every row ever published. Rows published before core had batch_at
 * (db/schema/007) have none: the time is used only when it finds as many of the batch's rows as
 * the ledger says the batch published; otherwise the condition is the batch id alone.
 */
export async function batchRows(conn: DuckDBConnection, kind: string, batchId: string): Promise<string> {
  const batch = sqlString(batchId);
  const byId = `batch_id = ${batch}`;
  const [t] = await queryRows<{ published: bigint | null }>(conn,
    `select sum(rows_published)::bigint as published from meta.files where batch_id = ${batch} and kind = ${sqlString(kind)}`);
  if (t?.published == null || Number(t.published) <= 0) return byId;
  const byTime = `${byId} and batch_at = batch_at(${batch})`;
  const [c] = await queryRows<{ n: bigint }>(conn, `select count(*) as n from core.${kind} where ${byTime}`);
  return Number(c?.n) === Number(t.published) ? byTime : byId;
}

async function markPublished(conn: DuckDBConnection, batchId: string, path: string): Promise<void> {
  await conn.run(`update meta.batches set status = 'published', published_at = current_timestamp, outbox_path = ${sqlString(path)}
    where batch_id = ${sqlString(batchId)}`);
}

/**
 * Fails early, before a run stages or commits anything, when the outbox cannot
 * take a batch (missing rights, read-only, a file where the folder should be); also
 * for the reports folder (`what`), which the run writes after its commit.
 */
export async function probeOutbox(outbox: string, what = 'outbox'): Promise<void> {
  const probe = join(outbox, `.probe-${process.pid}-${randomBytes(3).toString('hex')}`);
  try {
    await makeFolders(outbox);
    await writeFile(probe, 'fangst');
    await rm(probe, { force: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(`${what} is not writable: ${outbox}: ${e.code ?? e.message}; nothing was loaded, the next run tries again`);
  }
}

/** Publishes batches a crashed run committed but never published. */
export async function publishPending(conn: DuckDBConnection, opts: Omit<PublishOptions, 'batchId'>): Promise<string[]> {
  const pending = await queryRows<{ batch_id: string }>(conn, `select batch_id from meta.batches where status = 'committed' order by batch_id`);
  for (const p of pending) await publishBatch(conn, { ...opts, batchId: p.batch_id });
  return pending.map((p) => p.batch_id);
}
