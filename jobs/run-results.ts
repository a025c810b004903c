// run_results.json: what one nightly run did, for machines (as dbt's run_results.json is):
// status and exit code, timings per step, every inbox file with its outcome and row accounting,
// the checks' national outcomes with numerators and denominators, alerts, and where the outputs
// are. Written beside the run's reports by every run that got the run lock, a run with nothing
// new and a failed one included; `<reports>/latest` points at the newest run's folder.
// File names and messages are masked: no patient identifier in it.
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { PipelineConfig } from '../config/load.ts';
import { queryRows, sqlString } from '../transforms/db/connection.ts';
import type { Candidate } from '../transforms/ingest/find-new.ts';
import { maskIdentifiers } from '../transforms/privacy/identifiers.ts';
import type { StepTime } from '../transforms/run-context.ts';
import { failureMessage } from './failure-message.ts';
import type { RunSummary } from './summary.ts';

/** The shape's version: bumped when a field changes meaning or goes. */
export const RUN_RESULTS_SCHEMA = 'fangst/run-results/v1';

export type RunStatus = 'succeeded' | 'held_back' | 'nothing_new' | 'failed';

export interface RowCounts { read: number; published: number; quarantined: number; rejected: number }

export interface RunResults {
  readonly schema: typeof RUN_RESULTS_SCHEMA;
  readonly fangst_version: string;
  readonly job: 'nightly';
  readonly run_id: string;
  readonly batch_id: string | null;
  /** Batches an interrupted run committed that this run published first, with their folders. */
  readonly recovered_batches: ReadonlyArray<{ batch_id: string; batch: string }>;
  readonly status: RunStatus;
  readonly exit_code: number;
  readonly started_at: string;
  readonly finished_at: string;
  readonly elapsed_ms: number;
  readonly time_zone: string;
  readonly steps: readonly StepTime[];
  /**
   * Every inbox file the run saw. `loaded`: in the ledger (meta.files), with its rows;
   * `failed`: could not be read as a whole, loads once fixed; `not_loaded`: the run failed
   * before it committed, the next run loads it; `already_loaded`, `duplicate_in_run`,
   * `unrecognised`, `unreadable`: skipped, with why.
   */
  readonly files: ReadonlyArray<{
    file: string; kind: string | null; system: string | null; outcome: string; detail: string | null; rows: RowCounts | null;
  }>;
  /** The ledger's rows of this run (meta.files), clinic register left out: read = published + quarantined + rejected. */
  readonly rows: { readonly totals: RowCounts; readonly by_kind: ReadonlyArray<RowCounts & { kind: string }> };
  readonly held_back: ReadonlyArray<{ kind: string; checks: string[]; rows_held: number; rows_with_errors: number; release: string }>;
  /** Each check's national result this run (none when the run failed before its results were committed). */
  readonly checks: ReadonlyArray<{
    id: string; kind: string; category: string; type: string; scope: string; severity: string; outcome: string;
    numerator: number | null; denominator: number | null; percent: number | null; threshold: string | null; message: string | null;
  }>;
  readonly alerts: ReadonlyArray<{ type: string; kind: string; check_id: string | null; scope: string; scope_value: string | null; message: string }>;
  readonly outputs: {
    readonly database: string; readonly batch: string | null; readonly reports: string;
    readonly quality_report: string | null; readonly run_results: string;
  };
  readonly error: { readonly message: string } | null;
}

export interface RunResultsInput {
  readonly runId: string;
  readonly exitCode: number;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly steps: readonly StepTime[];
  /** What the run knew of itself when it ended (partly filled when it failed). */
  readonly summary: RunSummary | null;
  /** The files the run set out to load. */
  readonly candidates: readonly Candidate[];
  readonly error?: unknown;
}

