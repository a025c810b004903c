// run_results.json: every nightly run, one with nothing new and a failed one included, leaves a
// machine-readable record beside its reports whose row accounting is the ledger's (meta.files).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { runNightly } from '../../jobs/nightly.ts';
import type { RunResults } from '../../jobs/run-results.ts';
import { runRuns, type RunRow } from '../../jobs/runs.ts';
import { NotFound } from '../../config/errors.ts';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { REGISTER, workspace, type Workspace } from '../helpers/inbox.ts';

const silent = pino({ level: 'silent' });
const exec = promisify(execFile);

const DH = 'DiagnoseId;SORkode;Ydernr;PatientPseudo;Diagnosekode;Diagnoseart;Kontaktdato';
const EH = 'EpikriseId;SORkode;Ydernr;PatientPseudo;Dato;Overskrift;Tekst';
const SOR = '61741000016007';

async function inbox(): Promise<Workspace> {
  const ws = await workspace();
  await ws.put('register/klinikregister.csv', REGISTER);
  await ws.put('novax/2025-01_diagnoser_1.csv', [
    DH,
    `d1;${SOR};;PA000001;DH353;A;03-01-2025`,
    `d2;${SOR};;PA000002;DH259;B;32-01-2025`,          // no such date: rejected
    `d3;99999000016001;;PA000003;DH259;A;06-01-2025`,  // unknown clinic: quarantined
    `d4;${SOR};;PA000004;DE119;A;06-01-2025`,
  ].join('\n') + '\n', 'latin-1');
  await ws.put('novax/2025-01_epikriser_1.csv', `${EH}\ne1;${SOR};;PA000001;03-01-2025;Epikrise;kort\n`, 'latin-1');
  await ws.put('novax/laes-mig.txt', 'not a delivery\n');
  return ws;
}

/** One run of the job, with the run_results it reported; a failing run's error comes back too. */
async function night(ws: Workspace): Promise<{ results: RunResults[]; exitCode: number | null; error: Error | null }> {
  const results: RunResults[] = [];
  try {
    const r = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent, onRunResults: (x) => results.push(x) });
    return { results, exitCode: r.exitCode, error: null };
  } catch (err) {
    return { results, exitCode: null, error: err as Error };
  }
}

/**
 * The file as written, checked to be the one reported, created as every output is (file_mode sets
 * the umask: test/jobs/file-modes.test.ts checks the modes through the command) and free of pseudonyms.
 */
async function readResults(ws: Workspace, reported: RunResults): Promise<RunResults> {
  const file = join(ws.reports, reported.run_id, 'run_results.json');
  const text = await readFile(file, 'utf8');
  expect(JSON.parse(text)).toEqual(reported);
  expect((await stat(file)).mode & 0o777).toBe(0o666 & ~currentUmask());
  expect(text).not.toMatch(/PA0000\d\d/);
  expect(await readlink(join(ws.reports, 'latest'))).toBe(reported.run_id);
  return reported;
}

/** The ledger of a run, in run_results' terms. */
async function ledgerOf(ws: Workspace, runId: string) {
  return withDatabase(ws.db, async (_db, conn) => {
    const files = await queryRows<{ file: string; kind: string; read: bigint; published: bigint; quarantined: bigint; rejected: bigint }>(conn, `
      select file_name as file, kind, rows_read as read, rows_published as published, rows_quarantined as quarantined, rows_rejected as rejected
      from meta.files where run_id = '${runId}' order by file_name`);
    return files.map((f) => ({ file: f.file, kind: f.kind, rows: { read: Number(f.read), published: Number(f.published), quarantined: Number(f.quarantined), rejected: Number(f.rejected) } }));
  });
}

function loadedOf(r: RunResults) {
  return r.files.filter((f) => f.outcome === 'loaded').map((f) => ({ file: f.file, kind: f.kind, rows: f.rows })).sort((a, b) => (a.file < b.file ? -1 : 1));
}

/** Adds up the ledger rows per kind (the register left out) the way run_results.rows should. */
function byKind(files: Awaited<ReturnType<typeof ledgerOf>>) {
  const out = new Map<string, { kind: string; read: number; published: number; quarantined: number; rejected: number }>();
  for (const f of files.filter((x) => x.kind !== 'register')) {
    const t = out.get(f.kind) ?? { kind: f.kind, read: 0, published: 0, quarantined: 0, rejected: 0 };
    out.set(f.kind, { kind: f.kind, read: t.read + f.rows.read, published: t.published + f.rows.published, quarantined: t.quarantined + f.rows.quarantined, rejected: t.rejected + f.rows.rejected });
  }
  return [...out.values()].sort((a, b) => (a.kind < b.kind ? -1 : 1));
}

