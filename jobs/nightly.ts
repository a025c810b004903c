import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from 'pino';
import { NotFound, UsageError } from '../config/errors.ts';
import { databaseOptions, loadConfig, type PipelineConfig } from '../config/load.ts';
import { queryRows, sqlString, type Database } from '../transforms/db/connection.ts';
import { metaDb } from '../transforms/db/kysely.ts';
import { newId, recordRunFailure, recordRunStart, recordRunSuccess } from '../transforms/db/runs.ts';
import { findNewFiles, type Candidate } from '../transforms/ingest/find-new.ts';
import { planRuns } from '../transforms/ingest/plan-runs.ts';
import { stageRun } from '../transforms/ingest/stage-run.ts';
import { loadMacros } from '../transforms/macros.ts';
import { acceptRun } from '../transforms/publish/accept.ts';
import { probeOutbox, publishBatch, publishPending } from '../transforms/publish/batch.ts';
import { ledgerByKind, quarantineTail, recordLedger, repeatedFailuresOnly } from '../transforms/publish/ledger.ts';
import { heldRowCounts } from '../transforms/publish/release.ts';
import { loadSpecialties, type Specialty } from '../transforms/reference/specialties.ts';
import { stepTimer, type RunContext, type StepTime } from '../transforms/run-context.ts';
import { dropRunScratch } from '../transforms/run.ts';
import { recordTransformResults, transformRun } from '../transforms/transform-run.ts';
import { loadChecks, runChecks, type CheckDefinition } from '../quality/engine.ts';
import { heldBackKinds } from '../quality/held-back.ts';
import { maskIdentifiers } from '../transforms/privacy/identifiers.ts';
import { reach } from './crashpoints.ts';
import { EXIT, exitCodeOf } from './exit-codes.ts';
import { failureMessage, Unrecorded } from './failure-message.ts';
import { createLogger } from './log.ts';
import { fileProgress, statusLine } from './progress.ts';
import { openForWriting } from './open-database.ts';
import { acquireRunLock } from './run-lock.ts';
import { collectRunResults, writeRunResults, type RunResults, type RunResultsInput } from './run-results.ts';
import { Stopped, stopOnSignals, type StopRequests } from './stop-signals.ts';
import { reportSettings } from './report-settings.ts';
import { settleUnfinishedRuns } from './unfinished-runs.ts';
import { combineRuns, formatRunDone, formatSummary, totalsOf, type RunSummary } from './summary.ts';

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
  /** Called with each run's run_results.json once written (`nightly --json` prints them), a failed run's too. */
  readonly onRunResults?: (results: RunResults) => void;
  /** In a backfill (several runs), called as each run has published its batch (`nightly` prints a line). */
  readonly onRunDone?: (summary: RunSummary, run: number, of: number) => void;
  /**
   * SIGTERM and SIGINT stop the run (jobs/stop-signals.ts): `fangst nightly` sets it; `fangst
   * schedule` keeps its own handlers, which let the night running finish.
   */
  readonly stopOnSignals?: boolean;
}

export interface NightlyResult {
  readonly exitCode: number;
  /** The job as a whole: the one run, or the runs of a large inbox added up. */
  readonly summary: RunSummary;
  /** Each run of the job, in order (one, unless the inbox was larger than the run budget). */
  readonly runs: readonly RunSummary[];
}

/**
 * The nightly job: new inbox files into DuckDB exactly once, the SQL transforms,
 * the checks, one transaction that quarantines or accepts every row, then the
 * batch published to the outbox.
 */
