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
  opts: {
    concurrency: number;
    isRegister: (item: T) => boolean;
    /**
     * Stages files of one layout together (see stageFiles): `layoutOf` names an item's
     * layout (null: on its own), `bytesOf` its size as read (decompressed, or an estimate), to keep a batch bounded.
     */
    batch?: { layoutOf: (item: T) => string | null; bytesOf: (item: T) => number; stage: (items: T[], conn: DuckDBConnection) => Promise<void> };
  },
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
    const units = batches(items.filter((i) => !opts.isRegister(i)), opts.batch);
    const settled = await Promise.allSettled(
      units.map((unit) => limit(async () => {
        const worker = free.pop()!;
        try {
          if (unit.length === 1) await stageOne(unit[0]!, worker);
          else await opts.batch!.stage(unit, worker);
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

/**
 * At most this many bytes of files in one batch. The batch's read streams (its row
 * numbers too), so this is not about memory: a batch that fails is read again file by
 * file, and smaller batches keep the workers evenly loaded and the progress moving.
 */
export const BATCH_BYTES = 64 << 20;

/** The items in units of work: files of one layout together, up to BATCH_BYTES (as bytesOf counts them), in their order. */
function batches<T>(items: readonly T[], batch: { layoutOf: (item: T) => string | null; bytesOf: (item: T) => number } | undefined): T[][] {
  if (!batch) return items.map((i) => [i]);
  const units: T[][] = [];
  const open = new Map<string, { unit: T[]; bytes: number }>();
  for (const item of items) {
    const layout = batch.layoutOf(item);
    const bytes = batch.bytesOf(item);
    if (layout === null || bytes > BATCH_BYTES) {
      units.push([item]);
      continue;
    }
    let current = open.get(layout);
    if (!current || current.bytes + bytes > BATCH_BYTES) {
      current = { unit: [], bytes: 0 };
      units.push(current.unit);
      open.set(layout, current);
    }
    current.unit.push(item);
    current.bytes += bytes;
  }
  return units;
}
