import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { runNightly } from '../../jobs/nightly.ts';
import { formatSummary } from '../../jobs/summary.ts';
import { CRASH_POINTS, type CrashPoint } from '../../jobs/crashpoints.ts';
import { lockFileFor } from '../../jobs/run-lock.ts';
import { openDatabase, queryRows } from '../../transforms/db/connection.ts';
import { REGISTER, workspace, type Workspace } from '../helpers/inbox.ts';
import { databaseSnapshot, fangst, nightlyArgs, outboxSnapshot } from '../helpers/snapshot.ts';

// Killing the nightly job with SIGKILL anywhere and running it again must leave
// exactly what an uninterrupted run leaves: no row lost or doubled in DuckDB or
// in the outbox, no batch folder that looks complete and is not, a consistent
// ledger, and no lock in the way. Each killed run is a real `node jobs/fangst.js
// nightly` child process (FANGST_CRASH_AT, jobs/crashpoints.ts); the run after
// it is the ordinary job.

const silent = pino({ level: 'silent' });
const NOVAX_DIAGNOSER = 'DiagnoseId;SORkode;Ydernr;PatientPseudo;Diagnosekode;Diagnoseart;Kontaktdato';

/** Three deliveries and the register: published, quarantined (unknown clinic, duplicate) and rejected rows. */
async function inbox(): Promise<Workspace> {
  const ws = await workspace();
  await ws.put('register/klinikregister.csv', REGISTER);
  await ws.put('novax/2025-01_diagnoser_1.csv', [
    NOVAX_DIAGNOSER,
    'n1;61741000016007;;P0000001;H35.3;A;03-01-2025',
    'n2;;4391;P0000002;dh353;B;04-01-2025',
    'n3;61741000016007;;P0000003;DH259;;31-02-2025',        // impossible date: rejected
    'n4;61741000016007;;P0000004;DH259;A;05-01-2025;extra', // too many columns: rejected
    'n5;99999000016001;;P0000005;DH259;A;06-01-2025',       // unknown clinic: quarantined
    'n6;81001000016009;;P0000006;DK509;A;07-01-2025',
    'n1;61741000016007;;P0000001;H35.3;A;03-01-2025',       // exact duplicate: quarantined
  ].join('\n') + '\n', 'latin-1');
  await ws.put('novax/2025-01_epikriser_1.csv', [
    'EpikriseId;SORkode;Ydernr;PatientPseudo;Dato;Overskrift;Tekst',
    'e1;61741000016007;;P0000001;03-01-2025;Epikrise;"Kontrol; to linjer\nanden linje"',
    'e2;61741000016007;;P0000002;04-01-2025;Epikrise;Ingen fund.',
  ].join('\n') + '\n', 'latin-1');
  await ws.put('eg-clinea/2025-01-diagnoses-1.csv', 'id,sor,provider_number,patient_ref,diagnosis_code,diagnosis_type,encounter_date\n'
    + 'c1,71001000016002,,P0000011,L40.0,aktionsdiagnose,2025-01-03\nc2,71001000016002,,P0000012,DL209,bidiagnose,2025-01-04\n');
  return ws;
}

let baseline: { db: Awaited<ReturnType<typeof databaseSnapshot>>; outbox: Awaited<ReturnType<typeof outboxSnapshot>> };

beforeAll(async () => {
  const ws = await inbox();
  const run = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
  expect(run.summary.batchId).not.toBeNull();
  baseline = { db: await databaseSnapshot(ws.db), outbox: await outboxSnapshot(ws.outbox) };
  // The uninterrupted run the others are held against is itself sound.
  expect(baseline.outbox).toMatchObject({ hidden: [], folders: 1, incomplete: [] });
  expect(baseline.db.core.diagnoser).toHaveLength(5);
  expect(baseline.db.quarantine).toHaveLength(2);
  expect(baseline.db.rejects).toHaveLength(2);
});

// Child processes cost seconds each (tsx, DuckDB): two at a time on this machine. The tests all
// start at once and wait their turn, so each gets a timeout that covers the queue.
const spawnLimit = pLimit(2);
const QUEUED = { timeout: 900_000 };

/** Points after which a visible batch folder may exist: only one carrying _SUCCESS counts. */
const AFTER_RENAME: readonly CrashPoint[] = ['after-rename', 'after-success', 'after-report', 'after-publish'];

