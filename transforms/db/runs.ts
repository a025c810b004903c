import { randomBytes } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows } from './connection.ts';
import { metaDb } from './kysely.ts';

/**
 * A run or batch id ('r' or 'b'): its start in UTC, then random hex so that two runs of one second
 * differ. The hex holds a letter: six digits of a date, followed in a message by ', 2026-...',
 * read as a CPR number to the masking, which then cut the id in two.
 */
export function newId(prefix: 'r' | 'b', now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  let hex = randomBytes(3).toString('hex');
  while (!/[a-f]/.test(hex)) hex = randomBytes(3).toString('hex');
  return `${prefix}${stamp}-${hex}`;
}

/** A run's totals as meta.runs keeps them. */
export interface RunOutcome {
  readonly batchId: string | null;
  readonly exitCode: number;
  readonly totals: { read: number; published: number; quarantined: number; rejected: number };
}

/** Notes a run as running in meta.runs: a run still marked so when the next one starts was killed. */
export async function recordRunStart(conn: DuckDBConnection, runId: string, job: string, startedAt: Date): Promise<void> {
  await metaDb(conn).insertInto('meta.runs').values({
    run_id: runId, job, started_at: startedAt.toISOString(), finished_at: null, status: 'running', batch_id: null,
    exit_code: null, rows_read: null, rows_published: null, rows_quarantined: null, rows_rejected: null, message: null,
  }).execute();
}

export async function recordRunSuccess(conn: DuckDBConnection, runId: string, outcome: RunOutcome): Promise<void> {
  const { totals } = outcome;
  await metaDb(conn).updateTable('meta.runs').set({
    finished_at: new Date().toISOString(), status: 'succeeded', exit_code: outcome.exitCode, batch_id: outcome.batchId,
    rows_read: totals.read, rows_published: totals.published, rows_quarantined: totals.quarantined, rows_rejected: totals.rejected,
  }).where('run_id', '=', runId).execute();
}

/** Marks the run failed with `message`, the line its command printed (at `finishedAt`: now, unless recorded later). */
export async function recordRunFailure(conn: DuckDBConnection, runId: string, exitCode: number, message: string, finishedAt = new Date()): Promise<void> {
  await beyondMemoryLimit(conn, async () => {
    await metaDb(conn).updateTable('meta.runs').set({
      finished_at: finishedAt.toISOString(), status: 'failed', exit_code: exitCode, message: message.slice(0, 2000),
    }).where('run_id', '=', runId).execute();
    // A run that failed after its commit (publishing to a full disk) has a batch, published by the next run.
    await conn.run(`${COMMITTED} and meta.runs.run_id = '${runId.replaceAll("'", "''")}'`);
  });
}

/**
 * Runs `work`, a failed run's record (a few rows), and when the memory limit that stopped the run
 * (--memory-limit 8MB) stops the record too, while the failed run's pages still hold it, once more
 * under DuckDB's default limit before the configured one is put back. Otherwise the limit is not
 * touched: a night that records an earlier run's failure before its own work keeps its own.
 */
async function beyondMemoryLimit(conn: DuckDBConnection, work: () => Promise<void>): Promise<void> {
  try {
    await work();
    return;
  } catch (err) {
    if (!/Out of Memory Error/.test(err instanceof Error ? err.message : String(err))) throw err;
  }
  const setting = async () => (await queryRows<{ limit: string }>(conn, `select current_setting('memory_limit') as limit`))[0]!.limit;
  const configured = await setting();
  // RESET alone changes the setting but not the buffer pool's limit (duckdb/duckdb#22203): the
  // default it gives is set again.
  await conn.run('reset memory_limit');
  await conn.run(`set memory_limit = '${await setting()}'`);
  try {
    await work();
  } finally {
    // Not when the failed run's pages are still more than that limit and nothing can be evicted
    // (DuckDB refuses it): the job whose run failed so ends here, and its record is written.
    await conn.run(`set memory_limit = '${configured}'`).catch(() => undefined);
  }
}

/**
 * A run that committed its batch and then failed or was killed: its batch and the rows its
 * files committed (meta.files, the clinic register left out as in a run's totals), so that the
 * runs listed add up to the ledger. The rows were committed with the batch; only publishing was left.
 */
const COMMITTED = `update meta.runs set batch_id = b.batch_id,
      ${['read', 'published', 'quarantined', 'rejected'].map((c) => `rows_${c} = coalesce((select sum(f.rows_${c}) from meta.files as f
        where f.run_id = meta.runs.run_id and f.kind <> 'register'), 0)`).join(',\n      ')}
    from meta.batches as b
    where b.run_id = meta.runs.run_id`;

/** Marks the runs still noted as running as crashed: called by the holder of the run lock, so none of them is alive. */
export async function markCrashedRuns(conn: DuckDBConnection): Promise<void> {
  // A run killed after its commit has a batch, which the run that found it publishes.
  await conn.run(`${COMMITTED} and meta.runs.status = 'running'`);
  await conn.run(`update meta.runs set status = 'crashed', message = 'the process ended after the run committed its batch; the next run published it'
    where status = 'running' and batch_id is not null`);
  await conn.run(`update meta.runs set status = 'crashed', message = 'the process ended before the run finished' where status = 'running'`);
}

/**
 * A run killed before it opened the database (it held the run lock, which the caller took over):
 * entered as crashed, unless it got far enough to note itself.
 */
export async function recordLostRun(conn: DuckDBConnection, run: { runId: string; job: string; startedAt: string }): Promise<boolean> {
  const [known] = await metaDb(conn).selectFrom('meta.runs').select('run_id').where('run_id', '=', run.runId).execute();
  if (known) return false;
  await metaDb(conn).insertInto('meta.runs').values({
    run_id: run.runId, job: run.job, started_at: run.startedAt, finished_at: null, status: 'crashed', batch_id: null,
    exit_code: null, rows_read: null, rows_published: null, rows_quarantined: null, rows_rejected: null,
    message: 'the process ended before the run opened the database; the next run took over its run lock',
  }).execute();
  return true;
}
