import { ConfigError, NotFound, Refused, UsageError } from '../config/errors.ts';
import { RunLocked } from './run-lock.ts';
import { Stopped } from './stop-signals.ts';
import { Unrecorded } from './failure-message.ts';

/**
 * Exit codes of every fangst command (README, "Exit codes"). Quarantined and
 * rejected rows are an expected part of a night and do not change the code;
 * a data kind held back by a failed aggregate check does.
 */
export const EXIT = {
  ok: 0,
  /** The run failed (I/O, database, broken invariant); nothing of it was committed. */
  failed: 1,
  /**
   * A configuration file is wrong, a file, database or name the command was given does not exist,
   * or the command is refused (a release of rows already released); no data was touched.
   */
  config: 2,
  /** The run completed, but at least one data kind was held back. */
  heldBack: 3,
  /** The command line is wrong (sysexits EX_USAGE): unknown command or option, missing or bad value; no data was touched. */
  usage: 64,
  /** Another run holds the lock, or a run or report keeps the database busy past FANGST_LOCK_WAIT (sysexits EX_TEMPFAIL): try again later. */
  locked: 75,
} as const;

/** The exit code of a command that threw `err`: the one place error kinds become codes. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof Unrecorded) return exitCodeOf(err.cause);
  if (err instanceof UsageError) return EXIT.usage;
  if (err instanceof ConfigError || err instanceof NotFound || err instanceof Refused) return EXIT.config;
  if (err instanceof RunLocked) return EXIT.locked;
  if (err instanceof Stopped) return err.exitCode;
  return EXIT.failed;
}
