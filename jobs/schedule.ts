import type { Command } from 'commander';
import { Cron } from 'croner';
import type { Logger } from 'pino';
import { ConfigError, UsageError } from '../config/errors.ts';
import { onlyKeys } from '../config/keys.ts';
import { loadConfig } from '../config/load.ts';
import { createLogger } from './log.ts';
import { formatSummary } from './summary.ts';
import { EXIT, exitCodeOf } from './exit-codes.ts';
import { failureMessage } from './failure-message.ts';
import { runNightly } from './nightly.ts';

/** The keys of the `schedule:` block; any other is a configuration error. */
export const SCHEDULE_KEYS = ['cron', 'time_zone'] as const;

/** The `schedule:` block of config/pipeline.yaml. */
export interface Schedule {
  /** Five fields (minute hour day-of-month month day-of-week), or six with seconds first. */
  readonly cron: string;
  readonly timeZone: string;
}

/**
 * Reads and checks the `schedule:` block (a `--cron` flag overrides its
 * expression). The time zone defaults to the pipeline's: Danish local time, so
 * "30 2 * * *" stays 02:30 across daylight saving time.
 */
export function readSchedule(file: string, raw: Readonly<Record<string, unknown>>, cronFlag?: string): Schedule {
  const block = raw.schedule ?? {};
  if (typeof block !== 'object' || block === null || Array.isArray(block)) {
    throw new ConfigError(file, 'schedule', block, 'a mapping with cron and time_zone');
  }
  const b = onlyKeys(file, block as Record<string, unknown>, SCHEDULE_KEYS, 'schedule.');
  const cron = cronFlag ?? b.cron;
  // a --cron flag is a usage error, the configuration's expression a configuration error
  const bad = (expected: string) =>
    cronFlag === undefined ? new ConfigError(file, 'schedule.cron', cron, expected) : new UsageError('--cron', cron, expected);
  if (typeof cron !== 'string' || cron.trim() === '') throw bad('a cron expression such as "30 2 * * *"');
  const timeZone = b.time_zone ?? raw.time_zone ?? 'Europe/Copenhagen';
  try {
    if (typeof timeZone !== 'string') throw new Error();
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new ConfigError(file, 'schedule.time_zone', timeZone, 'an IANA time zone such as "Europe/Copenhagen"');
  }
  let next: Date | null;
  try {
    const job = new Cron(cron, { paused: true, timezone: timeZone });
    next = job.nextRun();
    job.stop();
  } catch (err) {
    throw bad(`a cron expression such as "30 2 * * *" (${(err as Error).message})`);
  }
  // '0 0 30 2 *' (30 February) is well-formed and never comes: a scheduler would wait for nothing
  if (next === null) throw bad('a cron expression that fires on some date (this one never does)');
  return { cron, timeZone };
}

/** The next `n` times the schedule fires after `from`. */
export function nextRuns(schedule: Schedule, n: number, from = new Date()): Date[] {
  const job = new Cron(schedule.cron, { paused: true, timezone: schedule.timeZone });
  try {
    return job.nextRuns(n, from);
  } finally {
    job.stop();
  }
}

export interface ScheduleOptions {
  readonly config?: string;
  readonly inbox?: string;
  readonly outbox?: string;
  readonly db?: string;
  readonly reports?: string;
  /** Overrides the configuration's expression. */
  readonly cron?: string;
  /** Stops after this many runs (tests, one-off catch-up); unset: until SIGINT or SIGTERM. */
  readonly maxRuns?: number;
  readonly logger?: Logger;
}

/**
 * Runs the nightly job on the schedule, in this process, until stopped. Runs
 * never overlap: croner skips a tick while the previous run is still going, and
 * the run lock (jobs/run-lock.ts) turns away a tick while a run started by hand
 * or by another scheduler holds the database. A failed night is logged and the
 * schedule goes on. Resolves with the last run's exit code after `maxRuns`
 * runs, and with 0 when stopped by a signal.
 */
