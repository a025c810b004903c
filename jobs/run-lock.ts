import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, readdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { makeFolder } from '../config/folders.ts';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { reach } from './crashpoints.ts';

/** Who holds a run lock: written into the lock file as one JSON line. */
export interface LockHolder {
  readonly pid: number;
  readonly hostname: string;
  readonly started_at: string;
  readonly job: string;
  /** The holder's process start time (Linux /proc, clock ticks since boot): tells a reused pid apart. */
  readonly pid_start: string | null;
  /**
   * The run the holder began (nightly): a run killed before it opened the database is in no run
   * history, and the run that takes over its lock enters it from this.
   */
  readonly run_id?: string | null;
}

/** Another run holds the lock: the caller exits with EXIT.locked. */
export class RunLocked extends Error {
  constructor(
    readonly lockFile: string,
    readonly holder: LockHolder | null,
    detail?: string,
    message?: string,
  ) {
    super(
      message ?? (holder
        ? `another run holds the lock: ${holder.job} pid ${holder.pid} on ${holder.hostname} since ${holder.started_at}` +
          (holder.hostname === hostname() ? '' : ' (another host: if that run is gone, delete the lock file)') +
          `; lock file ${lockFile}`
        : `the run lock ${lockFile} ${detail ?? 'is held'}; if no run is active, delete it`),
    );
    this.name = 'RunLocked';
  }
}

/**
 * Another process has the database file open (DuckDB's own lock): a run that writes it while
 * a report waits to read, or a report that reads it while a run waits to write. Named by the
 * run lock when its holder is that process, else by the process's command line.
 */
export class DatabaseInUse extends RunLocked {
  constructor(
    readonly database: string,
    /** The process DuckDB names as the holder of the file, when it does. */
    readonly pid: number | null,
    waitedMs: number,
  ) {
    const lock = readLockSync(lockFileFor(database));
    const holder = lock !== null && (pid === null || lock.pid === pid) && !isStale(lock) ? lock : null;
    const who = holder
      ? `${holder.job} pid ${holder.pid} on ${holder.hostname} since ${holder.started_at}`
      : pid === null ? 'another process' : `pid ${pid}${commandOf(pid)}`;
    super(database, holder, undefined,
      `the database ${database} is in use by ${who}` +
      `${waitedMs > 0 ? ` (waited ${Math.round(waitedMs / 1000)} s, FANGST_LOCK_WAIT)` : ''}; try again when it has finished`);
    this.name = 'DatabaseInUse';
  }
}

function readLockSync(file: string): LockHolder | null {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
    return typeof h.pid === 'number' && typeof h.hostname === 'string' ? h : null;
  } catch {
    return null;
  }
}

/** ` (node jobs/fangst.js campaign ...)` from /proc, cut short; empty where /proc does not say. */
function commandOf(pid: number): string {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return args ? ` (${args.length > 100 ? `${args.slice(0, 97)}...` : args})` : '';
  } catch {
    return '';
  }
}

export interface RunLock {
  readonly file: string;
  readonly holder: LockHolder;
  /** The dead run whose stale lock this one took over, if any. */
  readonly tookOver: LockHolder | null;
  /** Removes the lock file if it is still this run's. Safe to call twice. */
  release(): Promise<void>;
}

/** The lock file beside a DuckDB file: `var/fangst.duckdb` -> `var/fangst.duckdb.lock`. */
export function lockFileFor(database: string): string {
  return `${database}.lock`;
}

/**
 * Takes the exclusive run lock beside the database, or throws RunLocked.
 *
 * The lock file appears atomically with its full content: the holder is
 * written to a private file first and then hard-linked to the lock name, and
 * link() fails when the name exists (O_EXCL semantics, also on NFS). A lock
 * whose process is dead (same host; pid gone or reused) is stale: it is taken
 * over under a second, short-lived link lock (`.takeover`), after checking
 * that the file is still the one judged stale, so two runs that find the same
 * stale lock cannot both win.
 */
export async function acquireRunLock(database: string, job: string, runId: string | null = null): Promise<RunLock> {
  const file = lockFileFor(database);
  if (database === ':memory:') {
    // Nothing to share: every in-memory database is private to its run.
    const holder = { pid: process.pid, hostname: hostname(), started_at: new Date().toISOString(), job, pid_start: null, run_id: runId };
    return { file, holder, tookOver: null, release: async () => {} };
  }
  await makeFolder(dirname(file), "the database's folder");
  const me: LockHolder = {
    pid: process.pid, hostname: hostname(), started_at: new Date().toISOString(), job, pid_start: processStart(process.pid), run_id: runId,
  };
  const mine = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(mine, JSON.stringify(me) + '\n', { flag: 'wx' });
  try {
    let last: LockHolder | null = null;
    for (let attempt = 0; attempt < 5; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * attempt));
      if (await tryLink(mine, file)) return held(file, me, null);
      const current = await readLock(file);
      if (current === null) continue; // released between our link and our read
      if (current.holder === null) throw new RunLocked(file, null, `exists but does not name a run (${current.problem})`);
      last = current.holder;
      if (!isStale(current.holder)) throw new RunLocked(file, current.holder);
      if (await takeOver(file, current, mine)) return held(file, me, current.holder);
    }
    throw new RunLocked(file, last);
  } finally {
    await unlink(mine).catch(() => {});
  }
}

