import { spawn, spawnSync } from 'node:child_process';
import { existsSync, linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../jobs/exit-codes.ts';
import { runNightly } from '../../jobs/nightly.ts';
import { onReach } from '../../jobs/crashpoints.ts';
import { acquireRunLock, lockFileFor, RunLocked, type LockHolder } from '../../jobs/run-lock.ts';
import { REGISTER, workspace } from '../helpers/inbox.ts';
import { fangst, nightlyArgs } from '../helpers/snapshot.ts';
import { until } from '../helpers/wait.ts';

const silent = pino({ level: 'silent' });

/** The pid of a process that has exited: what a run killed last night leaves in its lock. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  return r.pid!;
}

async function scratchDb(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'fangst-lock-')), 'fangst.duckdb');
}

async function writeLock(db: string, holder: Partial<LockHolder>): Promise<void> {
  const h = { pid: deadPid(), hostname: hostname(), started_at: '2026-01-01T01:30:00.000Z', job: 'nightly', pid_start: null, ...holder };
  await writeFile(lockFileFor(db), JSON.stringify(h) + '\n');
}

describe('the run lock', () => {
  it('a second nightly run exits with code 75 and says who holds the lock, without touching the database', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    const lock = await acquireRunLock(ws.db, 'nightly');
    try {
      const second = await fangst(nightlyArgs(ws));
      expect(second.code).toBe(EXIT.locked);
      expect(second.stderr).toContain(`another run holds the lock: nightly pid ${process.pid} on ${hostname()} since ${lock.holder.started_at}`);
      expect(second.stderr).toContain(lockFileFor(ws.db));
      expect(existsSync(ws.db)).toBe(false);
    } finally {
      await lock.release();
    }
    // Released: the next run goes ahead and leaves no lock behind.
    const run = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    expect(run.exitCode).toBe(0);
    expect(existsSync(lockFileFor(ws.db))).toBe(false);
  });

  it('two runs started together in one process: one runs, the other is turned away', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    const opts = { inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent };
    const results = await Promise.allSettled([runNightly(opts), runNightly(opts)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(RunLocked);
  });

  it('the lock of a run that was killed (same host, pid gone) is taken over, and the run goes ahead', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    const dead = deadPid();
    await writeLock(ws.db, { pid: dead });
    const run = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    expect(run.exitCode).toBe(0);
    expect(existsSync(lockFileFor(ws.db))).toBe(false);

    await writeLock(ws.db, { pid: dead });
    const before = Date.now();
    const lock = await acquireRunLock(ws.db, 'nightly');
    expect(lock.tookOver?.pid).toBe(dead);
    const content = JSON.parse(await readFile(lock.file, 'utf8')) as LockHolder;
    expect(content).toMatchObject({ pid: process.pid, hostname: hostname(), job: 'nightly' });
    expect(Date.parse(content.started_at)).toBeGreaterThanOrEqual(before);
    await lock.release();
  });

  it('a run killed before it opened the database is entered as crashed by the run that takes over its lock (ot14 M2)', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    const killed = await fangst(nightlyArgs(ws), { FANGST_CRASH_AT: 'after-lock' });
    expect(killed.signal).toBe('SIGKILL');
    const left = JSON.parse(await readFile(lockFileFor(ws.db), 'utf8')) as LockHolder;
    expect(left.run_id).toMatch(/^r\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    expect((await fangst(nightlyArgs(ws))).code).toBe(EXIT.ok);
    const runs = JSON.parse((await fangst(['runs', '--json', '--db', ws.db])).stdout) as Array<{ run_id: string; status: string; started_at: string; message: string | null }>;
    expect(runs).toHaveLength(2);
    expect(runs[1]).toMatchObject({ run_id: left.run_id, status: 'crashed', started_at: left.started_at.replace(/\.\d+Z$/, 'Z'), message: expect.stringContaining('before the run opened the database') });
    expect(runs[0]!.status).toBe('succeeded');
  });

  it.runIf(existsSync('/proc/self/stat'))('a live pid that belongs to another process now (pid reused) is stale too', async () => {
    const db = await scratchDb();
    await writeLock(db, { pid: process.pid, pid_start: '1' });
    const lock = await acquireRunLock(db, 'nightly');
    expect(lock.tookOver).toMatchObject({ pid: process.pid, pid_start: '1' });
    await lock.release();
  });

  it.runIf(existsSync('/proc/self/stat'))('a run that was killed but not yet reaped (a zombie) holds no lock: it is taken over', async () => {
    // Node reaps its own children at once, so the zombie is a grandchild: sh starts a child in
    // the background, prints its pid and becomes `sleep 60`, which never reaps it. The child
    // exits only once its parent is `sleep`: a shell reaps a child that ends before the exec.
    const child = `sh -c 'p=$(cut -d" " -f4 /proc/$$/stat); until [ "$(cat /proc/$p/comm)" = sleep ]; do sleep 0.05; done'`;
    const parent = spawn('sh', ['-c', `${child} & echo $!; exec sleep 60`], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const zombie = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(d.toString()))));
      await until(() => /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${zombie}/stat`, 'utf8')), 'the background sleep to become a zombie');
      const db = await scratchDb();
      await writeLock(db, { pid: zombie, pid_start: null });
      const lock = await acquireRunLock(db, 'nightly');
      expect(lock.tookOver).toMatchObject({ pid: zombie });
      await lock.release();
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('two runs that found the same stale lock: the one that comes second to take it over sees it taken and backs off', async () => {
    const db = await scratchDb();
    await writeLock(db, {});
    // The other run wins the takeover just after this one judged the lock stale.
    const winner = { pid: process.pid, hostname: hostname(), started_at: '2026-03-03T02:30:00.000Z', job: 'nightly', pid_start: null };
    const off = onReach('lock-takeover', () => {
      off();
      // As a run does it: its own file, written first, linked in place of the stale one.
      writeFileSync(`${db}.winner`, JSON.stringify(winner));
      unlinkSync(lockFileFor(db));
      linkSync(`${db}.winner`, lockFileFor(db));
      unlinkSync(`${db}.winner`);
    });
    const err = await acquireRunLock(db, 'nightly').catch((e: unknown) => e);
    off();
    expect(err).toBeInstanceOf(RunLocked);
    expect((err as RunLocked).holder).toMatchObject({ started_at: winner.started_at });
    expect(JSON.parse(await readFile(lockFileFor(db), 'utf8'))).toEqual(winner);
    // Nothing left beside the database but the winner's lock: no takeover guard, no private files.
    expect((await readdir(join(db, '..'))).filter((f) => f.includes('.lock'))).toEqual(['fangst.duckdb.lock']);
  });

  it('ten runs in one process racing for a stale lock: exactly one wins', async () => {
    const db = await scratchDb();
    await writeLock(db, {});
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => acquireRunLock(db, 'nightly')));
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(RunLocked);
    await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireRunLock>>>).value.release();
    expect((await readdir(join(db, '..'))).filter((f) => f.includes('.lock'))).toEqual([]);
  });

  it('a takeover guard left by a process killed in the middle of a takeover does not block the next run', async () => {
    const db = await scratchDb();
    await writeLock(db, {});
    await writeFile(`${lockFileFor(db)}.takeover`, JSON.stringify({ pid: deadPid(), hostname: hostname(), started_at: 'x', job: 'nightly' }));
    const lock = await acquireRunLock(db, 'nightly');
    expect(lock.tookOver).not.toBeNull();
    await lock.release();
    expect(existsSync(`${lockFileFor(db)}.takeover`)).toBe(false);
  });

  it('a lock from another host is never judged stale from here: the message says to delete it if that run is gone', async () => {
    const db = await scratchDb();
    await writeLock(db, { hostname: 'batch-02.example' });
    const err = await acquireRunLock(db, 'nightly').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunLocked);
    expect((err as Error).message).toMatch(/on batch-02\.example since .*another host: if that run is gone, delete the lock file/);
  });

  it('a lock file that names no run is left alone, with a message saying what to do', async () => {
    const db = await scratchDb();
    await writeFile(lockFileFor(db), 'garbage');
    const err = await acquireRunLock(db, 'nightly').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunLocked);
    expect((err as Error).message).toBe(`the run lock ${lockFileFor(db)} exists but does not name a run (not JSON: "garbage"); if no run is active, delete it`);
  });

  it('releasing never removes a lock that another run has taken over since', async () => {
    const db = await scratchDb();
    const mine = await acquireRunLock(db, 'nightly');
    await writeLock(db, { pid: 1, started_at: '2026-02-02T02:30:00.000Z' }); // someone else's now
    await mine.release();
    expect(JSON.parse(await readFile(lockFileFor(db), 'utf8')).pid).toBe(1);
  });
});
