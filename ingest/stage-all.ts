import type { DuckDBConnection } from '@duckdb/node-api';
import pLimit from 'p-limit';
import type { Database } from '../db/connection.ts';

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
}