async function killedThenRerun(ws: Workspace, points: CrashPoint[]) {
  for (const point of points) {
    if (point === 'lock-takeover') {
      // Only a run that finds a killed run's lock takes it over: leave one, from a pid that is gone.
      const gone = spawnSync(process.execPath, ['-e', '']).pid;
      await writeFile(lockFileFor(ws.db), JSON.stringify({ pid: gone, hostname: hostname(), started_at: '2026-01-01T01:30:00.000Z', job: 'nightly', pid_start: null }));
    }
    const killed = await spawnLimit(() => fangst(nightlyArgs(ws), { FANGST_CRASH_AT: point }));
    // SIGKILL proves the run got as far as the point; an exit code would mean it never did.
    expect(killed.signal, `${point}: ${killed.stderr.slice(-800)}`).toBe('SIGKILL');
    const out = await outboxSnapshot(ws.outbox);
    // A folder without _SUCCESS may exist (after the rename); one with it is complete.
    if (!AFTER_RENAME.includes(point)) expect(out.folders).toBe(0);
    if (point === 'after-rename') expect(out.incomplete).toHaveLength(1);
  }
  return runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
}

describe.concurrent('a run killed with SIGKILL, then run again', () => {
  it('covers at least ten distinct points of a run', () => {
    expect(new Set(CRASH_POINTS).size).toBeGreaterThanOrEqual(10);
  });

  for (const point of CRASH_POINTS) {
    it(`killed at ${point}: the next run leaves the same tables and outbox as an uninterrupted run`, QUEUED, async () => {
      const ws = await inbox();
      const again = await killedThenRerun(ws, [point]);
      expect(again.exitCode).toBe(0);
      expect(await databaseSnapshot(ws.db)).toEqual(baseline.db);
      expect(await outboxSnapshot(ws.outbox)).toEqual(baseline.outbox);
      // No lock, takeover guard or private lock file left beside the database.
      expect((await readdir(ws.root)).filter((f) => f.includes('.lock'))).toEqual([]);
    });
  }

  // A batch marked published has its run's quality report; one killed before the mark gets it from the next run.
  for (const point of ['after-success', 'after-report', 'after-publish'] as const) {
    it(`killed at ${point}: the report is there once the batch is marked published, and after the next run in any case`, QUEUED, async () => {
      const ws = await inbox();
      const killed = await spawnLimit(() => fangst(nightlyArgs(ws), { FANGST_CRASH_AT: point }));
      expect(killed.signal, killed.stderr.slice(-800)).toBe('SIGKILL');
      const db = await openDatabase(ws.db, { readOnly: true });
      const [batch] = await queryRows<{ run_id: string; status: string }>(await db.connect(), 'select run_id, status from meta.batches');
      db.close();
      const report = join(ws.reports, batch!.run_id, 'quality-report.html');
      // (at after-success the report may be written or not: it is made beside the batch's Parquet)
      expect({ status: batch!.status, report: point === 'after-success' || existsSync(report) }).toEqual(
        { status: point === 'after-publish' ? 'published' : 'committed', report: true });
      await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
      // The next run has only its run_results.json (it had nothing new); the quality report is the killed run's, once.
      expect(await foldersWithReport(ws.reports)).toEqual([batch!.run_id]);
      expect(existsSync(report)).toBe(true);
    });
  }

  it('killed after commit: the next run publishes that batch first and says so, in its summary and run_results.json', QUEUED, async () => {
    const ws = await inbox();
    const killed = await spawnLimit(() => fangst(nightlyArgs(ws), { FANGST_CRASH_AT: 'after-commit' }));
    expect(killed.signal, killed.stderr.slice(-800)).toBe('SIGKILL');
    const db = await openDatabase(ws.db, { readOnly: true });
    const [batch] = await queryRows<{ batch_id: string }>(await db.connect(), `select batch_id from meta.batches where status = 'committed'`);
    db.close();
    const again = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    expect(again.summary).toMatchObject({ batchId: null, recovered: [batch!.batch_id] });
    expect(formatSummary(again.summary)).toContain(`also published, first: batch ${batch!.batch_id}, committed by an interrupted run`);
    // its first line does not say it published nothing (ot14 LOW 3)
    expect(formatSummary(again.summary).split('\n')[0]).toBe(`fangst nightly ${again.summary.runId}: no new rows of its own`);
    const results = JSON.parse(await readFile(join(ws.reports, again.summary.runId, 'run_results.json'), 'utf8'));
    expect(results.recovered_batches).toEqual([{ batch_id: batch!.batch_id, batch: join(ws.outbox, batch!.batch_id) }]);
    // `fangst runs` tells the killed run by its batch and the rows it committed, which the next run
    // published: the runs listed add up to the ledger.
    const listed = JSON.parse((await fangst(['runs', '--json', '--db', ws.db])).stdout) as Array<{ status: string; batch_id: string | null; rows: Record<string, number> | null }>;
    const db2 = await openDatabase(ws.db, { readOnly: true });
    const [ledger] = await queryRows<{ read: number; published: number }>(await db2.connect(),
      `select sum(rows_read)::integer as read, sum(rows_published)::integer as published from meta.files where kind <> 'register'`);
    db2.close();
    expect(listed.filter((r) => r.status === 'crashed')).toEqual([expect.objectContaining({ batch_id: batch!.batch_id, rows: expect.objectContaining({ read: ledger!.read, published: ledger!.published }) })]);
  });

  it('killed after commit and killed again while the next run publishes that batch: the third run finishes it once', QUEUED, async () => {
    const ws = await inbox();
    await killedThenRerun(ws, ['after-commit', 'mid-publish', 'after-rename']);
    expect(await databaseSnapshot(ws.db)).toEqual(baseline.db);
    expect(await outboxSnapshot(ws.outbox)).toEqual(baseline.outbox);
    // The killed run never wrote its quality reports; the run that published its batch did, once.
    const reports = await foldersWithReport(ws.reports);
    const written = await Promise.all(reports.map(async (r) => (await readdir(join(ws.reports, r))).sort()));
    expect(written).toEqual([expect.arrayContaining(['quality-report.html', 'quality-report-shareable.html'])]);
  });
});

