// What the holder of the run lock does first with the runs before it that never noted their end
// in meta.runs (nightly and release alike): each is entered as its own record says it ended.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from 'pino';
import type { PipelineConfig } from '../config/load.ts';
import { queryRows } from '../transforms/db/connection.ts';
import { markCrashedRuns, recordLostRun, recordRunFailure } from '../transforms/db/runs.ts';
import type { LockHolder } from './run-lock.ts';
import { readRunResults } from './run-results.ts';

/**
 * Called by the holder of the run lock, so none of these runs is alive:
 * - one still 'running' whose run_results.json says it failed: the database could not record its
 *   end (a full disk invalidated it), so that file says how it ended;
 * - any other still 'running' was killed: crashed (markCrashedRuns);
 * - the run whose stale lock this one took over, killed before it opened the database, is known
 *   only from that lock: crashed too.
 */
export async function settleUnfinishedRuns(conn: DuckDBConnection, config: PipelineConfig, tookOver: LockHolder | null, log: Logger): Promise<void> {
  const running = await queryRows<{ run_id: string }>(conn, `select run_id from meta.runs where status = 'running' and job = 'nightly'`);
  for (const { run_id } of running) {
    const r = await readRunResults(config, run_id);
    if (r?.status !== 'failed') continue;
    await recordRunFailure(conn, run_id, r.exit_code, r.error?.message ?? 'failed', new Date(r.finished_at));
    log.warn({ run_id }, 'recorded a failed run from its run_results.json: the database could not record it then');
  }
  // Its uncommitted work is already rolled back; a batch it committed is published by the next nightly.
  await markCrashedRuns(conn);
  if (tookOver?.run_id && (await recordLostRun(conn, { runId: tookOver.run_id, job: tookOver.job, startedAt: tookOver.started_at }))) {
    log.warn({ run_id: tookOver.run_id }, 'recorded as crashed a run killed before it opened the database');
  }
}
