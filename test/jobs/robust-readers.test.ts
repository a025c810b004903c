// Reports beside a nightly: readers open the database read-only and share it, a writer holds
// the run lock, and either side finding the file held by the other waits a bounded while and
// then exits 75 with one line naming the holder (README, "What fangst guarantees").
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../jobs/exit-codes.ts';
import { runLabQuality } from '../../jobs/lab-quality.ts';
import { runNightly } from '../../jobs/nightly.ts';
import { acquireRunLock, lockFileFor, RunLocked } from '../../jobs/run-lock.ts';
import { openDatabase, type Database } from '../../transforms/db/connection.ts';
import { REGISTER, workspace, type Workspace } from '../helpers/inbox.ts';
import { fangst, nightlyArgs, REPO } from '../helpers/snapshot.ts';
import { until } from '../helpers/wait.ts';

const silent = pino({ level: 'silent' });

/** The reading commands, each pointed at `db`. */
function readers(db: string, out: string): string[][] {
  return [
    ['campaign', '--db', db, '--out', join(out, 'campaign')],
    ['monitor', '--db', db],
    ['checks', '--db', db],
    ['checks', 'report', '--db', db, '--out', join(out, 'report')],
    ['score', '--db', db, '--truth', join(REPO, 'data-samples', 'truth.parquet')],
  ];
}

/** What a nightly holds while it runs: the run lock, and the database open for writing. */
async function holdAsNightly(db: string): Promise<{ release(): Promise<void> }> {
  const lock = await acquireRunLock(db, 'nightly');
  const open = await openDatabase(db);
  return { release: async () => { open.close(); await lock.release(); } };
}

describe('readers and writers of one database', () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    const run = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    expect(run.exitCode).toBe(EXIT.ok);
  });

  it('every reader started during a nightly that does not end in time exits 75 with one line naming the nightly', async () => {
    const nightly = await holdAsNightly(ws.db);
    try {
      const results = await Promise.all(readers(ws.db, ws.root).map((args) => fangst(args, { FANGST_LOCK_WAIT: '0' })));
      for (const [i, r] of results.entries()) {
        const lines = r.stderr.trimEnd().split('\n');
        expect({ command: readers(ws.db, ws.root)[i]!.slice(0, 2), code: r.code, lines: lines.length }).toEqual(
          { command: readers(ws.db, ws.root)[i]!.slice(0, 2), code: EXIT.locked, lines: 1 });
        expect(lines[0]).toContain(`the database ${ws.db} is in use by nightly pid ${process.pid}`);
        expect(lines[0]).not.toContain('Could not set lock');
      }
    } finally {
      await nightly.release();
    }
  });

  it('a reader waits for a nightly that finishes within FANGST_LOCK_WAIT, then reads', async () => {
    const nightly = await holdAsNightly(ws.db);
    let stderr = '';
    const child = spawn(process.execPath, [join(REPO, 'jobs', 'fangst.js'), 'monitor', '--db', ws.db], {
      cwd: REPO, env: { ...process.env, FANGST_LOCK_WAIT: '600', FANGST_LOG_LEVEL: 'debug', FANGST_LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      // The event: the reader has found the database in use and says it waits.
      await until(() => stderr.includes('the database is in use: waiting for it'), 'the reader to wait', 300_000);
    } finally {
      await nightly.release();
    }
    expect(await exited).toBe(EXIT.ok);
  });

  it('readers share the database: a report runs while another holds it open', async () => {
    const reader = await openDatabase(ws.db, { readOnly: true });
    try {
      const r = await fangst(['monitor', '--db', ws.db], { FANGST_LOCK_WAIT: '0' });
      expect(r.code).toBe(EXIT.ok);
    } finally {
      reader.close();
    }
  });

  it('a nightly started while a report reads exits 75 with one line naming the reader, and leaves no lock', async () => {
    const reader = await openDatabase(ws.db, { readOnly: true });
    try {
      const r = await fangst(nightlyArgs(ws), { FANGST_LOCK_WAIT: '0' });
      expect(r.code).toBe(EXIT.locked);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^fangst nightly: the database .* is in use by pid ${process.pid} \\(.*node`));
      expect(existsSync(lockFileFor(ws.db))).toBe(false);
    } finally {
      reader.close();
    }
  });

  it('a reader pointed at a database that does not exist exits 2 and creates nothing', async () => {
    const missing = join(ws.root, 'missing', 'fangst.duckdb');
    const results = await Promise.all(readers(missing, ws.root).map((args) => fangst(args)));
    // `checks` too: it lists the checks without outcomes when the configured database is not
    // there yet, but one named with --db must be (README "Exit codes")
    expect(results.map((r) => r.code)).toEqual([EXIT.config, EXIT.config, EXIT.config, EXIT.config, EXIT.config]);
    expect(existsSync(join(ws.root, 'missing'))).toBe(false);
  });

  it('a second lab-quality into the same folder is turned away by the run lock of its database', async () => {
    const out = join(ws.root, 'lq');
    const lock = await acquireRunLock(join(out, 'lab-quality.duckdb'), 'lab-quality');
    try {
      const err = await runLabQuality({ extracts: [join(REPO, 'data-samples', 'inbox')], out, logger: silent }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RunLocked);
    } finally {
      await lock.release();
    }
  });
});