export async function runNightly(opts: NightlyOptions = {}): Promise<NightlyResult> {
  const log = opts.logger ?? createLogger();
  const config = await loadConfig(opts.config, { inbox: opts.inbox, outbox: opts.outbox, database: opts.db, reports: opts.reports, runInputBudget: opts.runBudget, memoryLimit: opts.memoryLimit });
  // Checked before the lock is taken and the database and outbox are made: a mistyped inbox leaves nothing behind.
  if (!(await stat(config.inbox).then((s) => s.isDirectory(), () => false))) {
    throw new NotFound('inbox folder', config.inbox, '--inbox or inbox: in pipeline.yaml; nothing was created');
  }
  const checks = await loadChecks(config.checksDir);
  const specialties = await loadSpecialties();
  const now = opts.now ?? new Date();
  const jobStarted = new Date();
  const firstRunId = newId('r', now);
  // One run at a time (jobs/run-lock.ts): a second one gets RunLocked, a killed run's lock is taken over.
  const lock = await acquireRunLock(config.database, 'nightly', firstRunId);
  const stop = opts.stopOnSignals
    ? stopOnSignals((signal) => log.warn({ signal }, 'stopping: a run not yet committed is rolled back at its next step, a committed one publishes its batch first'))
    : undefined;
  if (lock.tookOver) log.warn({ stale: lock.tookOver }, 'took over the run lock of a run that is no longer running');
  reach('after-lock');
  const firstSteps: StepTime[] = [];
  const written = new Map<string, string>();
  let conn: DuckDBConnection | null = null;
  // Every run that got the lock leaves a run_results.json, a failed one included. Returns its path,
  // or null when it could not be written.
  const results = async (input: RunResultsInput): Promise<string | null> => {
    try {
      // Without the database (not opened, or invalidated by a fatal error): what the run knew itself.
      const r = await collectRunResults(conn, config, input).catch((err: unknown) => {
        log.error({ err: maskIdentifiers(failureMessage(err)), run_id: input.runId }, 'the database could not say what the run committed: run_results.json has what the run knew');
        return collectRunResults(null, config, input);
      });
      const file = await writeRunResults(r);
      written.set(input.runId, file);
      opts.onRunResults?.(r);
      return file;
    } catch (err) {
      // The run's outcome stands (and its exit code); only its record could not be written.
      log.error({ err: (err as Error).message, run_id: input.runId }, 'could not write run_results.json');
      return null;
    }
  };
  // A report reading the file (jobs/open-database.ts) is waited for, briefly.
  const db = await openForWriting(config.database, databaseOptions(config)).catch(async (err: unknown) => {
    try {
      // A run that failed opening the database (out of memory replaying its log, a full disk)
      // is in no run history: its run_results.json is its record. Not a night turned away (75),
      // nor a database path that is wrong (2, 64), which no run got to use.
      if (exitCodeOf(err) !== EXIT.failed) throw err;
      const file = await results({ runId: firstRunId, exitCode: EXIT.failed, startedAt: jobStarted, finishedAt: new Date(), steps: firstSteps, summary: null, candidates: [], error: err });
      throw new Unrecorded(err, file, false);
    } finally {
      stop?.dispose();
      await lock.release();
    }
  });
  try {
    conn = await db.connect();
    await loadMacros(conn);
    // We hold the lock: a run before this one that never noted its end failed or was killed.
    await settleUnfinishedRuns(conn, config, lock.tookOver, log);
    // In the run history from here on: a run that fails on its outbox or is killed while it
    // publishes a batch an interrupted run left is a run the operator looks for.
    await recordRunStart(conn, firstRunId, 'nightly', now);
    // Fail before anything is committed when the outbox cannot take a batch (README, "What fangst guarantees").
    await probeOutbox(config.outbox);
    // the reports are written after the commit: a reports path that cannot take them (a file, a
    // read-only folder) is found here, before anything is loaded
    await probeOutbox(config.reports, 'reports folder');
    const recovered = await recoverInterrupted(conn, config, { arrow: opts.format === 'arrow', log });
    const ctx = { now, log, checks, specialties, arrow: opts.format === 'arrow', results, stop };
    const found = await findNewFiles(conn, config, { runId: firstRunId, now, log, reach, steps: firstSteps });
    // A backfill's inbox is loaded as consecutive runs of a bounded size (transforms/ingest/plan-runs.ts):
    // each is a night of its own, committed and published before the next one starts.
    const chunks = planRuns(found.candidates.map((c) => ({ ...c, file: c.entry.file, bytes: c.entry.contentBytes, isRegister: c.entry.role === 'register' })), config.runInputBudget);
    if (chunks.length > 1) log.info({ runs: chunks.length, files: found.candidates.length, budget_bytes: config.runInputBudget }, 'inbox larger than the run budget: loading it as consecutive runs');
    const runs: RunSummary[] = [];
    let exitCode: number = EXIT.ok;
    let clock = now;
    for (const [i, chunk] of (chunks.length ? chunks : [[]]).entries()) {
      // Each run of a backfill has its own time, after the one before it: report trends order by it.
      if (i > 0) clock = new Date(Math.max(clock.getTime() + 1, opts.now ? 0 : Date.now()));
      if (i > 0 && stop?.signal) {
        throw new Stopped(stop.signal, `the first ${i} of ${chunks.length} runs were committed and published; the next night loads the files of the others`);
      }
      const runId = i === 0 ? firstRunId : newId('r', clock);
      const summary = await oneRun(db, conn, config, chunk, i === 0 ? found.skipped : [], i === 0 ? recovered : [], {
        ...ctx, now: clock, runId, batchId: newId('b', clock), reach, steps: i === 0 ? firstSteps : [], startedAt: i === 0 ? jobStarted : new Date(), recorded: i === 0,
      });
      if (summary.heldBack.length > 0) exitCode = EXIT.heldBack;
      runs.push(summary);
      if (chunks.length > 1) {
        log.info({ run: i + 1, of: chunks.length, run_id: runId, rows: summary.totals.read }, `run ${i + 1} of ${chunks.length} done`);
        opts.onRunDone?.(summary, i + 1, chunks.length);
      }
    }
    return { exitCode, summary: runs.length === 1 ? runs[0]! : combineRuns(runs), runs };
  } catch (err) {
    // A failure before the first run began (outbox, recovery, reading the inbox) is that run's.
    if (written.size === 0 && !(err instanceof Unrecorded)) {
      const recorded = conn !== null && await recordRunFailure(conn, firstRunId, exitCodeOf(err), failureMessage(err)).then(() => true, (e: unknown) => {
        log.error({ err: maskIdentifiers(failureMessage(e)), run_id: firstRunId }, 'could not record the run as failed');
        return false;
      });
      const file = await results({ runId: firstRunId, exitCode: exitCodeOf(err), startedAt: jobStarted, finishedAt: new Date(), steps: firstSteps, summary: null, candidates: [], error: err });
      if (!recorded) throw new Unrecorded(err, file, conn !== null && file !== null);
    }
    throw err;
  } finally {
    stop?.dispose();
    db.close();
    await lock.release();
  }
}

