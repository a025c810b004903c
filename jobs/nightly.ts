import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { DuckDBConnection } from '@duckdb/node-api';
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import { ConfigError, databaseOptions, KINDS, loadConfig, type PipelineConfig } from '../config/load.ts';
import { openDatabase, queryRows, sqlString, type Database } from '../transforms/db/connection.ts';
import type { Insertable } from 'kysely';
import { metaDb } from '../transforms/db/kysely.ts';
import { lastRowIds } from '../transforms/db/row-ids.ts';
import type { MetaTables } from '../transforms/db/meta-tables.ts';
import { discoverInbox, type InboxEntry } from '../transforms/ingest/discover.ts';
import { planRuns } from '../transforms/ingest/plan-runs.ts';
import { hashFile } from '../transforms/ingest/hash.ts';
import { writeReferenceTables } from '../transforms/reference/layouts.ts';
import { loadCatalogue } from '../transforms/reference/npu-catalogue.ts';
import { loadSpecialties, writeSpecialtyTable, type Specialty } from '../transforms/reference/specialties.ts';
import { stageAll } from '../transforms/ingest/stage-all.ts';
import { createStagingTables, replaceWithView, deliveryTarget, registerTarget, stageFile, stageFiles, type StageResult } from '../transforms/ingest/stage.ts';
import { reach } from './crashpoints.ts';
import { createLogger } from './log.ts';
import { fileProgress } from './progress.ts';
import { combineRuns, formatSummary, type RunSummary } from './summary.ts';
import { acceptRun } from '../transforms/publish/accept.ts';
import { probeOutbox, publishBatch, publishPending } from '../transforms/publish/batch.ts';
import { loadChecks, runChecks, type CheckDefinition } from '../quality/engine.ts';
import { loadMacros } from '../transforms/macros.ts';
import { dropRunScratch, runLayer } from '../transforms/run.ts';
import { acquireRunLock, RunLocked } from './run-lock.ts';
import { EXIT } from './exit-codes.ts';

export interface NightlyOptions {
  readonly config?: string;
  readonly inbox?: string;
  readonly outbox?: string;
  readonly db?: string;
  readonly reports?: string;
  readonly format?: 'parquet' | 'arrow';
  /** Overrides run_input_budget: a size ("512MB") or "none". */
  readonly runBudget?: string;
  /** Overrides memory_limit ("4GB"). */
  readonly memoryLimit?: string;
  /** For tests and replays: the time the run pretends it is. */
  readonly now?: Date;
  readonly logger?: Logger;
}

export interface NightlyResult {
  readonly exitCode: number;
  /** The job as a whole: the one run, or the runs of a large inbox added up. */
  readonly summary: RunSummary;
  /** Each run of the job, in order (one, unless the inbox was larger than the run budget). */
  readonly runs: readonly RunSummary[];
}

/** One hashed inbox file and what this run does with it. */
interface Candidate {
  readonly entry: InboxEntry & { role: 'delivery' | 'register' };
  readonly hash: string;
}

