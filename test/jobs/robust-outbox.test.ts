import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { main } from '../../jobs/cli.ts';
import { EXIT } from '../../jobs/exit-codes.ts';
import { runNightly } from '../../jobs/nightly.ts';
import { REGISTER, workspace, type Workspace } from '../helpers/inbox.ts';
import { databaseSnapshot, outboxSnapshot } from '../helpers/snapshot.ts';

// An outbox that cannot take a batch must fail the run cleanly (exit 1, a clear
// message), publish nothing partially, and lose nothing: see README, "What fangst
// guarantees". Two moments differ:
// - the outbox is unusable from the start (rights, read-only, a file in the way):
//   the run stops before it stages anything, the ledger is not advanced, and the
//   next run loads the same files;
// - the disk fills while the batch is written, after the run's transaction has
//   committed: the half-written folder is removed, the batch stays 'committed',
//   and the next run publishes it, once, before it loads anything new.

const silent = pino({ level: 'silent' });
const HEADER = 'DiagnoseId;SORkode;Ydernr;PatientPseudo;Diagnosekode;Diagnoseart;Kontaktdato';

async function inbox(): Promise<Workspace> {
  const ws = await workspace();
  await ws.put('register/klinikregister.csv', REGISTER);
  await ws.put('novax/2025-01_diagnoser_1.csv', [
    HEADER,
    'n1;61741000016007;;P0000001;DH353;A;03-01-2025',
    'n2;61741000016007;;P0000002;DH259;B;31-02-2025', // rejected: impossible date
    'n3;99999000016001;;P0000003;DH259;A;06-01-2025', // quarantined: unknown clinic
  ].join('\n') + '\n', 'latin-1');
  return ws;
}

/** `fangst nightly` in this process: its exit code and what it wrote to stderr. */
async function cli(ws: Workspace, outbox = ws.outbox): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  });
  try {
    const code = await main(['node', 'fangst', 'nightly', '--inbox', ws.inbox, '--outbox', outbox, '--db', ws.db, '--reports', ws.reports]);
    return { code, stderr };
  } finally {
    spy.mockRestore();
  }
}

const opts = (ws: Workspace) => ({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });

async function ledger(db: string) {
  return withDatabase(db, async (_d, conn) => {
    const [r] = await queryRows<Record<string, bigint>>(conn, `select
      (select count(*) from meta.files) as files, (select count(*) from core.diagnoser) as published,
      (select count(*) from core.quarantine) as quarantined, (select count(*) from meta.rejects) as rejected,
      (select count(*) from meta.batches where status = 'committed') as committed,
      (select count(*) from meta.batches where status = 'published') as batches`);
    return Object.fromEntries(Object.entries(r!).map(([k, v]) => [k, Number(v)]));
  });
}

afterEach(() => {
  delete process.env.FANGST_FAIL_AT;
});

