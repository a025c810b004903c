import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { runNightly } from '../../jobs/nightly.ts';
import { batchRows } from '../../transforms/publish/batch.ts';
import { REGISTER, workspace } from '../helpers/inbox.ts';
import { fangst } from '../helpers/snapshot.ts';

const silent = pino({ level: 'silent' });
const HEADER = 'DiagnoseId;SORkode;Ydernr;PatientPseudo;Diagnosekode;Diagnoseart;Kontaktdato';
const JANUARY = [HEADER, 'n1;61741000016007;;P1;DH353;A;03-01-2025', 'n2;61741000016007;;P2;DH259;B;04-01-2025'].join('\n') + '\n';

async function counts(db: string) {
  return withDatabase(db, async (_d, conn) => {
    const [row] = await queryRows<Record<string, bigint>>(conn, `select
      (select count(*) from core.diagnoser) as diagnoser, (select count(*) from meta.files) as files,
      (select count(*) from meta.batches) as batches, (select count(*) from core.quarantine) as quarantine`);
    return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)]));
  });
}

describe('loading exactly once', () => {
  it('a second run over the same inbox publishes nothing and reports the files as already loaded', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('novax/2025-01_diagnoser_1.csv', JANUARY, 'latin-1');
    const first = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    const before = await counts(ws.db);
    const second = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    expect(second.exitCode).toBe(0);
    expect(second.summary.batchId).toBeNull();
    expect(second.summary.skipped.map((s) => [s.file, s.outcome])).toEqual([
      ['novax/2025-01_diagnoser_1.csv', 'already_loaded'],
      ['register/klinikregister.csv', 'already_loaded'],
    ]);
    expect(await counts(ws.db)).toEqual(before);
    expect(await readdir(ws.outbox)).toEqual([first.summary.batchId]);
  });

  it('fangst runs names a night with nothing new as run_results.json does', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('novax/2025-01_diagnoser_1.csv', JANUARY, 'latin-1');
    await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    const again = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    const results = JSON.parse(await readFile(join(ws.reports, again.summary.runId, 'run_results.json'), 'utf8')) as { status: string };
    const listed = JSON.parse((await fangst(['runs', '--json', '--db', ws.db])).stdout) as Array<{ status: string }>;
    expect(listed.map((r) => r.status)).toEqual([results.status, 'succeeded']);
    expect(results.status).toBe('nothing_new');
  });

  it('a file that fails again the same way publishes no new batch, and loads once it is fixed', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('novax/2025-01_diagnoser_1.csv', JANUARY, 'latin-1');
    // the date column missing: the file fails whole, and is tried again every night
    const broken = JANUARY.split('\n').map((l) => l.split(';').slice(0, 6).join(';')).join('\n');
    await ws.put('novax/2025-01_diagnoser_2.csv', broken, 'latin-1');
    const first = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    const failure = first.summary.files.find((f) => f.file === 'novax/2025-01_diagnoser_2.csv')!;
    expect(failure.error).toMatch(/^required column missing: Kontaktdato/);
    const before = await counts(ws.db);

    for (const night of [2, 3]) {
      const again = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
      expect(again.exitCode, `night ${night}`).toBe(0);
      expect(again.summary.batchId, `night ${night}`).toBeNull();
      expect(again.summary.files).toEqual([{ ...failure, error: `${failure.error} (failed the same way since run ${first.summary.runId})` }]);
      expect(await counts(ws.db)).toEqual(before);
      expect(await readdir(ws.outbox)).toEqual([first.summary.batchId]);
    }
    await withDatabase(ws.db, async (_d, conn) => {
      // every attempt is on record; the rejects are the first night's, in its batch
      expect(await queryRows(conn, `select outcome, count(*)::int as n from meta.file_sightings where file_name = 'novax/2025-01_diagnoser_2.csv' group by 1`))
        .toEqual([{ outcome: 'failed', n: 3 }]);
      expect(await queryRows(conn, `select batch_id from meta.rejects where source_file = 'novax/2025-01_diagnoser_2.csv'`))
        .toEqual([{ batch_id: first.summary.batchId }]);
    });

    await ws.put('novax/2025-01_diagnoser_2.csv', JANUARY.replaceAll('n1;', 'n3;').replaceAll('n2;', 'n4;'), 'latin-1');
    const fixed = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    expect(fixed.summary.batchId).not.toBeNull();
    expect(fixed.summary.files).toEqual([expect.objectContaining({ file: 'novax/2025-01_diagnoser_2.csv', read: 2, published: 2, error: null })]);
  });

  it('the same content under another name is skipped, in the same run and in a later one', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('novax/2025-01_diagnoser_1.csv', JANUARY, 'latin-1');
    await ws.put('novax/2025-01_diagnoser_1 (copy).csv', JANUARY, 'latin-1');
    const first = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    expect(first.summary.skipped).toEqual([
      { file: 'novax/2025-01_diagnoser_1.csv', outcome: 'duplicate_in_run', detail: 'same content as novax/2025-01_diagnoser_1 (copy).csv' },
    ]);
    await ws.put('novax/2025-01_diagnoser_resent.csv', JANUARY, 'latin-1');
    const second = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    expect(second.summary.batchId).toBeNull();
    expect((await counts(ws.db)).diagnoser).toBe(2);
  });

  it('a gzipped copy of a loaded file, or the plain copy of a loaded .gz, is skipped as already loaded, not loaded again', async () => {
    const latin1 = Buffer.from(JANUARY, 'latin1');
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('novax/2025-01_diagnoser_1.csv', latin1);
    const first = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    expect(first.summary.batchId).not.toBeNull();
    const before = await counts(ws.db);
    // the vendor re-sends the month gzipped (and once more, compressed harder)
    await ws.put('novax/2025-01_diagnoser_1.csv.gz', latin1);
    await writeFile(join(ws.inbox, 'novax/2025-01_diagnoser_1_igen.csv.gz'), gzipSync(latin1, { level: 9 }));
    const second = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    expect(second.summary.batchId).toBeNull();
    expect(second.summary.skipped.filter((x) => x.file.endsWith('.gz'))).toEqual([
      { file: 'novax/2025-01_diagnoser_1.csv.gz', outcome: 'already_loaded', detail: 'same content already loaded (decompressed)' },
      { file: 'novax/2025-01_diagnoser_1_igen.csv.gz', outcome: 'already_loaded', detail: 'same content already loaded (decompressed)' },
    ]);
    expect(await counts(ws.db)).toEqual(before);

    // the other way: a .gz loaded first, its plain copy later; and both forms in one run
    const other = await workspace();
    await other.put('register/klinikregister.csv', REGISTER);
    await other.put('novax/2025-01_diagnoser_1.csv.gz', latin1);
    await other.put('novax/2025-01_diagnoser_kopi.csv.gz', latin1);
    await writeFile(join(other.inbox, 'novax/2025-01_diagnoser_kopi2.csv.gz'), gzipSync(latin1, { level: 1 }));
    const gz = await runNightly({ inbox: other.inbox, outbox: other.outbox, db: other.db, reports: other.reports, logger: silent });
    expect(gz.summary.skipped.map((x) => x.outcome)).toEqual(['duplicate_in_run', 'duplicate_in_run']);
    await other.put('novax/2025-01_diagnoser_udpakket.csv', latin1);
    const plain = await runNightly({ inbox: other.inbox, outbox: other.outbox, db: other.db, reports: other.reports, logger: silent });
    expect(plain.summary.batchId).toBeNull();
    expect(plain.summary.skipped.find((x) => x.file === 'novax/2025-01_diagnoser_udpakket.csv')?.outcome).toBe('already_loaded');
    expect(await counts(other.db)).toEqual(before);
  });

  it('a corrected redelivery replaces the record by its natural key and never duplicates it', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('novax/2025-01_diagnoser_1.csv', JANUARY, 'latin-1');
    await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    // n2 corrected (B -> A), n1 re-sent unchanged, n3 new.
    await ws.put('novax/2025-02_diagnoser_1.csv', [HEADER, 'n2;61741000016007;;P2;DH259;A;04-01-2025',
      'n1;61741000016007;;P1;DH353;A;03-01-2025', 'n3;61741000016007;;P3;DH400;A;05-02-2025'].join('\n') + '\n', 'latin-1');
    const second = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    expect(second.summary.files).toMatchObject([{ file: 'novax/2025-02_diagnoser_1.csv', read: 3, published: 2, quarantined: 1, rejected: 0 }]);
    await withDatabase(ws.db, async (_d, conn) => {
      const rows = await queryRows<{ record_id: string; kind: string; batch_id: string }>(conn,
        `select record_id, kind, batch_id from core.diagnoser order by record_id`);
      expect(rows.map((r) => [r.record_id, r.kind])).toEqual([['n1', 'A'], ['n2', 'A'], ['n3', 'A']]);
      expect(rows.find((r) => r.record_id === 'n2')!.batch_id).toBe(second.summary.batchId);
      // No primary key holds record_key unique (db/schema/004): the delete-then-insert does.
      const [u] = await queryRows<{ n: bigint; keys: bigint; hashed: bigint }>(conn,
        `select count(*) as n, count(distinct record_key) as keys, count(key_hash) as hashed from core.diagnoser`);
      expect([Number(u!.n), Number(u!.keys), Number(u!.hashed)]).toEqual([3, 3, 3]);
      const [q] = await queryRows<{ reasons: string[] }>(conn, `select reasons from core.quarantine`);
      expect(q!.reasons[0]).toMatch(/^identical to the record already published in batch b/);
    });
    // The second batch carries the correction and the new record only.
    const manifest = JSON.parse(await readFile(join(ws.outbox, second.summary.batchId!, 'manifest.json'), 'utf8'));
    expect(manifest.outputs.find((o: { file: string }) => o.file === 'diagnoser.parquet').rows).toBe(2);
    expect(manifest.totals).toEqual({ read: 3, published: 2, quarantined: 1, rejected: 0 });
    // both times of the batch in one notation, ISO 8601 in UTC
    for (const t of [manifest.created_at, manifest.published_at]) expect(t).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('an older month delivered again in another form does not undo a later month\'s correction', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('novax/novax_diagnoser_202501.csv', JANUARY, 'latin-1');
    // February corrects n1 (its code)
    await ws.put('novax/novax_diagnoser_202502.csv', [HEADER, 'n1;61741000016007;;P1;DH401;A;03-01-2025'].join('\n') + '\n', 'latin-1');
    await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    // January again, re-saved with Windows line ends: other bytes, the same records
    await ws.put('novax/novax_diagnoser_202501_resend.csv', JANUARY.replace(/\n/g, '\r\n'), 'latin-1');
    const again = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    expect(again.summary.totals).toMatchObject({ read: 2, published: 0, quarantined: 2 });
    await withDatabase(ws.db, async (_d, conn) => {
      const published = await queryRows<{ record_key: string; code: string }>(conn, `select record_key, code from core.diagnoser order by record_key`);
      expect(published).toEqual([{ record_key: 'NOVAX:n1', code: 'DH401' }, { record_key: 'NOVAX:n2', code: 'DH259' }]);
      const why = await queryRows<{ check_id: string; reason: string }>(conn,
        `select check_id, reason from quality.row_findings where source_file = 'novax/novax_diagnoser_202501_resend.csv' and severity = 'error' order by check_id`);
      expect(why.map((w) => w.check_id)).toEqual(['pipeline.duplicate', 'pipeline.older_delivery']);
      expect(why[1]!.reason).toMatch(/^an older delivery than the version published from novax\/novax_diagnoser_202502\.csv \(batch b/);
    });
  });

  it('the volume history counts a record once: not its re-send, its copy in the same run or its correction', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('novax/novax_diagnoser_202501.csv', JANUARY, 'latin-1');
    await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    // January again with Windows line ends (a re-send: other bytes, the same records), a
    // correction of n1, and one new record delivered twice in one file
    await ws.put('novax/novax_diagnoser_202501_resend.csv', JANUARY.replace(/\n/g, '\r\n'), 'latin-1');
    await ws.put('novax/novax_diagnoser_202502.csv', [HEADER, 'n1;61741000016007;;P1;DH401;A;03-01-2025',
      'n3;61741000016007;;P3;DH259;A;03-01-2025', 'n3;61741000016007;;P3;DH259;A;03-01-2025'].join('\n') + '\n', 'latin-1');
    const again = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    expect(again.summary.totals).toMatchObject({ read: 5, published: 2 });
    await withDatabase(ws.db, async (_d, conn) => {
      const days = await queryRows<{ day: string; rows: number }>(conn, `select cast(day as varchar) as day, sum(rows)::int as rows
        from quality.volume_history where kind = 'diagnoser' group by day order by day`);
      const published = await queryRows<{ day: string; rows: number }>(conn, `select cast(contact_date as varchar) as day, count(*)::int as rows
        from core.diagnoser group by day order by day`);
      // summed over the runs, as the anomaly baseline reads it: the records there are, per day
      expect(days).toEqual(published);
      expect(days).toEqual([{ day: '2025-01-03', rows: 2 }, { day: '2025-01-04', rows: 1 }]);
    });
  });

  it('a published row without key_hash (written by hand) is still found and replaced, not duplicated', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('novax/2025-01_diagnoser_1.csv', JANUARY, 'latin-1');
    await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    await withDatabase(ws.db, async (_d, conn) => { await conn.run(`update core.diagnoser set key_hash = null`); });
    await ws.put('novax/2025-02_diagnoser_1.csv', [HEADER, 'n2;61741000016007;;P2;DH259;A;04-01-2025',
      'n1;61741000016007;;P1;DH353;A;03-01-2025'].join('\n') + '\n', 'latin-1');
    const second = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    expect(second.summary.files).toMatchObject([{ file: 'novax/2025-02_diagnoser_1.csv', read: 2, published: 1, quarantined: 1 }]);
    await withDatabase(ws.db, async (_d, conn) => {
      const rows = await queryRows<{ record_id: string; kind: string; hashed: boolean }>(conn,
        `select record_id, kind, key_hash is not null as hashed from core.diagnoser order by record_id`);
      expect(rows.map((r) => [r.record_id, r.kind, r.hashed])).toEqual([['n1', 'A', false], ['n2', 'A', true]]);
    });
  });

  it('an epikrise is checked against the diagnoses as they stand after a correction, not before', async () => {
    const ws = await workspace();
    const EH = 'EpikriseId;SORkode;Ydernr;PatientPseudo;Dato;Overskrift;Tekst';
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('novax/2025-01_diagnoser_1.csv', JANUARY, 'latin-1');
    await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    // n1 was P1's only diagnosis; its correction moves it to P9. P2's published n2 stands.
    await ws.put('novax/2025-02_diagnoser_1.csv', `${HEADER}\nn1;61741000016007;;P9;DH353;A;03-01-2025\n`, 'latin-1');
    await ws.put('novax/2025-02_epikriser_1.csv', [EH,
      'e1;61741000016007;;P1;06-02-2025;Epikrise;kort', 'e2;61741000016007;;P9;06-02-2025;Epikrise;kort',
      'e3;61741000016007;;P2;06-02-2025;Epikrise;kort', 'e4;61741000016007;;P7;06-02-2025;Epikrise;kort'].join('\n') + '\n', 'latin-1');
    const second = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    await withDatabase(ws.db, async (_d, conn) => {
      const f = await queryRows<{ source_line: bigint }>(conn, `select source_line from quality.row_findings
        where check_id = 'epikriser.diagnosis_for_patient' and run_id = '${second.summary.runId}' order by source_line`);
      // e1 (P1: its diagnosis was corrected away) and e4 (P7: never had one); not e2 or e3.
      expect(f.map((r) => Number(r.source_line))).toEqual([2, 5]);
    });
  });

  it('a database from before batch_at (schema 007) upgrades: old rows keep none, later batches are read by it, old ones by id', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('novax/2025-01_diagnoser_1.csv', JANUARY, 'latin-1');
    const first = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    // as a database written before version 7 is: no batch_at, version 7 not applied
    await withDatabase(ws.db, async (_d, conn) => {
      for (const k of ['diagnoser', 'epikriser', 'billeddiagnostiske_epikriser', 'notater', 'laboratoriesvar']) await conn.run(`alter table core.${k} drop column batch_at`);
      await conn.run('delete from meta.schema_version where version = 7');
    });
    await ws.put('novax/2025-02_diagnoser_1.csv', [HEADER, 'n2;61741000016007;;P2;DH259;A;04-01-2025',
      'n3;61741000016007;;P3;DH400;A;05-02-2025'].join('\n') + '\n', 'latin-1');
    const second = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    expect(second.exitCode).toBe(0);
    expect(second.summary.files).toMatchObject([{ file: 'novax/2025-02_diagnoser_1.csv', read: 2, published: 2, quarantined: 0, rejected: 0 }]);
    const manifest = JSON.parse(await readFile(join(ws.outbox, second.summary.batchId!, 'manifest.json'), 'utf8'));
    expect(manifest.outputs.find((o: { file: string }) => o.file === 'diagnoser.parquet').rows).toBe(2);
    await withDatabase(ws.db, async (_d, conn) => {
      const rows = await queryRows<{ record_id: string; timed: boolean }>(conn,
        `select record_id, batch_at = batch_at(batch_id) as timed from core.diagnoser order by record_id`);
      expect(rows.map((r) => [r.record_id, r.timed])).toEqual([['n1', null], ['n2', true], ['n3', true]]);
      expect(await batchRows(conn, 'diagnoser', second.summary.batchId!)).toContain('batch_at = batch_at(');
      // the first batch's one remaining row has no batch_at: found by its id alone
      expect(await batchRows(conn, 'diagnoser', first.summary.batchId!)).toBe(`batch_id = '${first.summary.batchId}'`);
    });
  });

  it('a batch folder is complete (manifest with hashes, _SUCCESS) and no temporary folder is left', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('novax/2025-01_diagnoser_1.csv', JANUARY, 'latin-1');
    const { summary } = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    const dir = join(ws.outbox, summary.batchId!);
    expect((await readdir(ws.outbox)).filter((f) => f.startsWith('.'))).toEqual([]);
    expect(existsSync(join(dir, '_SUCCESS'))).toBe(true);
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ batch_id: summary.batchId, run_id: summary.runId, schema_version: 1 });
    expect(manifest.sources.map((s: { file: string }) => s.file)).toEqual(['novax/2025-01_diagnoser_1.csv', 'register/klinikregister.csv']);
    for (const o of manifest.outputs) expect(o.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await readdir(dir)).sort()).toEqual([
      '_SUCCESS', 'billeddiagnostiske_epikriser.parquet', 'diagnoser.parquet', 'epikriser.parquet', 'laboratoriesvar.parquet',
      'manifest.json', 'notater.parquet', 'quarantine.parquet', 'rejects.parquet',
    ]);
    await withDatabase(':memory:', async (_d, conn) => {
      const rows = await queryRows<{ n: bigint }>(conn, `select count(*) as n from read_parquet('${join(dir, 'diagnoser.parquet')}')`);
      expect(Number(rows[0]!.n)).toBe(2);
    });
  });
});

