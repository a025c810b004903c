/**
 * Named points of a nightly run where the crash tests kill the process.
 *
 * `FANGST_CRASH_AT=<point>` makes the process SIGKILL itself the first time the
 * run reaches that point: no finally block, no exit handler, no flush, exactly
 * like a power cut or the OOM killer. `FANGST_FAIL_AT=<point>` throws an
 * ENOSPC error there instead, the way a full disk shows up; `FANGST_SIGNAL_AT=<point>`
 * sends the process a SIGTERM there, as a scheduler's timeout does. Each is read at
 * every call, costs nothing when unset, and exists only for the tests in
 * test/jobs/robust-*.test.ts (README, "What fangst guarantees").
 */
export const CRASH_POINTS = [
  /** Taking over a killed run's stale lock: the takeover guard is held, the stale lock not yet replaced. */
  'lock-takeover',
  /** The run lock is taken, the database not yet opened. */
  'after-lock',
  /** Every inbox file is hashed; nothing is staged. */
  'after-hashing',
  /** The first file is staged (its parse rejects are in meta.rejects, uncommitted batch). */
  'mid-staging',
  /** Every file is staged; the transaction has not begun. */
  'after-staging',
  /** Staging, core and lab transforms done (scratch tables of the connection); the transaction has not begun. */
  'after-transforms',
  /** Inside the transaction: rows accepted or quarantined, ledger and batch rows written. */
  'before-commit',
  /** Committed; the batch is 'committed' and not yet published. */
  'after-commit',
  /** Publishing: the first Parquet file is in the hidden temporary folder. */
  'mid-publish',
  /** Publishing: the temporary folder is complete (manifest written), not yet renamed. */
  'before-rename',
  /** Publishing: the folder has its final name but no _SUCCESS marker. */
  'after-rename',
  /** Publishing: _SUCCESS written, the run's quality report not yet, the batch not yet marked 'published'. */
  'after-success',
  /** Publishing: the run's quality report written, the batch not yet marked 'published'. */
  'after-report',
  /** The batch is published; the run is not yet recorded as finished. */
  'after-publish',
] as const;

export type CrashPoint = (typeof CRASH_POINTS)[number];

const listeners = new Map<CrashPoint, Array<() => void>>();

/**
 * Marks that a run has reached `point`. Kills the process there when
 * FANGST_CRASH_AT names it; throws ENOSPC there when FANGST_FAIL_AT names it.
 */
export function reach(point: CrashPoint): void {
  for (const fn of listeners.get(point) ?? []) fn();
  if (process.env.FANGST_CRASH_AT === point) {
    // Synchronous, uncatchable, and delivered before kill() returns.
    process.kill(process.pid, 'SIGKILL');
  }
  if (process.env.FANGST_SIGNAL_AT === point) {
    // Handled, as any signal is, once the event loop turns: the run goes on until then.
    process.kill(process.pid, 'SIGTERM');
  }
  if (process.env.FANGST_FAIL_AT === point) {
    throw Object.assign(new Error(`ENOSPC: no space left on device (injected at ${point})`), { code: 'ENOSPC' });
  }
}

/**
 * In-process tests: runs `fn` whenever a run reaches `point` (for example to
 * append to a file while the run reads it). Returns a function that removes it.
 */
export function onReach(point: CrashPoint, fn: () => void): () => void {
  const list = listeners.get(point) ?? [];
  list.push(fn);
  listeners.set(point, list);
  return () => {
    const i = list.indexOf(fn);
    if (i >= 0) list.splice(i, 1);
  };
}
