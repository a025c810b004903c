/**
 * Exit codes of every fangst command (README, "Exit codes"). Quarantined and
 * rejected rows are an expected part of a night and do not change the code;
 * a data kind held back by a failed aggregate check does.
 */
export const EXIT = {
  ok: 0,
  /** The run failed (I/O, database, broken invariant); nothing of it was committed. */
  failed: 1,
  /** The configuration or the command line is wrong; no data was touched. */
  config: 2,
  /** The run completed, but at least one data kind was held back. */
  heldBack: 3,
  /** Another run holds the lock. */
  locked: 75,
} as const;
