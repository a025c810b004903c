import type { DuckDBConnection } from '@duckdb/node-api';
import pLimit from 'p-limit';
import { queryRows, sqlString, type Database } from '../db/connection.ts';

/**
 * Stages a run's files on a pool of connections, so DuckDB reads several at once:
 * the clinic registers first, then the rest, at most `concurrency` at a time.
 * On an error it lets the other files' reads finish before failing, so the
 * database is never closed under a running read.
 */
export async function stageAll<T>(
  db: Database,
  items: readonly T[],
  opts: { concurrency: number; isRegister: (item: T) => boolean },
  stageOne: (item: T, conn: DuckDBConnection) => Promise<void>,
): Promise<void> {
  const pool = await Promise.all(Array.from({ length: opts.concurrency }, () => db.connect()));
  // Since DuckDB 1.4 the in-memory scratch database checkpoints too, every 16 MB appended,
  // and each checkpoint walks the whole staging table: hundreds of appends made staging
  // grow with files x rows (a full backfill spent more time checkpointing than reading).
  // The scratch is thrown away after the run, so staging defers checkpoints; the setting is
  // the instance's, and goes back to what it was before anything else runs.
  const [setting] = await queryRows<{ v: string }>(pool[0]!, `select current_setting('checkpoint_threshold') as v`);
  await pool[0]!.run(`set checkpoint_threshold = '1TB'`);
  try {
    for (const item of items.filter(opts.isRegister)) await stageOne(item, pool[0]!);
    const limit = pLimit(opts.concurrency);
    const free = [...pool];
    const settled = await Promise.allSettled(
      items.filter((i) => !opts.isRegister(i)).map((item) => limit(async () => {
        const worker = free.pop()!;
        try {
          await stageOne(item, worker);
        } finally {
          free.push(worker);
        }
      })),
    );
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } finally {
    await pool[0]!.run(`set checkpoint_threshold = ${sqlString(setting!.v)}`);
  }
}