afterEach(() => {
  delete process.env.FANGST_FAIL_AT;
});

describe('run_results.json', () => {
  it('a normal run, then one with nothing new: status, steps, files, rows equal to the ledger, checks, outputs', async () => {
    const ws = await inbox();
    const first = await night(ws);
    expect(first.exitCode).toBe(0);
    const r = await readResults(ws, first.results[0]!);
    expect(r).toMatchObject({ schema: 'fangst/run-results/v1', job: 'nightly', status: 'succeeded', exit_code: 0, error: null, time_zone: 'Europe/Copenhagen' });
    expect(r.steps.map((s) => s.step)).toEqual(['hash', 'stage', 'transform staging', 'transform core', 'checks', 'accept', 'commit', 'publish']);
    expect(r.elapsed_ms).toBeGreaterThanOrEqual(r.steps.reduce((t, s) => t + s.ms, 0) - r.steps.length);

    const ledger = await ledgerOf(ws, r.run_id);
    expect(loadedOf(r)).toEqual(ledger);
    expect(ledger.find((f) => f.file === 'novax/2025-01_diagnoser_1.csv')!.rows).toEqual({ read: 4, published: 2, quarantined: 1, rejected: 1 });
    expect(r.rows.by_kind).toEqual(byKind(ledger));
    expect(r.rows.totals).toEqual({ read: 5, published: 3, quarantined: 1, rejected: 1 });
    expect(r.files.find((f) => f.file === 'novax/laes-mig.txt')).toMatchObject({ outcome: 'unrecognised', rows: null });

    const sks = r.checks.find((c) => c.id === 'diagnoser.sks_format')!;
    expect(sks).toMatchObject({ kind: 'diagnoser', category: 'conformance', scope: 'row', severity: 'error', outcome: 'passed', numerator: 0, denominator: 3 });
    expect(r.outputs.batch).toBe(join(ws.outbox, r.batch_id!));
    expect(existsSync(join(r.outputs.batch!, '_SUCCESS'))).toBe(true);
    expect(r.outputs.quality_report).toBe(join(ws.reports, r.run_id, 'quality-report.html'));

    const second = await night(ws);
    const n = await readResults(ws, second.results[0]!);
    expect(n).toMatchObject({ status: 'nothing_new', exit_code: 0, batch_id: null, steps: [{ step: 'hash' }], checks: [], error: null });
    expect(n.files.filter((f) => f.outcome === 'already_loaded').map((f) => f.file).sort()).toEqual(ledger.map((f) => f.file));
    expect(loadedOf(n)).toEqual(await ledgerOf(ws, n.run_id));
    expect(n.rows).toEqual({ totals: { read: 0, published: 0, quarantined: 0, rejected: 0 }, by_kind: [] });

    // fangst runs: both, newest first, read-only, with run_results.json's status; in the configured zone on the terminal.
    let printed = '';
    await runRuns({ db: ws.db, json: true }, (t) => (printed += t));
    const runs = JSON.parse(printed) as RunRow[];
    expect(runs.map((x) => [x.run_id, x.job, x.status, x.exit_code, x.batch_id, x.rows])).toEqual([
      [n.run_id, 'nightly', 'nothing_new', 0, null, { read: 0, published: 0, quarantined: 0, rejected: 0 }],
      [r.run_id, 'nightly', 'succeeded', 0, r.batch_id, r.rows.totals],
    ]);
    printed = '';
    await runRuns({ db: ws.db, limit: '1' }, (t) => (printed += t));
    const [head, row, more] = printed.trimEnd().split('\n');
    expect(head).toMatch(/^run\s+job\s+started \(Europe\/Copenhagen\)\s+took\s+status\s+exit\s+batch\s+read\s+published\s+quarantined\s+rejected$/);
    expect(row).toMatch(new RegExp(`^${n.run_id}\\s+nightly\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\s+\\S+ s\\s+nothing_new\\s+0\\s+–\\s+0\\s+0\\s+0\\s+0$`));
    expect(more).toBeUndefined();
    await expect(runRuns({ db: join(ws.root, 'nope.duckdb') })).rejects.toThrow(NotFound);
    expect(existsSync(join(ws.root, 'nope.duckdb'))).toBe(false);
  });

  it('a run that fails before its commit: status failed, the files not loaded, no rows (as the ledger)', async () => {
    const ws = await inbox();
    process.env.FANGST_FAIL_AT = 'before-commit';
    const failed = await night(ws);
    expect(failed.error?.message).toMatch(/ENOSPC/);
    const r = await readResults(ws, failed.results[0]!);
    expect(r).toMatchObject({ status: 'failed', exit_code: 1, batch_id: null, error: { message: expect.stringContaining('ENOSPC') } });
    expect(r.files.filter((f) => f.outcome === 'not_loaded').map((f) => f.file).sort()).toEqual(
      ['novax/2025-01_diagnoser_1.csv', 'novax/2025-01_epikriser_1.csv', 'register/klinikregister.csv']);
    expect(await ledgerOf(ws, r.run_id)).toEqual([]);
    expect(loadedOf(r)).toEqual([]);
    expect(r.rows.totals).toEqual({ read: 0, published: 0, quarantined: 0, rejected: 0 });
  });

  it('a run that fails after its commit (the outbox): its committed rows are the ledger\'s, its batch waits for the next run', async () => {
    const ws = await inbox();
    process.env.FANGST_FAIL_AT = 'mid-publish';
    const failed = await night(ws);
    expect(failed.error?.message).toMatch(/ENOSPC/);
    const r = await readResults(ws, failed.results[0]!);
    expect(r).toMatchObject({ status: 'failed', exit_code: 1, outputs: { batch: null } });
    expect(r.batch_id).toMatch(/^b/);
    const ledger = await ledgerOf(ws, r.run_id);
    expect(ledger).toHaveLength(3);
    expect(loadedOf(r)).toEqual(ledger);
    expect(r.rows.by_kind).toEqual(byKind(ledger));
  });

  it('a run that fails before it begins (an outbox it cannot write) still leaves its record', async () => {
    const ws = await inbox();
    const { writeFile } = await import('node:fs/promises');
    await writeFile(ws.outbox, 'a file where the outbox folder should be');
    const failed = await night(ws);
    expect(failed.error?.message).toMatch(/outbox is not writable/);
    const r = await readResults(ws, failed.results[0]!);
    expect(r).toMatchObject({ status: 'failed', exit_code: 1, files: [], rows: { totals: { read: 0 } } });
  });

  it('nightly --json prints run_results.json and nothing else on stdout; checks --json gives the selected checks with their outcome', async () => {
    const ws = await inbox();
    const env = { ...process.env, FANGST_LOG_FORMAT: 'json', FANGST_LOG_LEVEL: 'info' };
    const { stdout } = await exec('node', ['jobs/fangst.js', 'nightly', '--json', '--inbox', ws.inbox, '--outbox', ws.outbox, '--db', ws.db, '--reports', ws.reports], { env });
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const printed = JSON.parse(lines[0]!) as RunResults;
    expect(printed.status).toBe('succeeded');
    expect(JSON.parse(await readFile(join(ws.reports, printed.run_id, 'run_results.json'), 'utf8'))).toEqual(printed);

    const checks = await exec('node', ['jobs/fangst.js', 'checks', '--json', '--select', 'tag:campaign', 'diagnoser.sks_format', '--exclude', 'id:*_by_clinic', '--db', ws.db], { env });
    const listed = JSON.parse(checks.stdout) as Array<{ id: string; tags: string[]; last: { run_id: string; outcome: string; numerator: number; denominator: number } | null }>;
    expect(listed.map((c) => c.id)).toEqual(['diagnoser.sks_format', 'diagnoser.kind_spelling', 'diagnoser.ab_marking_by_system', 'diagnoser.marked_share']);
    expect(listed[0]!.last).toMatchObject({ run_id: printed.run_id, outcome: 'passed', numerator: 0, denominator: 3 });
    expect(listed[1]!.tags).toEqual(['campaign']);
  });
});

/** The process's umask, read without changing it for longer than the call. */
function currentUmask(): number {
  const mask = process.umask(0o022);
  process.umask(mask);
  return mask;
}