/**
 * Publishes the batches an interrupted run committed but never published, and writes their
 * quality reports, which that run never got to, under its own run id (before each batch is
 * marked published, as a run does). Returns them: the run that publishes them says so.
 */
async function recoverInterrupted(conn: DuckDBConnection, config: PipelineConfig, opts: { arrow: boolean; log: Logger }): Promise<string[]> {
  const beforeMarked = async (b: string) => {
    const [owner] = await queryRows<{ run_id: string }>(conn, `select run_id from quality.runs where batch_id = ${sqlString(b)} limit 1`);
    if (owner && (await writeRunReports(conn, config, owner.run_id, opts.log)) !== null) {
      opts.log.info({ batch: b, report: join(config.reports, owner.run_id) }, 'wrote the quality reports of the interrupted run');
    }
  };
  const recovered = await publishPending(conn, { outbox: config.outbox, arrow: opts.arrow, reach, beforeMarked });
  for (const b of recovered) opts.log.warn({ batch: b }, 'published a batch that an interrupted run had committed');
  return recovered;
}

/** One run: its row in meta.runs, the load, its quality reports, its run_results.json. */
async function oneRun(
  db: Database, conn: DuckDBConnection, config: PipelineConfig, candidates: Candidate[], skipped: RunSummary['skipped'],
  recovered: readonly string[], ctx: NightContext,
): Promise<RunSummary> {
  // the job's first run is in meta.runs already (runNightly)
  if (!ctx.recorded) await recordRunStart(conn, ctx.runId, 'nightly', ctx.now);
  const summary: RunSummary = {
    runId: ctx.runId, batchId: null, report: null, files: [], skipped, heldBack: [], alerts: [], recovered,
    totals: { read: 0, published: 0, quarantined: 0, rejected: 0 }, byKind: [],
  };
  const record = { runId: ctx.runId, startedAt: ctx.startedAt, steps: ctx.steps ?? [], summary, candidates };
  try {
    await load(db, conn, config, candidates, summary, ctx);
    reach('after-publish');
    const exitCode = summary.heldBack.length > 0 ? EXIT.heldBack : EXIT.ok;
    await recordRunSuccess(conn, ctx.runId, { ...summary, exitCode });
    await ctx.results({ ...record, exitCode, finishedAt: new Date() });
    return summary;
  } catch (thrown) {
    // A statement interrupted by a stop fails with DuckDB's 'INTERRUPT Error': the stop is the reason.
    const err = ctx.stop?.signal && /INTERRUPT Error/.test((thrown as Error)?.message ?? '') ? new Stopped(ctx.stop.signal, null) : thrown;
    // A fatal error (a checkpoint on a full disk) leaves the database unusable: the run cannot be recorded there.
    const recorded = await recordRunFailure(conn, ctx.runId, exitCodeOf(err), failureMessage(err)).then(() => true, (e: unknown) => {
      ctx.log.error({ err: maskIdentifiers(failureMessage(e)), run_id: ctx.runId }, 'could not record the run as failed');
      return false;
    });
    const file = await ctx.results({ ...record, exitCode: exitCodeOf(err), finishedAt: new Date(), error: err });
    throw recorded ? err : new Unrecorded(err, file, file !== null);
  }
}