function newId(prefix: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${prefix}${stamp}-${randomBytes(3).toString('hex')}`;
}

/**
 * The nightly job: new inbox files into DuckDB exactly once, the SQL transforms,
 * the checks, one transaction that quarantines or accepts every row, then the
 * batch published to the outbox.
 */
export async function runNightly(opts: NightlyOptions = {}): Promise<NightlyResult> {
  const log = opts.logger ?? createLogger();
  const config = await loadConfig(opts.config, { inbox: opts.inbox, outbox: opts.outbox, database: opts.db, reports: opts.reports, runInputBudget: opts.runBudget, memoryLimit: opts.memoryLimit });
  const checks = await loadChecks();
  const specialties = await loadSpecialties();
  const now = opts.now ?? new Date();
  // One run at a time (jobs/run-lock.ts): a second one gets RunLocked, a killed run's lock is taken over.
  const lock = await acquireRunLock(config.database, 'nightly');
  if (lock.tookOver) log.warn({ stale: lock.tookOver }, 'took over the run lock of a run that is no longer running');
  reach('after-lock');
  const db = await openDatabase(config.database, databaseOptions(config))
    .catch(async (err: unknown) => { await lock.release(); throw err; });
  try {
    const conn = await db.connect();
    await loadMacros(conn);
    // We hold the lock, so a run still marked 'running' was killed; its uncommitted work is already rolled back.
    await conn.run(`update meta.runs set status = 'crashed', message = 'the process ended before the run finished' where status = 'running'`);
    // Fail before anything is committed when the outbox cannot take a batch (README, "What fangst guarantees").
    await probeOutbox(config.outbox);
    const recovered = await publishPending(conn, { outbox: config.outbox, arrow: opts.format === 'arrow', reach });
    for (const b of recovered) {
      log.warn({ batch: b }, 'published a batch that an interrupted run had committed');
      // The interrupted run never wrote its quality reports: write them now, under its own run id.
      const [owner] = await queryRows<{ run_id: string }>(conn, `select run_id from quality.runs where batch_id = ${sqlString(b)} limit 1`);
      if (owner) {
        await writeRunReports(conn, config.reports, owner.run_id);
        log.info({ batch: b, report: join(config.reports, owner.run_id) }, 'wrote the quality reports of the interrupted run');
      }
    }
    const ctx = { now, log, checks, specialties, arrow: opts.format === 'arrow' };
    const firstRunId = newId('r', now);
    const found = await findNewFiles(conn, config, { runId: firstRunId, now, log });
    // A backfill's inbox is loaded as consecutive runs of a bounded size (ingest/plan-runs.ts):
    // each is a night of its own, committed and published before the next one starts.
    const chunks = planRuns(found.candidates.map((c) => ({ ...c, file: c.entry.file, bytes: c.entry.bytes, isRegister: c.entry.role === 'register' })), config.runInputBudget);
    if (chunks.length > 1) log.info({ runs: chunks.length, files: found.candidates.length, budget_bytes: config.runInputBudget }, 'inbox larger than the run budget: loading it as consecutive runs');
    const runs: RunSummary[] = [];
    let exitCode: number = EXIT.ok;
    for (const [i, chunk] of (chunks.length ? chunks : [[]]).entries()) {
      const runId = i === 0 ? firstRunId : newId('r', now);
      const summary = await oneRun(db, conn, config, chunk, i === 0 ? found.skipped : [], { ...ctx, runId, batchId: newId('b', now) });
      if (summary.heldBack.length > 0) exitCode = EXIT.heldBack;
      runs.push(summary);
      if (chunks.length > 1) log.info({ run: i + 1, of: chunks.length, run_id: runId, rows: summary.totals.read }, `run ${i + 1} of ${chunks.length} done`);
    }
    return { exitCode, summary: runs.length === 1 ? runs[0]! : combineRuns(runs), runs };
  } finally {
    db.close();
    await lock.release();
  }
}

/** One run: its row in meta.runs, the load, its quality reports. */
async function oneRun(db: Database, conn: DuckDBConnection, config: PipelineConfig, candidates: Candidate[], skipped: RunSummary['skipped'], ctx: RunContext): Promise<RunSummary> {
  const meta = metaDb(conn);
  const { runId } = ctx;
  await meta.insertInto('meta.runs').values({
    run_id: runId, job: 'nightly', started_at: ctx.now.toISOString(), finished_at: null, status: 'running', batch_id: null,
    exit_code: null, rows_read: null, rows_published: null, rows_quarantined: null, rows_rejected: null, message: null,
  }).execute();
  try {
    const summary = await load(db, conn, config, candidates, skipped, ctx);
    reach('after-publish');
    if (summary.batchId) summary.report = await writeRunReports(conn, config.reports, runId);
    // Nothing reads this run's scratch any more; the next run of a backfill needs the memory.
    await dropRunScratch(conn);
    await meta.updateTable('meta.runs').set({
      finished_at: new Date().toISOString(), status: 'succeeded', exit_code: summary.heldBack.length > 0 ? EXIT.heldBack : EXIT.ok,
      batch_id: summary.batchId, rows_read: summary.totals.read, rows_published: summary.totals.published,
      rows_quarantined: summary.totals.quarantined, rows_rejected: summary.totals.rejected,
    }).where('run_id', '=', runId).execute();
    return summary;
  } catch (err) {
    await meta.updateTable('meta.runs').set({
      finished_at: new Date().toISOString(), status: 'failed', exit_code: EXIT.failed, message: (err as Error).message.slice(0, 2000),
    }).where('run_id', '=', runId).execute();
    throw err;
  }
}

/**
 * A run's two quality reports in <reports>/<run-id>/: the operators' one, and one to share
 * (no identifiers, counts 1-4 suppressed). Returns the operators' HTML file.
 */
async function writeRunReports(conn: DuckDBConnection, reports: string, runId: string): Promise<string> {
  // Loaded here: ECharts costs start-up time, and most runs that fail or find nothing never need it.
  const { writeQualityReports } = await import('../quality/reports/run/write.ts');
  const written = await writeQualityReports(conn, { outDir: join(reports, runId), runId });
  return written.html;
}

/**
 * The lab layer (transforms/lab/) reads this run's lab results against the NPU catalogue
 * so the lab checks (config/checks/lab-quality.yaml) judge them as `fangst lab-quality`
 * does. A file's delivery time is its modification time: the layouts carry none.
 */
async function runLabLayer(conn: DuckDBConnection, candidates: readonly Candidate[], now: Date, log: Logger): Promise<void> {
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

/** Logs how long each step of the run took: where a slow night went. */
function stepTimer(log: Logger) {
  let last = performance.now();
  return (step: string, fields: Record<string, unknown> = {}) => {
    const now = performance.now();
    log.info({ step, ms: Math.round(now - last), ...fields }, `step ${step} done`);
    last = now;
  };
}

interface RunContext {
  readonly runId: string;
  readonly batchId: string;
  readonly now: Date;
  readonly log: Logger;
  readonly checks: readonly CheckDefinition[];
  readonly specialties: readonly Specialty[];
  readonly arrow: boolean;
}

/**
 * Lists and hashes the inbox and decides, per file, whether it is new: the ledger is keyed on
 * content, so a file delivered again (under any name) is skipped. The skipped ones are noted
 * under the first run's id.
 */
async function findNewFiles(conn: DuckDBConnection, config: PipelineConfig, ctx: { runId: string; now: Date; log: Logger }): Promise<{ candidates: Candidate[]; skipped: RunSummary['skipped'] }> {
  const { runId, log } = ctx;
  const meta = metaDb(conn);
  const seenAt = ctx.now.toISOString();
  const step = stepTimer(log);
  const entries = await discoverInbox(config);
  const limit = pLimit(config.fileConcurrency);

  // Hash everything first: the ledger is keyed on content, not on names.
  const hashed = await Promise.all(
    entries.map((e) => limit(async () => ({ entry: e, ...(e.role === 'unrecognised' ? { hash: null } : await hashOrError(e.path)) }))),
  );
  reach('after-hashing');
  step('hash', { files: hashed.length });
  const known = new Set(
    (await meta.selectFrom('meta.files').select('file_hash').where('status', '=', 'loaded').execute()).map((r) => r.file_hash),
  );
  const candidates: Candidate[] = [];
  const thisRun = new Map<string, string>();
  const skipped: RunSummary['skipped'] = [];
  for (const { entry, hash, error } of hashed) {
    if (entry.role === 'unrecognised' || hash === null) {
      const reason = entry.role === 'unrecognised' ? entry.reason : error ?? 'not hashed';
      // An unreadable file is not entered in the ledger: the next run tries it again.
      skipped.push({ file: entry.file, outcome: entry.role === 'unrecognised' ? 'unrecognised' : 'unreadable', detail: reason });
      log.warn({ file: entry.file, reason }, 'file not loaded');
      continue;
    }
    if (known.has(hash)) {
      skipped.push({ file: entry.file, outcome: 'already_loaded', detail: 'same content already loaded' });
      log.debug({ file: entry.file, sha256: hash.slice(0, 12) }, 'already loaded, skipped');
      continue;
    }
    const first = thisRun.get(hash);
    if (first !== undefined) {
      skipped.push({ file: entry.file, outcome: 'duplicate_in_run', detail: `same content as ${first}` });
      log.info({ file: entry.file, same_as: first }, 'same content delivered twice in this run, loaded once');
      continue;
    }
    thisRun.set(hash, entry.file);
    candidates.push({ entry: entry as Candidate['entry'], hash });
  }
  const already = skipped.filter((x) => x.outcome === 'already_loaded').length;
  if (already) log.info({ files: already }, 'files already loaded (same content), skipped');
  if (skipped.length) {
    // One statement: a row per file and an autocommit each costs seconds on a full inbox.
    const hashOf = new Map(hashed.map((h) => [h.entry.file, h.hash]));
    await meta.insertInto('meta.file_sightings').values(skipped.map((x) => ({
      run_id: runId, file_name: x.file, file_hash: hashOf.get(x.file) ?? null,
      outcome: x.outcome === 'unreadable' ? 'failed' as const : x.outcome, detail: x.detail, seen_at: seenAt,
    }))).execute();
  }
  return { candidates, skipped };
}

async function load(db: Database, conn: DuckDBConnection, config: PipelineConfig, candidates: Candidate[], skipped: RunSummary['skipped'], ctx: RunContext): Promise<RunSummary> {
  const { runId, batchId, log } = ctx;
  const meta = metaDb(conn);
  const step = stepTimer(log);
  const summary: RunSummary = {
    runId, batchId: null, report: null, files: [], skipped, heldBack: [], alerts: [],
    totals: { read: 0, published: 0, quarantined: 0, rejected: 0 }, byKind: [],
  };
  if (candidates.length === 0) {
    log.info('nothing new in the inbox');
    return summary;
  }

  // Stage: registers first, then deliveries, a bounded number of files at once,
  // each on its own connection so DuckDB can read them in parallel.
  // Rejects of a run that never committed its batch (killed or failed while staging); a committed
  // batch keeps its rejects even when its run failed afterwards (e.g. while publishing).
  await conn.run(`delete from meta.rejects where batch_id is null or batch_id not in (select batch_id from meta.batches)`);
  await createStagingTables(conn, ['register', ...KINDS]);
  await writeReferenceTables(conn, config);
  await writeSpecialtyTable(conn, ctx.specialties);
  await loadCatalogue(conn, config);
  const progress = fileProgress(candidates.reduce((s, c) => s + c.entry.bytes, 0), candidates.length);
  const staged = new Map<string, StageResult>();
  let seq = 0;
  const targetOf = (c: Candidate) => (c.entry.role === 'register' ? registerTarget(config.register) : deliveryTarget(c.entry.delivery));
  const contextOf = (c: Candidate) => ({
    runId, batchId, fileHash: c.hash, file: c.entry.file, path: c.entry.path, timeZone: config.timeZone, seq: seq++,
    seen: { bytes: c.entry.bytes, mtimeMs: c.entry.mtimeMs },
  });
  const recordStaged = (c: Candidate, result: StageResult) => {
    staged.set(c.hash, result);
    reach('mid-staging');
    progress.advance(c.entry.bytes, c.entry.file);
    if (result.fileError) log.error({ file: c.entry.file, reason: result.fileError }, 'file rejected');
    for (const w of result.warnings) log.warn({ file: c.entry.file }, w);
  };
  const stageOne = async (c: Candidate, worker: DuckDBConnection) => recordStaged(c, await stageFile(worker, targetOf(c), contextOf(c)));
  // Files of one layout are staged together (one read for the clean ones: stageFiles).
  const batch = {
    layoutOf: (c: Candidate) => (c.entry.role === 'delivery' ? `${c.entry.delivery.system}/${c.entry.delivery.kind}/${c.entry.delivery.files}` : null),
    bytesOf: (c: Candidate) => c.entry.bytes * (c.entry.path.endsWith('.gz') ? 5 : 1),
    stage: async (cs: Candidate[], worker: DuckDBConnection) => {
      const results = await stageFiles(worker, targetOf(cs[0]!), cs.map(contextOf));
      cs.forEach((c, i) => recordStaged(c, results[i]!));
    },
  };
  await stageAll(db, candidates, { concurrency: config.fileConcurrency, isRegister: (c) => c.entry.role === 'register', batch }, stageOne);
  progress.stop();
  step('stage', { files: candidates.length });
  reach('after-staging');

  // One transaction from here: transforms, checks, quarantine, merge, ledger.
  await conn.run(`set variable run_id = ${sqlString(runId)}; set variable batch_id = ${sqlString(batchId)}`);
  await conn.run('begin transaction');
  try {
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
    reach('after-transforms');
    await conn.run(`insert into quality.row_findings
      select getvariable('run_id'), kind, record_key, source_file, source_line, check_id, severity, column_name, reason
      from work.pipeline_findings`);
    const quality = await runChecks(conn, { runId, batchId, checks: ctx.checks, now: ctx.now, sksFile: config.reference.sksFile, logger: log });
    step('checks', { checks: ctx.checks.length });
    const heldBack = new Map<string, { checkIds: string[]; reasons: string[] }>();
    for (const kind of quality.heldBackKinds) {
      const failed = quality.results.filter((r) => r.kind === kind && r.scopeLevel === 'national' && r.checkScope === 'aggregate'
        && r.severity === 'error' && r.outcome !== 'passed');
      heldBack.set(kind, { checkIds: failed.map((r) => r.checkId), reasons: failed.map((r) => r.message ?? r.checkId) });
      summary.heldBack.push({ kind, checks: failed.map((r) => r.checkId) });
      log.error({ kind, checks: failed.map((r) => r.checkId) }, 'data kind held back by a failed aggregate check');
    }
    summary.alerts.push(...quality.alerts.map((a) => ({ message: a.message })));
    const tails = await tableTails(conn);
    await acceptRun(conn, { runId, batchId, heldBack });
    step('accept');
    const files = await recordLedger(conn, candidates, staged, tails, ctx);
    const broken = files.filter((f) => f.read !== f.published + f.quarantined + f.rejected);
    if (broken.length) {
      const f = broken[0]!;
      throw new Error(`row accounting does not add up for ${f.file}: read ${f.read}, published ${f.published}, quarantined ${f.quarantined}, rejected ${f.rejected}`);
    }
    await meta.insertInto('meta.batches').values({
      batch_id: batchId, run_id: runId, created_at: ctx.now.toISOString(), status: 'committed', published_at: null, outbox_path: null,
    }).execute();
    reach('before-commit');
    await conn.run('commit');
    step('commit');
    summary.files.push(...files);
  } catch (err) {
    await conn.run('rollback');
    throw err;
  }

  reach('after-commit');
  await publishBatch(conn, { batchId, outbox: config.outbox, arrow: ctx.arrow, reach });
  step('publish');
  summary.batchId = batchId;
  for (const f of summary.files) {
    if (f.kind === 'register') continue; // reference data, reported on its own line
    summary.totals.read += f.read;
    summary.totals.published += f.published;
    summary.totals.quarantined += f.quarantined;
    summary.totals.rejected += f.rejected;
  }
  summary.byKind.push(...(await queryRows<RunSummary['byKind'][number]>(conn, `
    select kind, sum(rows_read)::bigint as read, sum(rows_published)::bigint as published,
      sum(rows_quarantined)::bigint as quarantined, sum(rows_rejected)::bigint as rejected
    from meta.files where run_id = ${sqlString(runId)} and kind <> 'register' group by kind order by kind`)).map((r) => ({
    kind: r.kind, read: Number(r.read), published: Number(r.published), quarantined: Number(r.quarantined), rejected: Number(r.rejected),
  })));
  return summary;
}

/** sha256 of an inbox file, or why it could not be read (permissions, vanished, I/O error). */
async function hashOrError(path: string): Promise<{ hash: string | null; error?: string }> {
  try {
    return { hash: await hashFile(path) };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { hash: null, error: `file could not be read: ${e.code ?? e.message}` };
  }
}

/** The last row id of each table the run appends to, before it appends (-1: empty). */
function tableTails(conn: DuckDBConnection): Promise<Record<string, bigint>> {
  return lastRowIds(conn, 'core', [...KINDS, 'quarantine']);
}

/** Writes each file's row accounting into the ledger (inside the run's transaction). */
async function recordLedger(conn: DuckDBConnection, candidates: Candidate[], staged: Map<string, StageResult>, tails: Record<string, bigint>, ctx: RunContext): Promise<RunSummary['files']> {
  const meta = metaDb(conn);
  const run = sqlString(ctx.runId);
  // This run's rows are the ones appended after the tails: a row-id range skips the history's
  // row groups, where a run id (8-byte string statistics) would read the run_id of every row.
  const mine = (table: string) => `rowid > ${tails[table]} and run_id = ${run}`;
  const counts = new Map(
    (await queryRows<{ file_hash: string; published: bigint; quarantined: bigint; rejected: bigint }>(conn, `
      with published as (
          select file_hash, count(*) as n from (
              ${KINDS.map((k) => `select file_hash from core.${k} where ${mine(k)}`).join('\n              union all ')}
          ) group by file_hash
      ),
      quarantined as (
          select file_hash, count(*) as n from core.quarantine where ${mine('quarantine')} group by file_hash
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
  const files: RunSummary['files'] = [];
  // Collected and inserted with one statement each: a statement per file cost ~4 ms of CPU each on a full inbox.
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
    sightings.push({ ...sighting, outcome: 'loaded', detail: null });
    ledger.push({
      file_hash: c.hash, file_name: c.entry.file, journal_system: row.system, kind, bytes: c.entry.bytes, run_id: ctx.runId,
      batch_id: ctx.batchId, loaded_at: ctx.now.toISOString(), rows_read: row.read, rows_published: row.published,
      rows_quarantined: row.quarantined, rows_rejected: row.rejected, status: 'loaded', error: null,
    });
  }
  if (sightings.length) await meta.insertInto('meta.file_sightings').values(sightings).execute();
  if (ledger.length) await meta.insertInto('meta.files').values(ledger).execute();
  return files;
}