/** The run folders under the reports folder that hold a quality report (every run's has its run_results.json). */
async function foldersWithReport(reports: string): Promise<string[]> {
  const names = await readdir(reports).catch(() => [] as string[]);
  return names.filter((r) => r !== 'latest' && existsSync(join(reports, r, 'quality-report.html'))).sort();
}

// A scheduler's timeout, systemd or Ctrl-C sends SIGTERM or SIGINT, not SIGKILL: the run
// stops at once, says so in one line and with the shell's code for the signal, records it,
// and leaves what a killed run leaves (FANGST_SIGNAL_AT, jobs/crashpoints.ts).
describe.concurrent('a run stopped by SIGTERM', () => {
  it('before its commit: exit 143, a line that says nothing was committed, the run recorded, and the next run loads it all', QUEUED, async () => {
    const ws = await inbox();
    const stopped = await spawnLimit(() => fangst(nightlyArgs(ws), { FANGST_SIGNAL_AT: 'after-staging', FANGST_LOG_LEVEL: 'silent' }));
    expect(stopped.code, stopped.stderr.slice(-800)).toBe(143);
    expect(stopped.stderr).toBe('fangst nightly: stopped by SIGTERM; nothing of the run was committed, the next run loads its files again\n');
    expect(await outboxSnapshot(ws.outbox)).toMatchObject({ folders: 0, hidden: [] });
    expect((await readdir(ws.root)).filter((f) => f.includes('.lock'))).toEqual([]);
    const listed = JSON.parse((await fangst(['runs', '--json', '--db', ws.db])).stdout) as Array<{ status: string; exit_code: number; batch_id: string | null }>;
    expect(listed).toEqual([expect.objectContaining({ status: 'failed', exit_code: 143, batch_id: null })]);
    const again = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    expect(again.exitCode).toBe(0);
    expect(await databaseSnapshot(ws.db)).toEqual(baseline.db);
    expect(await outboxSnapshot(ws.outbox)).toEqual(baseline.outbox);
  });

  it('after its commit: the run publishes its batch and ends as an uninterrupted run does', QUEUED, async () => {
    const ws = await inbox();
    const stopped = await spawnLimit(() => fangst(nightlyArgs(ws), { FANGST_SIGNAL_AT: 'after-commit', FANGST_LOG_LEVEL: 'silent' }));
    expect(stopped.code, stopped.stderr.slice(-800)).toBe(0);
    expect(await databaseSnapshot(ws.db)).toEqual(baseline.db);
    expect(await outboxSnapshot(ws.outbox)).toEqual(baseline.outbox);
  });
});