let loadingReports: Promise<typeof import('../quality/reports/run/write.ts')> | null = null;

/**
 * The run reports' module, loaded once, when a run has files to load: compiling it (ECharts most
 * of all) keeps this thread busy for a good part of a second, which a run that finds nothing
 * never needs, and which a run that loads files spends while DuckDB's threads transform its rows.
 */
function reportModule(): Promise<typeof import('../quality/reports/run/write.ts')> {
  if (loadingReports === null) {
    loadingReports = import('../quality/reports/run/write.ts');
    // a failure is reported where the module is used (writeRunReports), not as an unhandled rejection
    loadingReports.catch(() => undefined);
  }
  return loadingReports;
}

/**
 * A run's two quality reports in <reports>/<run-id>/: the operators' one, and one to share
 * (no identifiers, counts 1-4 suppressed). Returns the operators' HTML file, or null when they
 * could not be written: that is logged as an error, and the batch is published all the same (a
 * report that fails on some data must not keep every later night from publishing).
 */
async function writeRunReports(conn: DuckDBConnection, config: PipelineConfig, runId: string, log: Logger): Promise<string | null> {
  try {
    const { writeQualityReports } = await reportModule();
    const written = await writeQualityReports(conn, {
      outDir: join(config.reports, runId), runId, ...(await reportSettings(config)),
      onNewKey: (file) => log.warn({ file }, "created a new pseudonym key for the shareable report: keep it, or the clinics' pseudonyms change"),
    });
    return written.html;
  } catch (err) {
    log.error({ err: maskIdentifiers((err as Error).message), run_id: runId }, 'could not write the quality reports of the run: its batch is published without them');
    return null;
  }
}

/** writeRunReports on a connection of its own, beside the batch's Parquet (see load). */
async function reportsOn(db: Database, config: PipelineConfig, runId: string, log: Logger): Promise<string | null> {
  const c = await db.connect();
  try {
    return await writeRunReports(c, config, runId, log);
  } finally {
    c.closeSync();
  }
}