function version(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

const mask = (s: string | null | undefined): string | null => (s == null ? null : maskIdentifiers(s));
const num = (v: unknown): number | null => (v == null ? null : Number(v));

/** The run's folder under the reports folder, where run_results.json and its quality reports go. */
export function runFolder(config: PipelineConfig, runId: string): string {
  return join(config.reports, runId);
}

/**
 * Builds a run's results from what the database holds of it (the ledger, the check results and
 * alerts, so the file accounting is what was committed, also for a run that failed after its
 * commit) and from what the run knew (steps, skipped files, a file that failed to read).
 */
export async function collectRunResults(conn: DuckDBConnection | null, config: PipelineConfig, input: RunResultsInput): Promise<RunResults> {
  const run = sqlString(input.runId);
  const q = async <T>(sql: string): Promise<T[]> => (conn ? queryRows<T>(conn, sql) : []);
  type LedgerRow = { file_hash: string; file_name: string; kind: string; journal_system: string | null; batch_id: string | null; read: bigint | number; published: bigint | number; quarantined: bigint | number; rejected: bigint | number };
  const ledger = conn ? await q<LedgerRow>(
    `select file_hash, file_name, kind, journal_system, batch_id, rows_read as read, rows_published as published,
       rows_quarantined as quarantined, rows_rejected as rejected
     from meta.files where run_id = ${run} order by file_name`) : committedByRun(input);
  const counts = (r: { read: bigint | number; published: bigint | number; quarantined: bigint | number; rejected: bigint | number }): RowCounts =>
    ({ read: Number(r.read), published: Number(r.published), quarantined: Number(r.quarantined), rejected: Number(r.rejected) });
  const inLedger = new Map(ledger.map((l) => [l.file_hash, l]));
  // what staging said of a loaded file (how it was read), kept with its sighting
  const said = new Map((await q<{ file_hash: string; detail: string }>(`select file_hash, detail from meta.file_sightings
    where run_id = ${run} and outcome = 'loaded' and detail is not null`)).map((r) => [r.file_hash, r.detail]));
  const failedToRead = new Map((input.summary?.files ?? []).filter((f) => f.error).map((f) => [f.file, f.error]));
  const files: Array<RunResults['files'][number]> = [];
  for (const c of input.candidates) {
    const kind = c.entry.role === 'register' ? 'register' : c.entry.delivery.kind;
    const system = c.entry.role === 'register' ? null : c.entry.delivery.system;
    const l = inLedger.get(c.hash);
    if (l) files.push({ file: mask(l.file_name)!, kind, system, outcome: 'loaded', detail: mask(said.get(c.hash) ?? null), rows: counts(l) });
    else if (failedToRead.has(c.entry.file)) files.push({ file: mask(c.entry.file)!, kind, system, outcome: 'failed', detail: mask(failedToRead.get(c.entry.file)), rows: null });
    else files.push({ file: mask(c.entry.file)!, kind, system, outcome: 'not_loaded', detail: 'the run failed before it committed; the next run loads the file', rows: null });
  }
  for (const s of input.summary?.skipped ?? []) files.push({ file: mask(s.file)!, kind: null, system: null, outcome: s.outcome, detail: mask(s.detail), rows: null });

  const byKind = new Map<string, RowCounts>();
  for (const l of ledger.filter((x) => x.kind !== 'register')) {
    const t = byKind.get(l.kind) ?? { read: 0, published: 0, quarantined: 0, rejected: 0 };
    const c = counts(l);
    byKind.set(l.kind, { read: t.read + c.read, published: t.published + c.published, quarantined: t.quarantined + c.quarantined, rejected: t.rejected + c.rejected });
  }
  const totals = [...byKind.values()].reduce((t, c) => ({ read: t.read + c.read, published: t.published + c.published, quarantined: t.quarantined + c.quarantined, rejected: t.rejected + c.rejected }),
    { read: 0, published: 0, quarantined: 0, rejected: 0 });

  const checks = await q<{ check_id: string; kind: string; category: string; check_type: string; check_scope: string; severity: string; outcome: string; numerator: number | null; denominator: number | null; percent: number | null; threshold: string | null; message: string | null }>(
    `select check_id, kind, category, check_type, check_scope, severity, outcome, numerator, denominator, percent, threshold, message
     from quality.check_results where run_id = ${run} and scope_level = 'national' order by kind, check_id`);
  const alerts = await q<{ alert_type: string; kind: string; check_id: string | null; scope_level: string; scope_value: string | null; message: string }>(
    `select alert_type, kind, check_id, scope_level, scope_value, message from quality.alerts where run_id = ${run} order by alert_type, kind, scope_value`);

  const s = input.summary;
  const failed = input.error !== undefined;
  const batchId = failed ? (ledger.find((l) => l.batch_id)?.batch_id ?? null) : (s?.batchId ?? null);
  const status: RunStatus = failed ? 'failed' : (s?.heldBack.length ? 'held_back' : (s?.batchId ? 'succeeded' : 'nothing_new'));
  const folder = runFolder(config, input.runId);
  return {
    schema: RUN_RESULTS_SCHEMA,
    fangst_version: version(),
    job: 'nightly',
    run_id: input.runId,
    batch_id: batchId,
    recovered_batches: (s?.recovered ?? []).map((b) => ({ batch_id: b, batch: join(config.outbox, b) })),
    status,
    exit_code: input.exitCode,
    started_at: input.startedAt.toISOString(),
    finished_at: input.finishedAt.toISOString(),
    elapsed_ms: input.finishedAt.getTime() - input.startedAt.getTime(),
    time_zone: config.timeZone,
    steps: input.steps,
    files,
    rows: { totals, by_kind: [...byKind].map(([kind, c]) => ({ kind, ...c })).sort((a, b) => (a.kind < b.kind ? -1 : 1)) },
    held_back: (s?.heldBack ?? []).map((h) => ({
      kind: h.kind, checks: h.checks, rows_held: h.held, rows_with_errors: h.withErrors,
      release: `fangst release --run ${h.runId} --kind ${h.kind} --reason "..."`,
    })),
    checks: checks.map((c) => ({
      id: c.check_id, kind: c.kind, category: c.category, type: c.check_type, scope: c.check_scope, severity: c.severity, outcome: c.outcome,
      numerator: num(c.numerator), denominator: num(c.denominator), percent: num(c.percent), threshold: c.threshold, message: mask(c.message),
    })),
    alerts: alerts.map((a) => ({ type: a.alert_type, kind: a.kind, check_id: a.check_id, scope: a.scope_level, scope_value: mask(a.scope_value), message: mask(a.message)! })),
    outputs: {
      database: config.database,
      batch: batchId && !failed ? join(config.outbox, batchId) : null,
      reports: folder,
      quality_report: s?.report ?? null,
      run_results: join(folder, 'run_results.json'),
    },
    error: failed ? { message: mask(failureMessage(input.error))! } : null,
  };
}

/**
 * Without the database (it could not be opened, or a fatal error invalidated it): the ledger rows
 * the run itself committed, as it counted them before its commit, or none when it did not commit.
 */
function committedByRun(input: RunResultsInput): Array<{ file_hash: string; file_name: string; kind: string; journal_system: string | null; batch_id: string | null; read: number; published: number; quarantined: number; rejected: number }> {
  const batchId = input.summary?.committedBatchId;
  if (!batchId) return [];
  const hashOf = new Map(input.candidates.map((c) => [c.entry.file, c.hash]));
  return input.summary!.files.filter((f) => !f.error && hashOf.has(f.file)).map((f) => ({
    file_hash: hashOf.get(f.file)!, file_name: f.file, kind: f.kind, journal_system: f.system, batch_id: batchId,
    read: f.read, published: f.published, quarantined: f.quarantined, rejected: f.rejected,
  }));
}

/** A run's run_results.json as written, or null when there is none or it is no such file. */
export async function readRunResults(config: PipelineConfig, runId: string): Promise<RunResults | null> {
  try {
    const r = JSON.parse(await readFile(join(runFolder(config, runId), 'run_results.json'), 'utf8')) as RunResults;
    return r.schema === RUN_RESULTS_SCHEMA && r.run_id === runId ? r : null;
  } catch {
    return null;
  }
}

/**
 * Writes run_results.json into the run's folder (with the mode file_mode gives every output; written to a
 * temporary name and renamed, so a reader never sees half a file) and points `<reports>/latest`
 * at that folder.
 */
export async function writeRunResults(results: RunResults): Promise<string> {
  const folder = results.outputs.reports;
  await mkdir(folder, { recursive: true });
  const file = results.outputs.run_results;
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(results, null, 2)}\n`);
  await rename(tmp, file);
  await pointLatest(join(folder, '..'), results.run_id);
  return file;
}

/** `<reports>/latest` -> the run's folder, relative, replaced in one rename. */
async function pointLatest(reports: string, runId: string): Promise<void> {
  const link = join(reports, 'latest');
  const tmp = join(reports, `.latest-${process.pid}`);
  await rm(tmp, { force: true });
  await symlink(runId, tmp);
  await rename(tmp, link);
}
