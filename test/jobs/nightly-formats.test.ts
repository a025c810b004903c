import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { createRequire } from 'node:module';
import { KINDS } from '../../config/kinds.ts';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { openDatabase, queryRows, sqlString, withDatabase } from '../../transforms/db/connection.ts';
import { runNightly } from '../../jobs/nightly.ts';
import { workspace } from '../helpers/inbox.ts';
import { REPO } from '../helpers/snapshot.ts';

// nodejs-polars is the benchmark's peer (test/bench/package.json, installed by npm test's pretest):
// its lock cannot list the platform packages npm ci would ask for at the top level.
const pl = createRequire(join(REPO, 'test', 'bench', 'package.json'))('nodejs-polars') as {
  scanIPC(path: string): { collectSync(): PolarsFrame };
  readIPC(bytes: Buffer): PolarsFrame;
};
interface PolarsFrame {
  readonly height: number;
  readonly columns: string[];
  getColumn(name: string): { toArray(): unknown[]; dtype: unknown };
}

const silent = pino({ level: 'silent' });

const REGISTER = [
  'SOR;Ydernummer;Kliniknavn;Speciale;Journalsystem;Tilmeldt;Underspeciale',
  '10000000016001;000101;Clinea;4;EG Clinea;2024-11-25;',
  '10000000016002;000102;WinPLC;21;EG WinPLC;2024-11-25;',
  '10000000016003;000103;MultiMed;7;MultiMed Web;2024-11-25;',
  '10000000016004;000104;XMedicus;3;XMedicus;2024-11-25;',
  '10000000016005;000105;CGM;18;CGM XMO;2024-11-25;',
  '10000000016006;000106;MyClinic;9;MyClinic;2024-11-25;',
].join('\n') + '\n';

/** One delivery in each format: BOM CSV, TSV with decimal comma, gzip NDJSON, Parquet, gzip Latin-1 CSV, NDJSON with offsets. */
async function mixedInbox() {
  const ws = await workspace();
  await ws.put('register/klinikregister.csv', REGISTER);
  await ws.put('eg-clinea/2025-02-diagnoses-1.csv', '\ufeffid,sor,provider_number,patient_ref,diagnosis_code,diagnosis_type,encounter_date\n'
    + 'c1,10000000016001,,P1,L40.0,Aktionsdiagnose,2025-02-03\nc2,10000000016001,,P2,DL209,bidiagnose,2025-02-04\n');
  await ws.put('eg-winplc/LAB_2025-02.tsv', 'LbNr\tSOR\tYderNr\tPseudonym\tAnalyseKode\tKodeType\tAnalyseNavn\tSvar\tOperator\tEnhed\tRefLav\tRefHoej\tRefTekst\tFlag\tSvarStatus\tProeveTid\tSvarTid\n'
    + 'w1\t10000000016002\t\tP3\tNPU19748\tiupac\tP-CRP\t<5\t\tmg/L\t0\t10\t\t\tsvar_endeligt\t03.02.2025 09:15\t03.02.2025 09:30\n'
    + 'w2\t10000000016002\t\tP3\tNPU02319\tiupac\tB-Hb\t8,4\t\tmmol/L\t7,3\t9,5\t\t\tsvar_endeligt\t03.02.2025 09:15\t03.02.2025 09:20\n');
  await ws.put('multimed/2025-02.notes.ndjson.gz', [
    JSON.stringify({ recordId: 'm1', sorCode: '10000000016003', patientPseudonym: 'P4', time: '2025-02-05T10:00:00', noteType: 'konsultation', text: 'Kontrol, velbefindende.' }),
    '{not json',
    JSON.stringify({ recordId: 'm2', sorCode: '10000000016003', patientPseudonym: 'P5', time: '2025-07-05T10:00:00', noteType: 'telefon', text: 'Svar givet.' }),
  ].join('\n') + '\n');
  await ws.put('cgm-xmo/xmo_epi_2025-02.csv.gz', 'RecId;SOR_Kode;Ydernummer;Pt_Pseudonym;Dato;Emne;Brevtekst\n'
    + 'x1;10000000016005;;P6;06.02.2025;Epikrise;Patienten er set for hovedpine. Ingen fund.\n', 'latin-1');
  await ws.put('myclinic/diagnoses-2025-02.jsonl', JSON.stringify({ uuid: 'y1', sor: '10000000016006', pseudonym: 'P7', sks: 'DK409', kind: 'aktionsdiagnose', date: '2025-02-07' }) + '\n');
  const parquet = join(ws.inbox, 'xmedicus', 'billedepikriser_2025-02.parquet');
  await ws.put('xmedicus/.keep', '');
  await withDatabase(':memory:', async (_db, conn) => {
    await conn.run(`copy (select 'r1' as id, '10000000016004' as sor_kode, null::varchar as ydernummer, 'P8' as patient_pseudonym,
      date '2025-02-10' as dato, 'MR columna lumbalis' as undersoegelse, 'Ingen prolaps.' as tekst) to ${sqlString(parquet)} (format parquet)`);
  });
  return ws;
}