export async function runSchedule(opts: ScheduleOptions = {}): Promise<number> {
  const log = opts.logger ?? createLogger();
  const config = await loadConfig(opts.config, { inbox: opts.inbox, outbox: opts.outbox, database: opts.db, reports: opts.reports });
  const schedule = readSchedule(config.file, config.raw, opts.cron);
  return new Promise<number>((resolve) => {
    let last: number = EXIT.ok;
    let busy = false;
    let stopping = false;
    const finish = (code: number) => {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      job.stop();
      resolve(code);
    };
    const job = new Cron(schedule.cron, {
      timezone: schedule.timeZone,
      maxRuns: opts.maxRuns,
      protect: () => log.warn('the previous nightly run is still going: this tick is skipped'),
    }, async () => {
      busy = true;
      try {
        last = await nightOnce(opts, log);
      } finally {
        busy = false;
      }
      const next = job.nextRun();
      if (stopping || next === null) finish(stopping ? EXIT.ok : last);
      else log.info({ next: next.toISOString() }, 'next nightly run');
    });
    function stop(signal: NodeJS.Signals) {
      stopping = true;
      log.info({ signal }, busy ? 'stopping after the current run' : 'schedule stopped');
      if (!busy) finish(EXIT.ok);
    }
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    log.info({ cron: schedule.cron, time_zone: schedule.timeZone, next: job.nextRun()?.toISOString() ?? null }, 'nightly runs scheduled');
  });
}

/** One scheduled night: its exit code, whatever happens. */
async function nightOnce(opts: ScheduleOptions, log: Logger): Promise<number> {
  try {
    const { exitCode, summary } = await runNightly({
      config: opts.config, inbox: opts.inbox, outbox: opts.outbox, db: opts.db, reports: opts.reports, logger: log,
    });
    process.stdout.write(formatSummary(summary));
    return exitCode;
  } catch (err) {
    const code = exitCodeOf(err);
    const message = failureMessage(err);
    if (code === EXIT.locked) log.warn(`${message}: this night is skipped`);
    else log.error(code === EXIT.failed ? `nightly run failed; the schedule goes on: ${message}` : message);
    log.debug({ err }, 'the failed night');
    return code;
  }
}

export function register(program: Command, exit: (code: number) => void): void {
  program
    .command('schedule')
    .description('run the nightly job on the cron expression of the configuration (schedule:), in this process')
    .option('--config <file>', 'pipeline configuration', 'config/pipeline.yaml')
    .option('--inbox <dir>', 'inbox folder (default: from the configuration)')
    .option('--outbox <dir>', 'outbox folder (default: from the configuration)')
    .option('--db <file>', 'DuckDB file (default: from the configuration)')
    .option('--reports <dir>', 'folder for the quality reports (default: from the configuration)')
    .option('--cron <expression>', 'cron expression instead of schedule.cron, e.g. "30 2 * * *"')
    .option('--max-runs <n>', 'stop after this many runs and exit with the last run\'s code')
    .option('--next <n>', 'print the next n run times and exit')
    .action(async (o: { config: string; inbox?: string; outbox?: string; db?: string; reports?: string; cron?: string; maxRuns?: string; next?: string }) => {
      const next = count('--next', o.next);
      const maxRuns = count('--max-runs', o.maxRuns);
      if (next !== undefined) {
        const config = await loadConfig(o.config);
        const schedule = readSchedule(config.file, config.raw, o.cron);
        const times = nextRuns(schedule, next);
        // a schedule with a seconds field fires within a minute: without them the lines read the same
        const seconds = times.some((d) => d.getUTCSeconds() !== 0);
        for (const d of times) process.stdout.write(`${inZone(d, schedule.timeZone, seconds)}\n`);
        exit(EXIT.ok);
        return;
      }
      exit(await runSchedule({ ...o, maxRuns, logger: createLogger() }));
    });
}

/**
 * A run time as the operator set it, in the schedule's zone with its offset, then in UTC:
 * "2026-12-06 02:30 Europe/Copenhagen (GMT+01:00) = 2026-12-06T01:30:00.000Z"; with `seconds`,
 * "02:30:10".
 */
export function inZone(d: Date, timeZone: string, seconds = false): string {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'longOffset',
    ...(seconds ? { second: '2-digit' } : {}),
  }).formatToParts(d).map((p) => [p.type, p.value]));
  const time = `${parts.hour}:${parts.minute}${seconds ? `:${parts.second}` : ''}`;
  return `${parts.year}-${parts.month}-${parts.day} ${time} ${timeZone} (${parts.timeZoneName}) = ${d.toISOString()}`;
}

function count(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(flag, v, 'a positive whole number');
  return n;
}
