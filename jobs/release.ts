// `fangst release --run ID --kind K --reason "..."`: publishes the rows of a data kind that a
// run held back (a failed aggregate check), once the check is fixed or overridden, as a new
// batch; who released it and why go into meta.releases. Rows quarantined for errors of their
// own stay quarantined. A second release of the same run and kind is refused.
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { Logger } from 'pino';
import { NotFound, Refused, UsageError } from '../config/errors.ts';
import { isKind, KINDS } from '../config/kinds.ts';
import { databaseOptions, loadConfig } from '../config/load.ts';
import { queryRows, sqlString } from '../transforms/db/connection.ts';
import { metaDb } from '../transforms/db/kysely.ts';
import { newId, recordRunFailure, recordRunStart, recordRunSuccess } from '../transforms/db/runs.ts';
import { settleUnfinishedRuns } from './unfinished-runs.ts';
import { loadMacros } from '../transforms/macros.ts';
import { probeOutbox, publishBatch } from '../transforms/publish/batch.ts';
import { releaseHeldRows, type Released } from '../transforms/publish/release.ts';
import { checkTypes } from '../quality/registry.ts';
import { EXIT, exitCodeOf } from './exit-codes.ts';
import { failureMessage } from './failure-message.ts';
import { createLogger } from './log.ts';
import { openForWriting } from './open-database.ts';
import { acquireRunLock } from './run-lock.ts';

export interface ReleaseOptions {
  readonly run: string;
  readonly kind: string;
  readonly reason: string;
  /** Who releases; default the operating-system user. */
  readonly by?: string;
  readonly config?: string;
  readonly db?: string;
  readonly outbox?: string;
  readonly now?: Date;
  readonly logger?: Logger;
}

export interface ReleaseResult extends Released {
  readonly kind: string;
  readonly heldRunId: string;
  readonly releaseRunId: string;
  readonly batchId: string;
  readonly outboxPath: string;
  readonly by: string;
  readonly heldChecks: string[];
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry for the uid (some containers): the environment may still say.
    return process.env.USER ?? process.env.LOGNAME ?? `uid ${process.getuid?.() ?? '?'}`;
  }
}