/**
 * Writes the committed run from the write-ahead log into the database file, on a connection of
 * its own, while the batch's Parquet and reports are written: otherwise closing the database does
 * it, with nothing else to do meanwhile (it writes every table the run appended to, and is the
 * larger part of publishing a night). Best effort: a checkpoint that cannot run now is left to the
 * close.
 */
async function checkpoint(db: Database, log: Logger): Promise<void> {
  const c = await db.connect();
  try {
    await c.run('checkpoint');
  } catch (e) {
    // another write transaction is open: the close (or DuckDB's own threshold) checkpoints instead
    log.debug({ err: maskIdentifiers((e as Error).message) }, 'checkpoint left to the close');
  } finally {
    c.closeSync();
  }
}

interface NightContext extends RunContext {
  readonly checks: readonly CheckDefinition[];
  readonly specialties: readonly Specialty[];
  readonly arrow: boolean;
  /** When the run began, by the wall clock (`now` may be a test's or a replay's). */
  readonly startedAt: Date;
  /** Writes the run's run_results.json: its path, or null when it could not be written. */
  readonly results: (input: Omit<RunResultsInput, 'error'> & { error?: unknown }) => Promise<string | null>;
  /** SIGTERM and SIGINT, when the command stops on them. */
  readonly stop?: StopRequests;
  /** The run is in meta.runs already (a job's first run is recorded before its outbox is probed). */
  readonly recorded?: boolean;
}

/** One run's data path: stage -> transform -> check -> accept (one transaction) -> publish. */
async function load(db: Database, conn: DuckDBConnection, config: PipelineConfig, candidates: Candidate[], summary: RunSummary, ctx: NightContext): Promise<void> {
  const { runId, batchId, log } = ctx;
  const step = stepTimer(log, ctx.steps);
  if (candidates.length === 0) {
    log.info('nothing new in the inbox');
    return;
  }
  // Until the commit a stop interrupts the statement running; each step's end checks for one.
  ctx.stop?.throwIfStopped();
  ctx.stop?.interruptWith(() => conn.interrupt());
  const progress = fileProgress(candidates.reduce((s, c) => s + c.entry.bytes, 0), candidates.length);
  const staged = await stageRun(db, conn, config, candidates, { ...ctx, progress });
  step('stage', { files: candidates.length });
  // The run will write reports: their module is compiled while DuckDB transforms and checks.
  void reportModule();
  reach('after-staging');
  ctx.stop?.throwIfStopped();
  const repeated = await repeatedFailuresOnly(conn, candidates, staged, ctx);
  if (repeated !== null) {
    await dropRunScratch(conn);
    summary.files.push(...repeated);
    log.info({ files: repeated.length }, 'only files that failed before, the same way: nothing new to publish');
    return;
  }

  // local_time_zone: the zone the layouts' local times are read in (macros/fall_back.sql)
  await conn.run(`set variable run_id = ${sqlString(runId)}; set variable batch_id = ${sqlString(batchId)};
    set variable local_time_zone = ${sqlString(config.timeZone)}`);
  // The transforms' tables are scratch of the connection, made before the transaction (see transformRun).
  await transformRun(conn, candidates, staged, ctx);
  ctx.stop?.throwIfStopped();
  // One transaction from here: what the transforms found, checks, quarantine, merge, ledger.
  await conn.run('begin transaction');
  try {
    await recordTransformResults(conn, candidates, staged);
    const quality = await runChecks(conn, { runId, batchId, checks: ctx.checks, now: ctx.now, sksFile: config.reference.sksFile, logger: log });
    step('checks', { checks: ctx.checks.length });
    const heldBack = heldBackKinds(quality);
    summary.alerts.push(...quality.alerts.map((a) => ({ message: a.message })));
    const tail = await quarantineTail(conn);
    await acceptRun(conn, { runId, batchId, heldBack });
    step('accept');
    for (const h of await heldRowCounts(conn, runId, [...heldBack.keys()])) {
      const checks = heldBack.get(h.kind)!.checkIds;
      summary.heldBack.push({ kind: h.kind, checks, held: h.held, withErrors: h.withErrors, runId });
      log.error({ kind: h.kind, checks, rows_held: h.held, rows_with_errors: h.withErrors }, 'data kind held back by a failed aggregate check');
    }
    summary.files.push(...(await recordLedger(conn, candidates, staged, tail, ctx)));
    await metaDb(conn).insertInto('meta.batches').values({
      batch_id: batchId, run_id: runId, created_at: ctx.now.toISOString(), status: 'committed', published_at: null, outbox_path: null,
    }).execute();
    reach('before-commit');
    ctx.stop?.throwIfStopped();
    await conn.run('commit');
    summary.committedBatchId = batchId;
    // Committed: a stop now lets the run publish its batch.
    ctx.stop?.interruptWith(null);
    step('commit');
  } catch (err) {
    // A commit that failed has ended the transaction itself: the error to report is the first one.
    await conn.run('rollback').catch(() => undefined);
    throw err;
  }

  reach('after-commit');
  // After the commit every row of the run is in core or the quarantine and nothing reads its
  // scratch: freed here, the batch's sort and Parquet write have the memory to themselves.
  await dropRunScratch(conn);
  const checkpointed = checkpoint(db, log);
  // The reports are made while the batch's Parquet is written, on a connection of their own: most
  // of their time is JavaScript on this thread (charts, the shareable tables' suppression), the
  // Parquet's is DuckDB's threads. They are written before the batch is marked published: a run
  // killed in between has its batch published again by the next run, which writes them then.
  const reports = reportsOn(db, config, runId, log);
  const beforeMarked = async () => {
    summary.report = await reports;
    reach('after-report');
  };
  try {
    await publishBatch(conn, { batchId, outbox: config.outbox, arrow: ctx.arrow, reach, beforeMarked });
  } finally {
    await Promise.all([checkpointed, reports]);
  }
  step('publish');
  summary.batchId = batchId;
  Object.assign(summary.totals, totalsOf(summary.files));
  summary.byKind.push(...(await ledgerByKind(conn, runId)));
}

