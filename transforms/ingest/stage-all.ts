import type { DuckDBConnection } from '@duckdb/node-api';
import pLimit from 'p-limit';
import { queryRows, sqlString, type Database } from '../db/connection.ts';

/**
 * Stages a run's files on a pool of connections, so DuckDB reads several at once:
 * the clinic registers first, then the rest, at most `concurrency` at a time, the largest
 * units of work first (a large read started last would leave the other connections idle
 * while it finishes; each read runs on one thread, its line numbers being in file order).
 * Each item gets its number (`seq`, the staged rows' file_no) in the order items and units
 * are planned, not in the order they run: which of two rows of one record is the later one
 * does not depend on how the reads were scheduled.
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
     * Stages files of one layout together (see stageFiles), up to BATCH_BYTES a unit:
     * `layoutOf` names an item's layout (null: on its own).
     */
    batch?: { layoutOf: (item: T) => string | null; stage: (items: T[], conn: DuckDBConnection, seqs: number[]) => Promise<void> };
    /** An item's size as read (decompressed, or an estimate): to keep a batch bounded and to start the largest work first. */
    bytesOf: (item: T) => number;
  },
  stageOne: (item: T, conn: DuckDBConnection, seq: number) => Promise<void>,
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
    const registers = items.filter(opts.isRegister);
    const units = batches(items.filter((i) => !opts.isRegister(i)), opts.bytesOf, opts.batch);
    let next = 0;
    const numbered = (unit: T[]) => ({ unit, seqs: unit.map(() => next++), bytes: unit.reduce((b, i) => b + opts.bytesOf(i), 0) });
    for (const { unit, seqs } of registers.map((r) => numbered([r]))) await stageOne(unit[0]!, pool[0]!, seqs[0]!);
    const planned = units.map(numbered).sort((a, b) => b.bytes - a.bytes);
    const limit = pLimit(opts.concurrency);
    const free = [...pool];
    const settled = await Promise.allSettled(
      planned.map(({ unit, seqs }) => limit(async () => {
        const worker = free.pop()!;
        try {
          if (unit.length === 1) await stageOne(unit[0]!, worker, seqs[0]!);
          else await opts.batch!.stage(unit, worker, seqs);
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
function batches<T>(items: readonly T[], bytesOf: (item: T) => number, batch: { layoutOf: (item: T) => string | null } | undefined): T[][] {
  if (!batch) return items.map((i) => [i]);
  const units: T[][] = [];
  const open = new Map<string, { unit: T[]; bytes: number }>();
  for (const item of items) {
    const layout = batch.layoutOf(item);
    const bytes = bytesOf(item);
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