export async function runRelease(opts: ReleaseOptions): Promise<ReleaseResult> {
  const log = opts.logger ?? createLogger();
  const kind = opts.kind;
  if (!isKind(kind)) throw new UsageError('--kind', kind, `one of ${KINDS.join(', ')}`);
  const reason = opts.reason?.trim() ?? '';
  if (!reason) throw new UsageError('--reason', opts.reason, 'why the held rows may be published (the fix, or who decided to override the check)');
  const by = opts.by?.trim() || osUser();
  const config = await loadConfig(opts.config, { database: opts.db, outbox: opts.outbox });
  if (!existsSync(config.database)) throw new NotFound('database', config.database, 'pass --db, or run fangst nightly first');
  const now = opts.now ?? new Date();
  const lock = await acquireRunLock(config.database, 'release');
  const db = await openForWriting(config.database, databaseOptions(config))
    .catch(async (err: unknown) => { await lock.release(); throw err; });
  try {
    const conn = await db.connect();
    await loadMacros(conn);
    await settleUnfinishedRuns(conn, config, lock.tookOver, log);

    const [held] = await queryRows<{ held: string[] }>(conn, `select held_back_kinds as held from quality.runs where run_id = ${sqlString(opts.run)}`);
    if (!held) throw new NotFound('run', opts.run, '`fangst runs` lists the recent runs and what they held back');
    if (!held.held.includes(kind)) {
      throw new Refused(`run ${opts.run} did not hold back ${kind} (it held back ${held.held.length ? held.held.join(', ') : 'nothing'}): nothing to release`);
    }
    const [done] = await queryRows<{ batch_id: string; released_at: string; released_by: string; rows: bigint; status: string | null }>(conn, `
      select r.batch_id, strftime(r.released_at, '%Y-%m-%d %H:%M UTC') as released_at, r.released_by, r.rows_released as rows, b.status
      from meta.releases as r left join meta.batches as b using (batch_id)
      where r.run_id = ${sqlString(opts.run)} and r.kind = ${sqlString(kind)}`);
    if (done) {
      throw new Refused(`${kind} of run ${opts.run} was already released: ${Number(done.rows)} rows in batch ${done.batch_id}, ${done.released_at}, by ${done.released_by}`
        + `${done.status === 'published' ? '' : ' (not yet in the outbox: the next nightly run publishes it)'}; a release publishes the held rows once`);
    }
    // The checks that held the kind back, as the run's results record them.
    const results = await queryRows<{ check_id: string; check_type: string; check_scope: string; outcome: string }>(conn, `
      select check_id, check_type, check_scope, outcome from quality.check_results
      where run_id = ${sqlString(opts.run)} and kind = ${sqlString(kind)} and scope_level = 'national' and severity = 'error' order by check_id`);
    // A kind held back because a guard could not run (the CPR detector) holds rows nobody checked: no release.
    // A type this fangst no longer knows counts as such a guard: refusing is the safe side.
    const unchecked = results.filter((r) => r.outcome === 'not_evaluated' && (checkTypes.get(r.check_type)?.holdsBackUnchecked ?? true));
    if (unchecked.length) {
      throw new Refused(`${kind} of run ${opts.run} cannot be released: ${unchecked.map((r) => r.check_id).join(', ')} could not run on its rows, so they were never checked; deliver them again once it runs`);
    }
    const heldChecks = results.filter((r) => r.check_scope === 'aggregate' && r.outcome !== 'passed').map((r) => r.check_id);

    await probeOutbox(config.outbox);
    const releaseRunId = newId('r', now);
    const batchId = newId('b', now);
    await recordRunStart(conn, releaseRunId, 'release', now);
    let released: Released;
    try {
      await conn.run('begin transaction');
      try {
        released = await releaseHeldRows(conn, { heldRunId: opts.run, kind, batchId, releaseRunId });
        const meta = metaDb(conn);
        await meta.insertInto('meta.batches').values({
          batch_id: batchId, run_id: releaseRunId, created_at: now.toISOString(), status: 'committed', published_at: null, outbox_path: null,
        }).execute();
        // Plain SQL: the kysely dialect binds no list parameter (held_checks).
        await conn.run(`insert into meta.releases values (${[opts.run, kind, batchId, releaseRunId, now.toISOString(), by, reason].map(sqlString).join(', ')},
          [${heldChecks.map(sqlString).join(', ')}]::varchar[], ${released.released}, ${released.withErrors + released.superseded})`);
        await conn.run('commit');
      } catch (err) {
        // A commit that failed has ended the transaction itself: the error to report is the first one.
        await conn.run('rollback').catch(() => undefined);
        throw err;
      }
      // Committed: should the outbox fail now, the next nightly run publishes the batch first.
      await publishBatch(conn, { batchId, outbox: config.outbox });
      await recordRunSuccess(conn, releaseRunId, {
        // Its rows are the held run's (read, and now published, there): meta.releases counts them.
        batchId, exitCode: EXIT.ok, totals: { read: 0, published: 0, quarantined: 0, rejected: 0 },
      });
    } catch (err) {
      await recordRunFailure(conn, releaseRunId, exitCodeOf(err), failureMessage(err));
      throw err;
    }
    log.info({ run: opts.run, kind, batch: batchId, rows: released.released, by }, 'released a held-back kind');
    return { ...released, kind, heldRunId: opts.run, releaseRunId, batchId, outboxPath: `${config.outbox}/${batchId}`, by, heldChecks };
  } finally {
    db.close();
    await lock.release();
  }
}

export function formatRelease(r: ReleaseResult): string {
  const lines = [
    `fangst release: ${r.kind} of run ${r.heldRunId}: ${r.released.toLocaleString('en-US')} rows published in batch ${r.batchId}`,
    `  held back by ${r.heldChecks.join(', ') || '(no check recorded)'}; released by ${r.by}`,
  ];
  if (r.withErrors) lines.push(`  ${r.withErrors.toLocaleString('en-US')} rows stay quarantined for errors of their own`);
  if (r.superseded) lines.push(`  ${r.superseded.toLocaleString('en-US')} rows stay quarantined: a later run published a newer version of their record`);
  if (r.replaced) lines.push(`  ${r.replaced.toLocaleString('en-US')} published versions replaced by the released corrections`);
  lines.push(`  batch: ${r.outboxPath}`);
  return `${lines.join('\n')}\n`;
}

export function register(program: Command, exit: (code: number) => void): void {
  program
    .command('release')
    .description('publish the rows of a data kind that a run held back, once, as a new batch (who and why are recorded)')
    .requiredOption('--run <id>', 'the run that held the kind back (fangst runs lists them)')
    .requiredOption('--kind <kind>', `the data kind to release: ${KINDS.join(', ')}`)
    .requiredOption('--reason <text>', 'why the rows may be published: the fix to the check, or the override and who decided it')
    .option('--by <name>', 'who releases (default: the operating-system user)')
    .option('--config <file>', 'pipeline configuration', 'config/pipeline.yaml')
    .option('--db <file>', 'DuckDB file (default: from the configuration)')
    .option('--outbox <dir>', 'outbox folder (default: from the configuration)')
    .action(async (o: ReleaseOptions) => {
      process.stdout.write(formatRelease(await runRelease(o)));
      exit(EXIT.ok);
    });
}