describe('an outbox that cannot take the batch', () => {
  it('unwritable from the start: exit 1 with the path and the cause, nothing loaded; the next run loads everything once', async () => {
    const ws = await inbox();
    // A file where the outbox folder should be: unwritable even for root, which ignores permissions.
    await writeFile(join(ws.root, 'blocked'), '');
    const blocked = join(ws.root, 'blocked', 'outbox');
    const failed = await cli(ws, blocked);
    expect(failed.code).toBe(EXIT.failed);
    expect(failed.stderr).toContain(`outbox is not writable: ${blocked}: ENOTDIR; nothing was loaded, the next run tries again`);
    expect(await ledger(ws.db)).toEqual({ files: 0, published: 0, quarantined: 0, rejected: 0, committed: 0, batches: 0 });

    const next = await runNightly(opts(ws));
    expect(next.exitCode).toBe(0);
    expect(next.summary.totals).toEqual({ read: 3, published: 1, quarantined: 1, rejected: 1 });
    expect(await ledger(ws.db)).toEqual({ files: 2, published: 1, quarantined: 1, rejected: 1, committed: 0, batches: 1 });
    expect(await outboxSnapshot(ws.outbox)).toMatchObject({ hidden: [], folders: 1, incomplete: [] });
  });

  it('disk full while the batch is written: exit 1, no folder left, the batch stays committed and the next run publishes it once', async () => {
    const ws = await inbox();
    const clean = await inbox();
    await runNightly(opts(clean));

    process.env.FANGST_FAIL_AT = 'mid-publish';
    const failed = await cli(ws);
    delete process.env.FANGST_FAIL_AT;
    expect(failed.code).toBe(EXIT.failed);
    expect(failed.stderr).toMatch(/publishing batch b\S+ to \S+ failed: ENOSPC: no space left on device .*; the batch stays committed and the next run publishes it/);
    expect(await readdir(ws.outbox)).toEqual([]); // no visible folder, no hidden half one
    expect(await ledger(ws.db)).toEqual({ files: 2, published: 1, quarantined: 1, rejected: 1, committed: 1, batches: 0 });
    // the run history keeps the failed run's batch and the rows it committed (ot14: "failed, batch -, rows -")
    const [run] = await withDatabase(ws.db, (_d, conn) => queryRows<{ status: string; batch: boolean; read: number; published: number }>(conn,
      `select status, batch_id is not null as batch, rows_read::integer as read, rows_published::integer as published from meta.runs`));
    expect(run).toEqual({ status: 'failed', batch: true, read: 3, published: 1 });

    // A new delivery arrives meanwhile: the next run publishes the old batch first, then its own.
    await ws.put('novax/2025-02_diagnoser_1.csv', `${HEADER}\nn4;61741000016007;;P0000004;DH259;A;03-02-2025\nn5;61741000016007;;P0000005;DH259;A;30-02-2025\n`, 'latin-1');
    const next = await runNightly(opts(ws));
    expect(next.exitCode).toBe(0);
    expect(next.summary.totals).toEqual({ read: 2, published: 1, quarantined: 0, rejected: 1 });
    expect(await ledger(ws.db)).toEqual({ files: 3, published: 2, quarantined: 1, rejected: 2, committed: 0, batches: 2 });
    const out = await outboxSnapshot(ws.outbox);
    expect(out).toMatchObject({ hidden: [], folders: 2, incomplete: [] });
    // The recovered batch is exactly what an undisturbed night publishes, rejects included.
    const undisturbed = await outboxSnapshot(clean.outbox);
    expect(out.manifests[0]).toEqual(undisturbed.manifests[0]);

    const third = await runNightly(opts(ws));
    expect(third.summary.batchId).toBeNull();
    expect((await readdir(ws.outbox)).length).toBe(2);
  });

  // A real full disk: a 8 KiB tmpfs takes the probe but not the batch. Needs mount rights (root in a container).
  const canMount = (() => {
    if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
    try {
      execFileSync('mount', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  it.runIf(canMount)('a real full disk (tiny tmpfs as outbox): the same clean failure, and the next run with space publishes the batch', async () => {
    const ws = await inbox();
    const small = join(ws.root, 'small');
    await mkdir(small);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8k', 'tmpfs', small], { stdio: 'ignore' });
    } catch (err) {
      console.warn(`skipped: cannot mount a tmpfs here (${(err as Error).message.split('\n')[0]})`);
      return;
    }
    try {
      const failed = await cli(ws, small);
      expect(failed.code).toBe(EXIT.failed);
      expect(failed.stderr).toMatch(/publishing batch \S+ to \S+ failed: .*No space left on device; the batch stays committed/);
      expect(await readdir(small)).toEqual([]);
    } finally {
      execFileSync('umount', [small]);
    }
    expect((await ledger(ws.db)).committed).toBe(1);
    const next = await runNightly({ ...opts(ws), outbox: small });
    expect(next.exitCode).toBe(0);
    expect(await ledger(ws.db)).toMatchObject({ committed: 0, batches: 1 });
    expect(await outboxSnapshot(small)).toMatchObject({ hidden: [], folders: 1, incomplete: [] });
    expect((await databaseSnapshot(ws.db)).core.diagnoser).toHaveLength(1);
    await rm(small, { recursive: true, force: true });
    expect(existsSync(small)).toBe(false);
  });
});