describe('nightly on every format', () => {
  it('reads BOM CSV, TSV with decimal comma, gzip NDJSON, Parquet, gzip Latin-1 CSV and NDJSON', async () => {
    const ws = await mixedInbox();
    const { summary } = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent, format: 'arrow' });
    const byFile = Object.fromEntries(summary.files.map((f) => [f.file, f]));
    expect(byFile['eg-clinea/2025-02-diagnoses-1.csv']).toMatchObject({ read: 2, published: 2 });
    expect(byFile['eg-winplc/LAB_2025-02.tsv']).toMatchObject({ read: 2, published: 2 });
    expect(byFile['multimed/2025-02.notes.ndjson.gz']).toMatchObject({ read: 3, published: 2, rejected: 1 });
    expect(byFile['cgm-xmo/xmo_epi_2025-02.csv.gz']).toMatchObject({ read: 1, published: 1 });
    expect(byFile['myclinic/diagnoses-2025-02.jsonl']).toMatchObject({ read: 1, published: 1 });
    expect(byFile['xmedicus/billedepikriser_2025-02.parquet']).toMatchObject({ read: 1, published: 1 });
    expect(summary.skipped).toEqual([]); // dot files (xmedicus/.keep) are never deliveries

    await withDatabase(ws.db, async (_db, conn) => {
      const dia = await queryRows<{ record_id: string; code: string; kind: string }>(conn, `select record_id, code, kind from core.diagnoser order by record_id`);
      expect(dia).toEqual([
        { record_id: 'c1', code: 'DL400', kind: 'A' },
        { record_id: 'c2', code: 'DL209', kind: 'B' },
        { record_id: 'y1', code: 'DK409', kind: 'A' },
      ]);
      const lab = await queryRows<{ record_id: string; value_text: string; value_num: number; comparator: string | null; ref_low: number; sampled: string }>(conn,
        `select record_id, value_text, value_num, comparator, ref_low, strftime(sampled_at, '%Y-%m-%dT%H:%M') as sampled from core.laboratoriesvar order by record_id`);
      // "<5" is comparator + 5, never just 5; Danish local time 09:15 (CET) is 08:15 UTC.
      expect(lab).toEqual([
        { record_id: 'w1', value_text: '<5', value_num: 5, comparator: '<', ref_low: 0, sampled: '2025-02-03T08:15' },
        { record_id: 'w2', value_text: '8,4', value_num: 8.4, comparator: null, ref_low: 7.3, sampled: '2025-02-03T08:15' },
      ]);
      const notes = await queryRows<{ record_id: string; t: string }>(conn, `select record_id, strftime(note_time, '%H:%M') as t from core.notater order by 1`);
      // Summer time: 10:00 in Copenhagen is 08:00 UTC in July, 09:00 in February.
      expect(notes).toEqual([{ record_id: 'm1', t: '09:00' }, { record_id: 'm2', t: '08:00' }]);
      const rejected = await queryRows<{ source_line: bigint; reason: string }>(conn, `select source_line, reason from meta.rejects`);
      expect(rejected.map((r) => [Number(r.source_line), r.reason])).toEqual([[2, 'line is not valid JSON']]);
    });

    // The published batch: Parquet per kind with a manifest, Arrow files that read back.
    const batch = join(ws.outbox, summary.batchId!);
    const manifest = JSON.parse(await readFile(join(batch, 'manifest.json'), 'utf8'));
    expect(manifest.outputs.find((o: { file: string }) => o.file === 'diagnoser.parquet').rows).toBe(3);
    const table = tableFromIPC(await readFile(join(batch, 'laboratoriesvar.arrow')));
    expect(table.numRows).toBe(2);
    expect(table.getChild('value_num')!.toArray()).toEqual(new Float64Array([5, 8.4]));
    expect(String(table.schema.fields.find((f) => f.name === 'sampled_at')!.type)).toContain('Timestamp');
    const sampled = table.getChild('sampled_at')!.get(0) as number;
    expect(new Date(Number(sampled)).toISOString()).toBe('2025-02-03T08:15:00.000Z');

    // Another Arrow implementation (polars, Rust's arrow) opens every published .arrow file with
    // its types. nodejs-polars' readIPC(path) cannot open any file by path (its own included), so
    // the file is read by scanIPC and from its bytes.
    const arrowOutputs = (manifest.outputs as Array<{ file: string; rows: number }>).filter((o) => o.file.endsWith('.arrow'));
    expect(arrowOutputs.map((o) => o.file).sort()).toEqual(KINDS.map((k) => `${k}.arrow`).sort());
    for (const output of arrowOutputs) {
      const arrow = join(batch, output.file);
      const scanned = pl.scanIPC(arrow).collectSync();
      const read = pl.readIPC(await readFile(arrow));
      expect([scanned.height, read.height]).toEqual([output.rows, output.rows]);
      expect(scanned.columns).toEqual(read.columns);
    }
    const lab = pl.readIPC(await readFile(join(batch, 'laboratoriesvar.arrow')));
    expect(lab.getColumn('value_num').toArray()).toEqual([5, 8.4]);
    expect(String(lab.getColumn('sampled_at').dtype)).toMatch(/Datetime/);
    expect(String(lab.getColumn('sampled_at').dtype)).toMatch(/UTC/);
    const dia = pl.readIPC(await readFile(join(batch, 'diagnoser.arrow')));
    expect(String(dia.getColumn('contact_date').dtype)).toMatch(/Date/);
    expect(dia.getColumn('record_id').toArray()).toEqual(['c1', 'c2', 'y1']);
  });

  it('reads a local-time layout\'s time written with a UTC offset (ISO 8601 allows it) as the instant it names', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    const note = (id: string, time: string) => JSON.stringify({ recordId: id, sorCode: '10000000016003', patientPseudonym: `P${id}`, time, noteType: 'telefon', text: 'Svar givet.' });
    await ws.put('multimed/2025-02.notes.ndjson', [note('a', '2025-02-05T10:00:00'), note('b', '2025-02-05T10:00:00+01:00'),
      note('c', '2025-02-05T10:00:00-05:00'), note('d', '2025-02-05T10:00:00Z'), note('e', '2025-02-05T10:00:00+0530')].join('\n') + '\n');
    const { summary } = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    expect(summary.files.find((f) => f.file === 'multimed/2025-02.notes.ndjson')).toMatchObject({ error: null, read: 5, published: 5 });
    await withDatabase(ws.db, async (_db, conn) => {
      const times = await queryRows<{ id: string; utc: string }>(conn,
        `select record_id as id, strftime(note_time at time zone 'UTC', '%Y-%m-%d %H:%M') as utc from core.notater order by id`);
      // a: Copenhagen's local time (winter, UTC+1); the others by their offsets
      expect(times.map((t) => [t.id, t.utc])).toEqual([['a', '2025-02-05 09:00'], ['b', '2025-02-05 09:00'], ['c', '2025-02-05 15:00'], ['d', '2025-02-05 10:00'], ['e', '2025-02-05 04:30']]);
    });
  });

  it('rejects a Parquet file whose mapped columns hold nested values (a struct id, a list of pseudonyms), naming them', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('xmedicus/.keep', '');
    const sor = "'10000000016004' as sor_kode, null::varchar as ydernummer";
    await withDatabase(':memory:', async (_db, conn) => {
      await conn.run(`copy (select {'a': 1} as id, ${sor}, ['PX1', 'PX2'] as patient_pseudonym, date '2025-05-05' as dato, 'Epikrise' as titel, 'Set.' as tekst)
        to ${sqlString(join(ws.inbox, 'xmedicus', 'epikriser_2025-05a.parquet'))} (format parquet)`);
      await conn.run(`copy (select 'e2' as id, ${sor}, 'Pe2' as patient_pseudonym, date '2025-05-05' as dato, 'Epikrise' as titel, 'Set.' as tekst)
        to ${sqlString(join(ws.inbox, 'xmedicus', 'epikriser_2025-05b.parquet'))} (format parquet)`);
    });
    const { summary } = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    const byFile = Object.fromEntries(summary.files.map((f) => [f.file, f]));
    expect(byFile['xmedicus/epikriser_2025-05a.parquet']!.error)
      .toBe('mapped columns hold nested values, not one value each: id (record_id) is STRUCT(a INTEGER); patient_pseudonym (patient) is VARCHAR[]');
    expect(byFile['xmedicus/epikriser_2025-05b.parquet']).toMatchObject({ error: null, read: 1, published: 1 });
  });

  it('reads Parquet dates and times by their type: a TIMESTAMP in a date column, wall-clock and instant times', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('xmedicus/.keep', '');
    const sor = "'10000000016004' as sor_kode, null::varchar as ydernummer";
    await withDatabase(':memory:', async (_db, conn) => {
      // another system's writer: the date of a letter as a TIMESTAMP, one as an instant late in the evening UTC
      await conn.run(`copy (select 'e1' as id, ${sor}, 'Pe1' as patient_pseudonym, timestamp '2025-05-05 10:00:00' as dato, 'Epikrise' as titel, 'Set.' as tekst)
        to ${sqlString(join(ws.inbox, 'xmedicus', 'epikriser_2025-05a.parquet'))} (format parquet)`);
      await conn.run(`copy (select 'e2' as id, ${sor}, 'Pe2' as patient_pseudonym, timestamptz '2025-05-06 23:30:00+00' as dato, 'Epikrise' as titel, 'Set.' as tekst)
        to ${sqlString(join(ws.inbox, 'xmedicus', 'epikriser_2025-05b.parquet'))} (format parquet)`);
      await conn.run(`copy (select 'l1' as id, ${sor}, 'P9' as patient_pseudonym, 'NPU02319' as analysekode, '8.4' as vaerdi, 'mmol/L' as enhed,
          timestamp '2025-05-05 09:15:00' as proevetidspunkt, timestamptz '2025-05-05 07:45:00+00' as svartidspunkt)
        to ${sqlString(join(ws.inbox, 'xmedicus', 'labsvar_2025-05.parquet'))} (format parquet)`);
    });
    const { summary } = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    const byFile = Object.fromEntries(summary.files.map((f) => [f.file, f]));
    expect(byFile['xmedicus/epikriser_2025-05a.parquet']).toMatchObject({ read: 1, published: 1, rejected: 0 });
    expect(byFile['xmedicus/epikriser_2025-05b.parquet']).toMatchObject({ read: 1, published: 1, rejected: 0 });
    expect(byFile['xmedicus/labsvar_2025-05.parquet']).toMatchObject({ read: 1, published: 1, rejected: 0 });
    await withDatabase(ws.db, async (_db, conn) => {
      // 23:30 UTC on 6 May is 01:30 on 7 May in Copenhagen (summer time, UTC+2): the letter's date there
      expect(await queryRows(conn, `select record_id, written_date::varchar as d from core.epikriser order by 1`)).toEqual([
        { record_id: 'e1', d: '2025-05-05' }, { record_id: 'e2', d: '2025-05-07' },
      ]);
      // the wall-clock TIMESTAMP is Copenhagen time (09:15 = 07:15 UTC); the instant stays the instant
      expect(await queryRows(conn, `select strftime(sampled_at at time zone 'UTC', '%H:%M') as sampled,
        strftime(resulted_at at time zone 'UTC', '%H:%M') as resulted from core.laboratoriesvar`))
        .toEqual([{ sampled: '07:15', resulted: '07:45' }]);
    });
  });
});
