// A data kind held back by a failed aggregate check, then released by hand (`fangst release`):
// the terminal says "held back" first, the counts agree, and the release publishes the rows held
// only by the hold exactly once, as a batch of its own, recorded with who and why.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { runNightly, type NightlyResult } from '../../jobs/nightly.ts';
import { formatRelease, runRelease } from '../../jobs/release.ts';
import { runRuns, type RunRow } from '../../jobs/runs.ts';
import { formatSummary } from '../../jobs/summary.ts';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { REGISTER, workspace, type Workspace } from '../helpers/inbox.ts';

const silent = pino({ level: 'silent' });
const exec = promisify(execFile);

async function fangst(args: string[]) {
  try {
    const { stdout, stderr } = await exec('node', ['jobs/fangst.js', ...args], { env: { ...process.env, FANGST_LOG_FORMAT: 'json', FANGST_LOG_LEVEL: 'warn' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const DH = 'DiagnoseId;SORkode;Ydernr;PatientPseudo;Diagnosekode;Diagnoseart;Kontaktdato';
const EH = 'EpikriseId;SORkode;Ydernr;PatientPseudo;Dato;Overskrift;Tekst';
const SOR = '61741000016007';

// Three of ten codes are not SKS codes: 30% against diagnoser.sks_format_systemic's 20%, so the
// whole kind is held back (a broken export), and those three rows fail diagnoser.sks_format too.
const DIAGNOSES = [
  DH,
  `d1;${SOR};;PA000001;DH353;A;03-01-2025`,
  `d2;${SOR};;PA000002;DH259;B;03-01-2025`,
  `d3;${SOR};;PA000003;XX;A;06-01-2025`,        // line 4: malformed
  `d4;${SOR};;PA000004;DE119;A;06-01-2025`,
  `d5;${SOR};;PA000005;12345;A;07-01-2025`,     // line 6: malformed
  `d6;${SOR};;PA000006;DJ459;A;07-01-2025`,
  `d7;${SOR};;PA000007;DI109;B;08-01-2025`,
  `d8;${SOR};;PA000008;HELLO;A;08-01-2025`,     // line 9: malformed
  `d9;${SOR};;PA000009;DM179;A;09-01-2025`,
  `d10;${SOR};;PA000010;DH401;A;09-01-2025`,
  `d11;${SOR};;PA000011;DH401;A;32-01-2025`,    // line 12: no such date, rejected
].join('\n') + '\n';

describe('a kind held back, then released', () => {
  let ws: Workspace;
  let night: NightlyResult;
  const args = () => ['--db', ws.db, '--outbox', ws.outbox];

  beforeAll(async () => {
    ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('novax/2025-01_diagnoser_1.csv', DIAGNOSES, 'latin-1');
    await ws.put('novax/2025-01_epikriser_1.csv', `${EH}\ne1;${SOR};;PA000001;03-01-2025;Epikrise;kort\n`, 'latin-1');
    night = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
  });

  it('the night exits 3 and says "held back" first, with counts that agree', async () => {
    expect(night.exitCode).toBe(3);
    const text = formatSummary(night.summary);
    const [first] = text.split('\n');
    expect(first).toMatch(/^fangst nightly r\S+: HELD BACK diagnoser; batch b\S+ published with the other kinds$/);
    expect(text).toContain('HELD BACK: diagnoser (diagnoser.sks_format_systemic): 7 rows wait for a release, 3 more are quarantined for errors of their own');
    expect(text).toContain(`fangst release --run ${night.summary.runId} --kind diagnoser --reason "..."`);
    expect(night.summary.byKind.find((k) => k.kind === 'diagnoser')).toEqual({ kind: 'diagnoser', read: 11, published: 0, quarantined: 10, rejected: 1 });
    expect(night.summary.byKind.find((k) => k.kind === 'epikriser')).toMatchObject({ read: 1, published: 1 });
    // The report's card counts the same quarantined rows, and says how many the hold holds.
    const report = JSON.parse(await readFile(join(ws.reports, night.summary.runId, 'quality-report.json'), 'utf8'));
    expect(report).toMatchObject({ heldBackKinds: ['diagnoser'], rowsQuarantined: 10, rowsHeldBack: 7, rowsWithErrors: 3 });
  });

  it('the next night has nothing new and leaves the held rows where they are', async () => {
    const again = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    expect(again.exitCode).toBe(0);
    expect(formatSummary(again.summary)).toContain('nothing new to publish');
  });

  it('release publishes the rows held only by the hold, once, as a new batch, and records who and why', async () => {
    const runId = night.summary.runId;
    const r = await fangst(['release', '--run', runId, '--kind', 'diagnoser', '--reason', 'the export was fixed upstream; codes checked by hand', '--by', 'ops on call', ...args()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const batchId = /published in batch (b\S+)/.exec(r.stdout)?.[1];
    expect(r.stdout).toContain(`fangst release: diagnoser of run ${runId}: 7 rows published in batch ${batchId}`);
    expect(r.stdout).toContain('3 rows stay quarantined for errors of their own');

    const folder = join(ws.outbox, batchId!);
    expect(existsSync(join(folder, '_SUCCESS'))).toBe(true);
    const manifest = JSON.parse(await readFile(join(folder, 'manifest.json'), 'utf8'));
    expect(manifest.outputs.find((o: { file: string }) => o.file === 'diagnoser.parquet').rows).toBe(7);
    expect(manifest.outputs.find((o: { file: string }) => o.file === 'epikriser.parquet').rows).toBe(0);
    // the held night's manifest and this one add up to what is published and quarantined now
    expect(manifest.totals).toEqual({ read: 0, published: 7, quarantined: -7, rejected: 0 });
    const held = JSON.parse(await readFile(join(ws.outbox, night.summary.batchId!, 'manifest.json'), 'utf8'));
    await withDatabase(ws.db, async (_db, conn) => {
      const [now] = await queryRows<{ published: number; quarantined: number }>(conn, `select sum(rows_published)::int as published,
        sum(rows_quarantined)::int as quarantined from meta.files where run_id = '${runId}' and kind <> 'register'`);
      expect({ published: held.totals.published + manifest.totals.published, quarantined: held.totals.quarantined + manifest.totals.quarantined }).toEqual(now);
    });
    expect(manifest.release).toMatchObject({
      run_id: runId, kind: 'diagnoser', released_by: 'ops on call', rows: 7, held_checks: ['diagnoser.sks_format_systemic'],
      sources: [{ file: 'novax/2025-01_diagnoser_1.csv', rows: 7 }],
    });

    expect(manifest.release.held_batch_id).toBe(night.summary.batchId);
    // A reader of the Parquet files alone (ot14 LOW 7): every quarantine.parquet, less the rows the
    // release batches' released.parquet name, is what is quarantined now (3, not 10 + 3).
    await withDatabase(':memory:', async (_db, conn) => {
      const [fromParquet] = await queryRows<{ n: number; released: number }>(conn, `
        with quarantined as (
            select regexp_extract(filename, '(b[^/]+)/quarantine\\.parquet$', 1) as batch_id, kind, source_file, source_line
            from read_parquet('${ws.outbox}/b*/quarantine.parquet', filename = true)
        ),
        released as (select * from read_parquet('${ws.outbox}/b*/released.parquet'))
        select (select count(*) from quarantined anti join released as r
                  on r.held_batch_id = quarantined.batch_id and r.kind = quarantined.kind
                  and r.source_file = quarantined.source_file and r.source_line = quarantined.source_line)::int as n,
            (select count(*) from released)::int as released`);
      expect(fromParquet).toEqual({ n: 3, released: 7 });
    });
    expect(manifest.outputs.find((o: { file: string }) => o.file === 'released.parquet').rows).toBe(7);

    await withDatabase(':memory:', async (_db, conn) => {
      const published = await queryRows<{ record_id: string; code: string; contact_date: string }>(conn,
        `select record_id, code, strftime(contact_date, '%Y-%m-%d') as contact_date from read_parquet('${join(folder, 'diagnoser.parquet')}') order by source_line`);
      expect(published.map((p) => p.record_id)).toEqual(['d1', 'd2', 'd4', 'd6', 'd7', 'd9', 'd10']);
      expect(published[0]).toEqual({ record_id: 'd1', code: 'DH353', contact_date: '2025-01-03' });
    });
    await withDatabase(ws.db, async (_db, conn) => {
      const [release] = await queryRows<{ released_by: string; reason: string; rows_released: bigint; rows_kept: bigint; batch_id: string }>(conn,
        'select released_by, reason, rows_released, rows_kept, batch_id from meta.releases');
      expect(release).toEqual({ released_by: 'ops on call', reason: 'the export was fixed upstream; codes checked by hand', rows_released: 7n, rows_kept: 3n, batch_id: batchId });
      const core = await queryRows<{ record_id: string; batch_id: string; key_ok: boolean }>(conn,
        `select record_id, batch_id, key_hash = key_hash(record_key) as key_ok from core.diagnoser order by source_line`);
      expect(core).toHaveLength(7);
      expect(core.every((c) => c.batch_id === batchId && c.key_ok)).toBe(true);
      const quarantine = await queryRows<{ source_line: bigint; check_ids: string[] }>(conn,
        `select source_line, check_ids from core.quarantine where kind = 'diagnoser' order by source_line`);
      expect(quarantine.map((q) => [Number(q.source_line), q.check_ids])).toEqual([
        [4, ['diagnoser.sks_format_systemic', 'diagnoser.sks_format']],
        [6, ['diagnoser.sks_format_systemic', 'diagnoser.sks_format']],
        [9, ['diagnoser.sks_format_systemic', 'diagnoser.sks_format']],
      ]);
      // Every row still accounted for, in the ledger and in the tables themselves.
      const [file] = await queryRows<{ read: bigint; published: bigint; quarantined: bigint; rejected: bigint; in_core: bigint; in_quarantine: bigint }>(conn, `
        select rows_read as read, rows_published as published, rows_quarantined as quarantined, rows_rejected as rejected,
          (select count(*) from core.diagnoser where file_hash = f.file_hash) as in_core,
          (select count(*) from core.quarantine where file_hash = f.file_hash) as in_quarantine
        from meta.files as f where file_name = 'novax/2025-01_diagnoser_1.csv'`);
      expect(file).toEqual({ read: 11n, published: 7n, quarantined: 3n, rejected: 1n, in_core: 7n, in_quarantine: 3n });
      // The runs add up as the files do: the held run's counts move with its rows, the release
      // run reads none, and all runs together match the ledger (no row counted twice).
      const runs = await queryRows<{ job: string; status: string; batch_id: string; read: bigint; published: bigint; quarantined: bigint; rejected: bigint }>(conn,
        `select job, status, batch_id, rows_read as read, rows_published as published, rows_quarantined as quarantined, rows_rejected as rejected
         from meta.runs order by started_at`);
      expect(runs.map(({ job, read, published, quarantined, rejected }) => [job, read, published, quarantined, rejected])).toEqual([
        ['nightly', 12n, 8n, 3n, 1n], ['nightly', 0n, 0n, 0n, 0n], ['release', 0n, 0n, 0n, 0n],
      ]);
      expect(runs[2]).toMatchObject({ status: 'succeeded', batch_id: batchId });
      const [ledger] = await queryRows<{ read: bigint; published: bigint; quarantined: bigint; rejected: bigint }>(conn,
        `select sum(rows_read) as read, sum(rows_published) as published, sum(rows_quarantined) as quarantined, sum(rows_rejected) as rejected
         from meta.files where kind <> 'register'`);
      expect(ledger).toEqual({ read: 12n, published: 8n, quarantined: 3n, rejected: 1n });
    });
    // fangst runs: the release first, naming what it released; the night that held the kind back says so.
    let printed = '';
    await runRuns({ db: ws.db, json: true }, (t) => (printed += t));
    const runs = JSON.parse(printed) as RunRow[];
    expect(runs[0]).toMatchObject({ job: 'release', status: 'succeeded', exit_code: 0, batch_id: batchId, released: { run_id: runId, kind: 'diagnoser', by: 'ops on call', rows: 7 } });
    expect(runs.find((x) => x.run_id === runId)).toMatchObject({ job: 'nightly', exit_code: 3, held_back: ['diagnoser'] });
  });

  it('a second release of the same run and kind is refused with exit 2 and publishes nothing', async () => {
    const before = (await readdirNames(ws.outbox)).length;
    const r = await fangst(['release', '--run', night.summary.runId, '--kind', 'diagnoser', '--reason', 'again', ...args()]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`^fangst release: diagnoser of run ${night.summary.runId} was already released: 7 rows in batch b\\S+, .* by ops on call; a release publishes the held rows once\\n$`));
    expect(await readdirNames(ws.outbox)).toHaveLength(before);
    await withDatabase(ws.db, async (_db, conn) => {
      const [n] = await queryRows<{ n: bigint }>(conn, 'select count(*) as n from core.diagnoser');
      expect(n!.n).toBe(7n);
    });
  });

  it('a kind the run did not hold back, or a run that does not exist, is refused with exit 2', async () => {
    const notHeld = await fangst(['release', '--run', night.summary.runId, '--kind', 'epikriser', '--reason', 'x', ...args()]);
    expect(notHeld.code).toBe(2);
    expect(notHeld.stderr).toBe(`fangst release: run ${night.summary.runId} did not hold back epikriser (it held back diagnoser): nothing to release\n`);
    const noRun = await fangst(['release', '--run', 'r-nope', '--kind', 'diagnoser', '--reason', 'x', ...args()]);
    expect(noRun.code).toBe(2);
    expect(noRun.stderr).toContain('no such run: r-nope');
  });
});

describe('a release among corrections', () => {
  it('replaces the version published before the hold, and leaves a record a later run corrected quarantined', async () => {
    const ws = await workspace();
    const nightly = () => runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('novax/2025-01_diagnoser_1.csv', `${DH}\nc1;${SOR};;PA000001;DH353;A;03-01-2025\n`, 'latin-1');
    expect((await nightly()).exitCode).toBe(0);
    // c1 corrected and c2 new, beside a malformed code: 1 in 3 is over the 20% the systemic check allows.
    await ws.put('novax/2025-02_diagnoser_1.csv', `${DH}\nc1;${SOR};;PA000001;DH354;A;03-01-2025\nc2;${SOR};;PA000002;DH259;B;04-02-2025\nc3;${SOR};;PA000003;XX;A;04-02-2025\n`, 'latin-1');
    const held = await nightly();
    expect(held.exitCode).toBe(3);
    expect(held.summary.heldBack).toMatchObject([{ kind: 'diagnoser', held: 2, withErrors: 1 }]);
    // A later delivery corrects c2 while the hold waits: that version is the newer one.
    await ws.put('novax/2025-03_diagnoser_1.csv', `${DH}\nc2;${SOR};;PA000002;DH250;B;04-02-2025\n`, 'latin-1');
    expect((await nightly()).exitCode).toBe(0);

    // Had the CPR detector not run on those rows, nobody may release them.
    const cpr = (outcome: string) => withDatabase(ws.db, (_db, conn) => conn.run(`update quality.check_results set outcome = '${outcome}'
      where run_id = '${held.summary.runId}' and check_id = 'privacy.cpr_diagnoser'`));
    await cpr('not_evaluated');
    await expect(runRelease({ run: held.summary.runId, kind: 'diagnoser', reason: 'x', db: ws.db, outbox: ws.outbox, logger: silent }))
      .rejects.toThrow(`diagnoser of run ${held.summary.runId} cannot be released: privacy.cpr_diagnoser could not run on its rows, so they were never checked`);
    await cpr('passed');

    const r = await runRelease({ run: held.summary.runId, kind: 'diagnoser', reason: 'checked', by: 'tester', db: ws.db, outbox: ws.outbox, logger: silent });
    expect(r).toMatchObject({ released: 1, replaced: 1, superseded: 1, withErrors: 1 });
    expect(formatRelease(r)).toContain('1 rows stay quarantined: a later run published a newer version of their record');
    await withDatabase(ws.db, async (_db, conn) => {
      const core = await queryRows<{ record_id: string; code: string; source_file: string }>(conn,
        'select record_id, code, source_file from core.diagnoser order by record_id');
      expect(core).toEqual([
        { record_id: 'c1', code: 'DH354', source_file: 'novax/2025-02_diagnoser_1.csv' },
        { record_id: 'c2', code: 'DH250', source_file: 'novax/2025-03_diagnoser_1.csv' },
      ]);
      const [replaced] = await queryRows<{ source_file: string; reason: string }>(conn,
        `select source_file, reason from quality.row_findings where check_id = 'pipeline.replaced' and run_id = '${r.releaseRunId}'`);
      expect(replaced!.source_file).toBe('novax/2025-01_diagnoser_1.csv');
      expect(replaced!.reason).toContain(`released in batch ${r.batchId}`);
      const files = await queryRows<{ file_name: string; read: bigint; published: bigint; quarantined: bigint; rejected: bigint }>(conn,
        `select file_name, rows_read as read, rows_published as published, rows_quarantined as quarantined, rows_rejected as rejected
         from meta.files where kind = 'diagnoser' order by file_name`);
      expect(files.map((f) => [f.file_name, Number(f.read), Number(f.published), Number(f.quarantined), Number(f.rejected)])).toEqual([
        ['novax/2025-01_diagnoser_1.csv', 1, 1, 0, 0],
        ['novax/2025-02_diagnoser_1.csv', 3, 1, 2, 0],
        ['novax/2025-03_diagnoser_1.csv', 1, 1, 0, 0],
      ]);
    });
  });
});

async function readdirNames(dir: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  return (await readdir(dir)).filter((n) => !n.startsWith('.'));
}