async function held(file: string, me: LockHolder, tookOver: LockHolder | null): Promise<RunLock> {
  await sweepLeftovers(file);
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    process.removeListener('exit', releaseSync);
    const current = await readLock(file);
    if (current?.holder && current.holder.pid === me.pid && current.holder.started_at === me.started_at) {
      await unlink(file).catch(() => {});
    }
  };
  // process.exit() skips finally blocks; a signal or SIGKILL leaves a stale lock the next run takes over.
  const releaseSync = () => {
    try {
      const h = JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
      if (h.pid === me.pid && h.started_at === me.started_at) unlinkSyncQuiet(file);
    } catch {
      /* nothing to release */
    }
  };
  process.on('exit', releaseSync);
  return { file, holder: me, tookOver, release };
}

async function takeOver(file: string, stale: ReadLock, mine: string): Promise<boolean> {
  const guard = `${file}.takeover`;
  if (!(await tryLink(mine, guard))) {
    const g = await readLock(guard);
    if (g?.holder && !isStale(g.holder)) return false; // another run is taking over right now
    // A guard left by a process killed in the middle of a takeover.
    if (g) await unlinkIfInode(guard, g.ino);
    if (!(await tryLink(mine, guard))) return false;
  }
  const ours = (await stat(mine)).ino;
  try {
    reach('lock-takeover');
    const now = await readLock(file);
    if (now === null || now.ino !== stale.ino || now.text !== stale.text) return false; // replaced meanwhile: judge again
    await unlink(file);
    return await tryLink(mine, file);
  } finally {
    await unlinkIfInode(guard, ours);
  }
}

/** Private lock files of processes killed before they cleaned up (`<lock>.<pid>.<random>`). */
async function sweepLeftovers(file: string): Promise<void> {
  const prefix = `${basename(file)}.`;
  for (const name of await readdir(dirname(file))) {
    const m = name.startsWith(prefix) ? /^(\d+)\.[0-9a-f]{8}$/.exec(name.slice(prefix.length)) : null;
    if (!m || Number(m[1]) === process.pid) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') await unlink(join(dirname(file), name)).catch(() => {});
    }
  }
}

async function tryLink(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

type ReadLock = { ino: number; text: string } & ({ holder: LockHolder; problem?: undefined } | { holder: null; problem: string });

async function readLock(file: string): Promise<ReadLock | null> {
  try {
    const [info, text] = await Promise.all([stat(file), readFile(file, 'utf8')]);
    try {
      const h = JSON.parse(text) as Partial<LockHolder>;
      if (typeof h.pid !== 'number' || typeof h.hostname !== 'string') return { ino: info.ino, text, holder: null, problem: 'no pid or hostname' };
      return { ino: info.ino, text, holder: {
        pid: h.pid, hostname: h.hostname, started_at: String(h.started_at), job: String(h.job), pid_start: h.pid_start ?? null,
        run_id: typeof h.run_id === 'string' ? h.run_id : null,
      } };
    } catch {
      return { ino: info.ino, text, holder: null, problem: `not JSON: ${JSON.stringify(text.slice(0, 40))}` };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** A lock is stale when its process is gone: only decidable on the host that wrote it. */
export function isStale(h: LockHolder): boolean {
  if (h.hostname !== hostname()) return false;
  try {
    process.kill(h.pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  // A killed process that its parent has not reaped yet still answers kill(pid, 0): a
  // supervisor restarting the run at once would otherwise be turned away by a dead run.
  if (isExiting(h.pid)) return true;
  // Alive, but is it the same process? A pid is reused after a reboot or wrap-around.
  const start = processStart(h.pid);
  return h.pid_start !== null && start !== null && start !== h.pid_start;
}

/** State Z (zombie: exited, not yet reaped) or X (being torn down) in /proc/<pid>/stat. */
function isExiting(pid: number): boolean {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = text.slice(text.lastIndexOf(')') + 2, text.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return false;
  }
}

/** Field 22 of /proc/<pid>/stat (start time after boot); null where /proc is absent. */
function processStart(pid: number): string | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

async function unlinkIfInode(file: string, ino: number): Promise<void> {
  try {
    if ((await stat(file)).ino === ino) await unlink(file);
  } catch {
    /* already gone */
  }
}

function unlinkSyncQuiet(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    /* already gone */
  }
}