export function register(program: Command, setExit: (code: number) => void): void {
  program
    .command('nightly')
    .description('load new inbox files, transform, check and publish a batch')
    .option('--config <file>', 'pipeline configuration', 'config/pipeline.yaml')
    .option('--inbox <dir>', 'inbox folder (default: from the configuration)')
    .option('--outbox <dir>', 'outbox folder (default: from the configuration)')
    .option('--db <file>', 'DuckDB file (default: from the configuration)')
    .option('--reports <dir>', 'folder for the quality reports (default: from the configuration)')
    .option('--format <format>', 'extra output format besides Parquet: arrow')
    .option('--run-budget <size>', 'input bytes per run (e.g. 512MB) when a large inbox loads as several runs; "none" for one run (default: run_input_budget)')
    .option('--memory-limit <size>', "DuckDB's memory limit, e.g. 4GB (default: memory_limit)")
    .action(async (o: { config: string; inbox?: string; outbox?: string; db?: string; reports?: string; format?: string; runBudget?: string; memoryLimit?: string }) => {
      const log = createLogger();
      try {
        if (o.format !== undefined && o.format !== 'arrow' && o.format !== 'parquet') {
          throw new ConfigError('(command line)', '--format', o.format, 'parquet or arrow');
        }
        const { exitCode, summary } = await runNightly({ ...o, format: o.format as 'arrow' | undefined, logger: log });
        process.stdout.write(formatSummary(summary));
        setExit(exitCode);
      } catch (err) {
        // The one line a person needs, whatever the log level.
        process.stderr.write(`fangst nightly: ${(err as Error).message}\n`);
        if (err instanceof ConfigError) {
          setExit(EXIT.config);
        } else if (err instanceof RunLocked) {
          setExit(EXIT.locked);
        } else {
          log.error({ err }, 'nightly run failed');
          setExit(EXIT.failed);
        }
      }
    });
}