export function register(program: Command, exit: (code: number) => void): void {
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
    .option('--json', 'print each run\'s run_results.json on stdout (one JSON object a line, also for a failed run) instead of the summary')
    .option('--verbose', 'on a terminal, log every step (the default there is a status line, then the summary)')
    .option('--no-color', 'no colours in the terminal\'s log lines (as NO_COLOR does)')
    .action(async (o: { config: string; inbox?: string; outbox?: string; db?: string; reports?: string; format?: string; runBudget?: string; memoryLimit?: string; json?: boolean; verbose?: boolean; color: boolean }) => {
      if (o.format !== undefined && o.format !== 'arrow' && o.format !== 'parquet') throw new UsageError('--format', o.format, 'parquet or arrow');
      const { json, verbose, color, ...rest } = o;
      const onRunResults = json ? (r: RunResults) => process.stdout.write(`${JSON.stringify(r)}\n`) : undefined;
      // A backfill says each night as it is published: a process killed later has said what it finished.
      const onRunDone = json ? undefined : (r: RunSummary, run: number, of: number) => {
        statusLine.clear();
        process.stdout.write(formatRunDone(r, run, of));
      };
      const logger = createLogger('fangst', undefined, { verbose, color, quiet: true });
      // The status line goes before the summary or the error line is printed.
      const { exitCode, summary } = await runNightly({ ...rest, format: o.format as 'arrow' | undefined, onRunResults, onRunDone, logger, stopOnSignals: true })
        .finally(() => statusLine.clear());
      if (!json) process.stdout.write(formatSummary(summary));
      exit(exitCode);
    });
}