describe('duplicates and corrections in one delivery', () => {
  it('a re-sent copy is a duplicate of the first copy, the original is superseded by the correction', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('novax/2025-01_diagnoser_1.csv', [HEADER,
      'n1;61741000016007;;P1;DH353;B;03-01-2025',   // line 2: the original
      'n1;61741000016007;;P1;DH353;B;03-01-2025',   // line 3: a re-send of it
      'n1;61741000016007;;P1;DH353;A;03-01-2025',   // line 4: the correction, published
    ].join('\n') + '\n', 'latin-1');
    await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    await withDatabase(ws.db, async (_d, conn) => {
      const q = await queryRows<{ source_line: bigint; check_ids: string[]; reasons: string[] }>(conn,
        `select source_line, check_ids, reasons from core.quarantine order by source_line`);
      expect(q.map((r) => [Number(r.source_line), r.check_ids[0], r.reasons[0]])).toEqual([
        [2, 'pipeline.superseded', 'superseded by a correction in novax/2025-01_diagnoser_1.csv line 4'],
        [3, 'pipeline.duplicate', 'exact duplicate of novax/2025-01_diagnoser_1.csv line 2'],
      ]);
      const [d] = await queryRows<{ kind: string; source_line: bigint }>(conn, `select kind, source_line from core.diagnoser`);
      expect([d!.kind, Number(d!.source_line)]).toEqual(['A', 4]);
    });
  });
});
