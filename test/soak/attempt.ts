// One attempt at a night: the nightly as a child process with its fault, and the readers that
// start while it runs. A killed attempt returns at once, so the next one starts right away, as
// a supervisor restarts a job: the killed process may not even be reaped yet.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Attempt, ReaderStart } from './faults.ts';
import { after, firstLine, hasStackTrace, startFangst, type Exited } from './processes.ts';

/** Where one history (the soak's, or the replay's) lives. */
export interface History {
  readonly inbox: string;
  readonly outbox: string;
  readonly db: string;
  readonly reports: string;
  /** Outputs of the readers (campaign, checks report). */
  readonly readerOut: string;
}

export function historyIn(root: string): History {
  return {
    inbox: join(root, 'inbox'), outbox: join(root, 'outbox'), db: join(root, 'fangst.duckdb'),
    reports: join(root, 'reports'), readerOut: join(root, 'readers'),
  };
}

export function nightlyArgs(h: History): string[] {
  return ['nightly', '--inbox', h.inbox, '--outbox', h.outbox, '--db', h.db, '--reports', h.reports];
}

/** How an attempt ended, from the supervisor's point of view. */
export type Outcome =
  /** Exit 0 or 3 (held back): the night is done. */
  | 'finished'
  /** SIGKILL, from us or from the run itself at a crash point: restart. */
  | 'killed'
  /** Exit 1 where ENOSPC was injected: restart. */
  | 'failed'
  /** Exit 75: someone holds the database; restart. */
  | 'locked'
  /** Anything else (exit 1 without a fault, 2, a stack trace): a defect; restart. */
  | 'defect';

export interface AttemptResult {
  readonly outcome: Outcome;
  /** The fault did not happen: the run ended before the moment, or never reached the point. */
  readonly faultMissed: boolean;
  /** The nightly's pid, so a later "the lock is held by pid N" can be told to name a dead run. */
  readonly pid: number | undefined;
  /** What went wrong, for the defect list. */
  readonly defect: string | null;
  readonly exitCode: number | null;
  /** How long the attempt ran, until it ended or was killed. */
  readonly ms: number;
  /** Readers started during the attempt; they may outlive it and are awaited at the end of the night. */
  readonly readers: Promise<ReaderResult | null>[];
  /** The killed process's end (awaited at the end of the night, to be sure it is gone). */
  readonly exited: Promise<Exited>;
}

/**
 * Runs one attempt. `usualMs` is how long this night takes undisturbed: the random kill and the
 * readers land at a share of it, so they fall inside the run however fast the machine is.
 * `killedPids` are the nightlies killed so far: a lock refused in the name of one is a defect.
 */
export async function runAttempt(h: History, attempt: Attempt, usualMs: number, killedPids: ReadonlySet<number>, readerNo: () => number): Promise<AttemptResult> {
  const fault = attempt.fault;
  const env: Record<string, string> = {};
  if (fault?.kind === 'kill-at-point') env.FANGST_CRASH_AT = fault.point;
  if (fault?.kind === 'disk-full') env.FANGST_FAIL_AT = fault.point;
  const started = Date.now();
  const run = startFangst(nightlyArgs(h), env);
  const pid = run.child.pid;
  const readers = attempt.readers.map((r) => after(r.fraction * usualMs).then(() => startReader(h, r, readerNo())));

  if (fault?.kind === 'kill-at-moment') {
    const moment = after(fault.fraction * usualMs).then(() => 'moment' as const);
    const first = await Promise.race([moment, run.exited.then(() => 'exited' as const)]);
    if (first === 'moment') {
      run.child.kill('SIGKILL');
      // Restart right away: do not wait for the killed process to be reaped.
      return { outcome: 'killed', faultMissed: false, pid, defect: null, exitCode: null, ms: Date.now() - started, readers, exited: run.exited };
    }
  }
  const exited = await run.exited;
  return { ...judgeNightly(attempt, exited, killedPids), pid, ms: exited.ms, readers, exited: run.exited };
}

function judgeNightly(attempt: Attempt, r: Exited, killedPids: ReadonlySet<number>): Pick<AttemptResult, 'outcome' | 'faultMissed' | 'defect' | 'exitCode'> {
  const fault = attempt.fault;
  const said = firstLine(r.stderr);
  const base = { exitCode: r.code, faultMissed: false, defect: null };
  if (hasStackTrace(r.stderr)) return { ...base, outcome: 'defect', defect: `nightly printed a stack trace (exit ${r.code}): ${said}` };
  if (r.signal === 'SIGKILL' && fault?.kind === 'kill-at-point') return { ...base, outcome: 'killed' };
  if (r.code === 0 || r.code === 3) return { ...base, outcome: 'finished', faultMissed: fault !== null };
  if (r.code === 1 && fault?.kind === 'disk-full' && /ENOSPC/.test(r.stderr)) return { ...base, outcome: 'failed' };
  if (r.code === 75) {
    // "another run holds the lock: nightly pid N" for a run we killed: the stale-lock check missed a dead process.
    const holder = Number(/holds the lock: \S+ pid (\d+)/.exec(r.stderr)?.[1]);
    if (killedPids.has(holder)) return { ...base, outcome: 'defect', defect: `nightly exit 75 for a killed run's lock (pid ${holder}): ${said}` };
    return { ...base, outcome: 'locked' };
  }
  const what = r.signal ? `signal ${r.signal}` : `exit ${r.code}`;
  return { ...base, outcome: 'defect', defect: `nightly ${what} with fault ${JSON.stringify(fault)}: ${said}` };
}

export interface ReaderResult {
  readonly command: string;
  readonly code: number | null;
  readonly defect: string | null;
}

/** A reader either reads (exit 0) or says in one line that the database is busy (exit 75). */
async function startReader(h: History, r: ReaderStart, no: number): Promise<ReaderResult | null> {
  // Before the first run has made the database there is nothing to read (exit 2 is right then).
  if (!existsSync(h.db)) return null;
  const out = join(h.readerOut, `${no}`);
  const args = r.command === 'monitor' ? ['monitor', '--db', h.db]
    : r.command === 'campaign' ? ['campaign', '--db', h.db, '--out', out]
    : ['checks', 'report', '--db', h.db, '--out', out];
  const x = await startFangst(args, { FANGST_LOCK_WAIT: String(r.lockWaitSeconds) }).exited;
  const lines = x.stderr.trimEnd().split('\n').filter(Boolean);
  let defect: string | null = null;
  if (hasStackTrace(x.stderr)) defect = `${r.command} printed a stack trace (exit ${x.code}): ${firstLine(x.stderr)}`;
  else if (x.code === 75 && lines.length !== 1) defect = `${r.command} exit 75 with ${lines.length} lines: ${firstLine(x.stderr)}`;
  else if (x.code !== 0 && x.code !== 75) defect = `${r.command} exit ${x.signal ?? x.code}: ${firstLine(x.stderr)}`;
  return { command: r.command, code: x.code, defect };
}
