import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows, sqlString, withDatabase } from '../../transforms/db/connection.ts';
import { EXIT } from '../../jobs/exit-codes.ts';
import { runNightly, type NightlyResult } from '../../jobs/nightly.ts';
import { onReach } from '../../jobs/crashpoints.ts';
import { REGISTER, workspace, type Workspace } from '../helpers/inbox.ts';
import { fangst, nightlyArgs, outboxSnapshot, REPO } from '../helpers/snapshot.ts';

// The bad-input corpus (test/fixtures/bad-input/README.md): every kind of broken
// delivery goes through one nightly run together with good files. The good files
// are published; each bad file or row is rejected or quarantined with its file,
// line and reason; every file's rows add up; the exit code is the documented one.

const CORPUS = join(REPO, 'test', 'fixtures', 'bad-input', 'inbox');
const SOR = '61741000016007';
const H = 'DiagnoseId;SORkode;Ydernr;PatientPseudo;Diagnosekode;Diagnoseart;Kontaktdato';
const EH = 'EpikriseId;SORkode;Ydernr;PatientPseudo;Dato;Overskrift;Tekst';
const LH = 'SvarId;SORkode;Ydernr;PatientPseudo;Analysekode;Kodetype;Analysenavn;Resultat;Operator;Enhed;RefNedre;RefOevre;RefTekst;Markering;Status;Proevetid;Svartid';

/** The committed corpus plus the kinds a committed file cannot carry well (binary, huge, links, pipes). */
async function corpusInbox(): Promise<Workspace> {
  const ws = await workspace();
  await ws.put('register/klinikregister.csv', REGISTER);
  await cp(CORPUS, ws.inbox, { recursive: true });
  const big = [H, ...Array.from({ length: 2000 }, (_, i) => `t${i};${SOR};;PT${String(i).padStart(6, '0')};DH353;A;03-01-2025`)].join('\n') + '\n';
  const gz = gzipSync(Buffer.from(big, 'latin1'));
  await writeFile(join(ws.inbox, 'novax/2025-01_diagnoser_truncated.csv.gz'), gz.subarray(0, Math.floor(gz.length / 2)));
  await writeFile(join(ws.inbox, 'novax/2025-01_diagnoser_corrupt.csv.gz'), Buffer.concat([gz.subarray(0, 40), Buffer.from('not deflate data at all'), gz.subarray(80, 400)]));
  // no bytes at all, like the empty CSV: empty too, not "the same content as" that one
  await writeFile(join(ws.inbox, 'novax/2025-01_diagnoser_empty.csv.gz'), Buffer.alloc(0));
  // compressed, but not named so; and a zip archive of a delivery
  await writeFile(join(ws.inbox, 'novax/2025-01_diagnoser_gzip-named-csv.csv'), gzipSync(Buffer.from(`${H}\nz1;${SOR};;PZ000001;DH353;A;03-01-2025\n`, 'latin1')));
  await writeFile(join(ws.inbox, 'novax/2025-01_diagnoser_zip.csv'), Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]), Buffer.alloc(60, 7)]));
  await writeFile(join(ws.inbox, 'eg-clinea/2025-01-diagnoses-latin1.csv'), Buffer.from('id,sor,provider_number,patient_ref,diagnosis_code,diagnosis_type,encounter_date\n'
    + 'e1,71001000016002,,PE000001,L40.0,aktionsdiagnose,2025-01-03\ne2,71001000016002,,Pæøå0002,L20.9,bidiagnose,2025-01-04\n'
    + 'e3,71001000016002,,PE000003,L20.9,bidiagnose,2025-01-05\n', 'latin1'));
  // UTF-8 with one line another program wrote in Windows-1252 (ø as the byte F8)
  await writeFile(join(ws.inbox, 'eg-clinea/2025-01-diagnoses-mixed.csv'), Buffer.concat([
    Buffer.from('id,sor,provider_number,patient_ref,diagnosis_code,diagnosis_type,encounter_date\n'
      + 'mx1,71001000016002,,PMX0001,L40.0,aktionsdiagnose,2025-01-03\nmx2,71001000016002,,PMXø002,L20.9,bidiagnose,2025-01-04\n', 'utf8'),
    Buffer.from('mx3,71001000016002,,PMXø003,L20.9,bidiagnose,2025-01-05\n', 'latin1')]));
  // a note of 3 MB in NDJSON, between two ordinary ones
  const note = (id: string, text: string) => JSON.stringify({ recordId: id, sorCode: '81001000016009', patientPseudonym: `P${id}`, time: '2025-01-05T10:00:00', noteType: 'Konsultation', text });
  await ws.put('multimed/2025-01-long.notes.ndjson', [note('lg1', 'kort'), note('lg2', 'x'.repeat(3 * 1024 * 1024)), note('lg3', 'kort')].join('\n') + '\n');
  await ws.put('novax/2025-01_epikriser_10mb-field.csv', `${EH}\nb1;${SOR};;PB000001;03-01-2025;Epikrise;kort\n`
    + `b2;${SOR};;PB000002;03-01-2025;Epikrise;${'x'.repeat(10 * 1024 * 1024)}\nb3;${SOR};;PB000003;03-01-2025;Epikrise;kort\n`, 'latin-1');
  // Saved as UTF-16 by a spreadsheet (with a byte order mark), and big-endian without one; a
  // column name holds a CPR number, which a message quoting the header would spell out
  const utf16 = `${H};Note 010190-1234\nu1;${SOR};;PU000001;DH353;A;03-01-2025;x\n`;
  await writeFile(join(ws.inbox, 'novax/2025-01_diagnoser_utf16.csv'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(utf16, 'utf16le')]));
  await writeFile(join(ws.inbox, 'novax/2025-01_diagnoser_utf16be.csv'), Buffer.from(utf16, 'utf16le').swap16());
  const garbage = Buffer.alloc(4096);
  for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) % 256;
  await writeFile(join(ws.inbox, 'novax/2025-01_diagnoser_garbage.csv'), garbage);
  await ws.put('novax/2025-01_diagnoser_nul.csv', Buffer.from(`${H}\nz1;${SOR};;PZ00\u000001;DH353;A;03-01-2025\nz2;${SOR};;PZ000002;DH353;A;03-01-2025\n`, 'latin1'));
  // a CPR number typed into a number column: its ten digits parse as a number (a synthetic number)
  await ws.put('novax/2025-01_labsvar_cpr-in-number.csv', `${LH}\n`
    + `c1;${SOR};;PC000001;NPU02319;iupac;B-Hb;8,4;;mmol/L;1503851037;9,5;;;svar_endeligt;03-01-2025 09:15;03-01-2025 09:30\n`
    + `c2;${SOR};;PC000002;NPU02319;iupac;B-Hb;8,4;;mmol/L;7,3;9,5;;;svar_endeligt;03-01-2025 09:15;03-01-2025 09:30\n`);
  await cp(join(ws.inbox, 'novax/2025-01_diagnoser_good.csv'), join(ws.inbox, 'novax/2025-01_diagnoser_good-resent.csv'));
  await writeFile(join(ws.root, 'outside.csv'), `${H}\nl1;${SOR};;PL000001;DH353;A;03-01-2025\n`);
  await symlink(join(ws.root, 'outside.csv'), join(ws.inbox, 'novax/2025-01_diagnoser_symlink.csv'));
  execFileSync('mkfifo', [join(ws.inbox, 'novax/2025-01_diagnoser_fifo.csv')]);
  await mkdir(join(ws.inbox, 'novax/2025-01_diagnoser_folder.csv'));
  await ws.put('xmedicus/diagnoser_2025-01.parquet', Buffer.concat([Buffer.from('PAR1'), garbage.subarray(0, 200), Buffer.from('PAR1')]));
  // delivered without its header line: the first line is a record, a pseudonym and a note in it
  await ws.put('novax/2025-01_epikriser_no-header.csv', `h1;${SOR};;PH000001;03-01-2025;Epikrise;Pt set i klinik, kontrol om 3 mdr\n`
    + `h2;${SOR};;PH000002;03-01-2025;Epikrise;kort\n`, 'latin-1');
  return ws;
}

const logged: Array<{ msg: string; file?: string }> = [];
const logger = pino({ level: 'warn' }, { write: (line: string) => logged.push(JSON.parse(line)) });

let ws: Workspace;
let run: NightlyResult;
let rejects: Array<{ source_file: string; source_line: number | null; column_name: string | null; reason: string }>;
let quarantine: Array<{ source_file: string; source_line: number; check_ids: string[]; reasons: string[] }>;
let ledger: Set<string>;

beforeAll(async () => {
  ws = await corpusInbox();
  run = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger });
  await withDatabase(ws.db, async (_d, conn) => {
    rejects = (await queryRows<typeof rejects[number]>(conn, `select source_file, source_line::int as source_line, column_name, reason
      from meta.rejects order by source_file, source_line nulls first, column_name`));
    quarantine = await queryRows<typeof quarantine[number]>(conn, `select source_file, source_line::int as source_line, check_ids, reasons
      from core.quarantine order by source_file, source_line`);
    ledger = new Set((await queryRows<{ file_name: string }>(conn, `select file_name from meta.files`)).map((r) => r.file_name));
  });
});

const file = (name: string) => run.summary.files.find((f) => f.file === name);
/** The patients of a file's rows, published or quarantined, in line order. */
const patientsOf = (name: string) => withDatabase(ws.db, async (_d, conn) => (await queryRows<{ patient: string }>(conn,
  `select patient from (select patient, source_line from core.diagnoser where source_file = ${sqlString(name)}
   union all select record->>'patient', source_line from core.quarantine where source_file = ${sqlString(name)}) order by source_line`)).map((r) => r.patient));
const rejectsOf = (name: string) => rejects.filter((r) => r.source_file === name);
const quarantineOf = (name: string) => quarantine.filter((q) => q.source_file === name);
const skippedOf = (name: string) => run.summary.skipped.find((s) => s.file === name);

/** A whole-file reject: one meta.rejects row without a line, the file not in the ledger (the next run tries it again). */
function expectFileRejected(name: string, reason: string | RegExp) {
  expect(file(name)).toMatchObject({ read: 0, published: 0, quarantined: 0, rejected: 0 });
  expect(file(name)!.error).toMatch(reason);
  expect(rejectsOf(name)).toEqual([{ source_file: name, source_line: null, column_name: null, reason: file(name)!.error }]);
  expect(ledger.has(name)).toBe(false);
}

/** Rows rejected: each with its line and reason, the rest of the file published. */
function expectRowsRejected(name: string, lines: Array<[number, string | null, RegExp]>, published: number) {
  const got = rejectsOf(name);
  for (const [line, column, reason] of lines) {
    expect(got.some((r) => r.source_line === line && r.column_name === column && reason.test(r.reason)), `${name} line ${line} ${column} ${reason}: ${JSON.stringify(got)}`).toBe(true);
  }
  expect(file(name)).toMatchObject({ rejected: new Set(lines.map((l) => l[0])).size, published, error: null });
  expect(ledger.has(name)).toBe(true);
}

describe('the bad-input corpus in one nightly run', () => {
  it('the run succeeds with the documented exit code: rejected and quarantined rows do not fail a night', () => {
    expect(run.exitCode).toBe(EXIT.ok);
    expect(run.summary.heldBack).toEqual([]);
  });

  it('every file that was read adds up: read = published + quarantined + rejected', () => {
    expect(run.summary.files.length).toBeGreaterThanOrEqual(30);
    for (const f of run.summary.files) expect(f.read, f.file).toBe(f.published + f.quarantined + f.rejected);
    const t = run.summary.totals;
    expect(t.read).toBe(t.published + t.quarantined + t.rejected);
  });

  it('the good files are published in full, and the outbox holds one complete batch with every reject and quarantined row', async () => {
    for (const name of ['novax/2025-01_diagnoser_good-resent.csv', 'novax/2025-01_epikriser_good.csv', 'novax/2025-01_labsvar_good.csv', 'eg-clinea/2025-01-diagnoses-good.csv']) {
      const f = file(name)!;
      expect(f.read, name).toBeGreaterThan(0);
      expect(f.published, name).toBe(f.read);
    }
    const out = await outboxSnapshot(ws.outbox);
    expect(out).toMatchObject({ hidden: [], folders: 1, incomplete: [] });
    expect(out.rows['rejects.parquet']).toHaveLength(rejects.length);
    expect(out.rows['quarantine.parquet']).toHaveLength(quarantine.length);
    // the manifest's totals are the run's (the register's rows not among them), and the
    // rejects that are rows, not failed files, add up to them
    expect(out.manifests[0]!.totals).toEqual(run.summary.totals);
    // (a row rejected for two columns is two rejects of one row)
    const rows = out.rows['rejects.parquet'] as Array<{ whole_file: boolean; source_file: string; source_line: number | null }>;
    expect(new Set(rows.filter((r) => !r.whole_file).map((r) => `${r.source_file}:${r.source_line}`)).size).toBe(run.summary.totals.rejected);
    expect(rows.filter((r) => r.whole_file).length).toBeGreaterThan(0);
    expect(rows.every((r) => r.whole_file === (r.source_line === null))).toBe(true);
  });

  // Whole files that cannot be read.
  it('empty file: rejected as a whole', () => expectFileRejected('novax/2025-01_diagnoser_empty.csv', 'empty file: no header line'));
  it('a second empty file (a .gz of no bytes): not loaded, called empty, not "the same content as" the first', () => {
    expect(skippedOf('novax/2025-01_diagnoser_empty.csv.gz')).toEqual({ file: 'novax/2025-01_diagnoser_empty.csv.gz', outcome: 'unreadable', detail: 'empty file (0 bytes): nothing to read' });
    expect(ledger.has('novax/2025-01_diagnoser_empty.csv.gz')).toBe(false);
  });
  it('gzip content in a file named .csv, and a zip archive: rejected, saying what they are', () => {
    expectFileRejected('novax/2025-01_diagnoser_gzip-named-csv.csv', 'the file is gzip-compressed, but its name does not end in .gz: deliver it named .gz, or uncompressed');
    expectFileRejected('novax/2025-01_diagnoser_zip.csv', 'the file is a zip archive, not text: deliver the file it holds');
  });
  it('truncated gzip: rejected as a whole, not loaded up to the cut', () =>
    expectFileRejected('novax/2025-01_diagnoser_truncated.csv.gz', 'gzip file is truncated (cut off before its end)'));
  it('corrupt gzip: rejected as a whole', () => expectFileRejected('novax/2025-01_diagnoser_corrupt.csv.gz', /^gzip file is corrupt \(.+\)$/));
  it('wrong delimiter (all in one column): required columns missing, and the delimiter the header has beside the layout\'s', () =>
    expectFileRejected('eg-clinea/2025-01-diagnoses-semicolon.csv',
      'required column missing: id (record_id), patient_ref (patient), diagnosis_code (code), encounter_date (contact_date); '
      + 'the header reads as one column: its names are separated by ";", the layout says "," (delimiter in its layout)'));
  it('a required column missing: rejected, naming the column and the header', () =>
    expectFileRejected('novax/2025-01_diagnoser_no-date-column.csv',
      'required column missing: Kontaktdato (contact_date); the header has DiagnoseId, SORkode, Ydernr, PatientPseudo, Diagnosekode, Diagnoseart'));
  it('a file without its header line: rejected, saying so, its first line (a record) not quoted', () => {
    expectFileRejected('novax/2025-01_epikriser_no-header.csv',
      'required column missing: EpikriseId (record_id), PatientPseudo (patient), Dato (written_date), Tekst (text); the first line has 7 fields and none of the layout\'s column names: a file without its header line? (not quoted: it may be a record)');
  });
  it('duplicated header names: rejected, naming the column', () =>
    expectFileRejected('novax/2025-01_diagnoser_duplicate-header.csv', 'duplicated column names in the header: Diagnosekode'));
  it('UTF-16 with or without a byte order mark: rejected, saying so, the header not quoted', () => {
    expectFileRejected('novax/2025-01_diagnoser_utf16.csv',
      'the file is UTF-16 (byte order mark FF FE), not Latin-1 text as its layout says: save it as UTF-8');
    expectFileRejected('novax/2025-01_diagnoser_utf16be.csv',
      'the file is UTF-16 (a NUL byte beside every character), not Latin-1 text as its layout says: save it as UTF-8');
  });
  it('binary garbage: rejected, its first line not quoted', () => {
    expectFileRejected('novax/2025-01_diagnoser_garbage.csv', /^required column missing: DiagnoseId \(record_id\).*; the first line has \d+ fields? and none of the layout's column names/);
  });
  it('corrupt parquet: rejected, named by its inbox path rather than this machine\'s', () =>
    expectFileRejected('xmedicus/diagnoser_2025-01.parquet', /^file could not be read: .*'xmedicus\/diagnoser_2025-01\.parquet'$/));

  // Rows that cannot be parsed.
  it('wrong encoding (a Latin-1 file in a UTF-8 layout): read as Windows-1252, every line kept, with a warning', async () => {
    const name = 'eg-clinea/2025-01-diagnoses-latin1.csv';
    expect(file(name)).toMatchObject({ read: 3, rejected: 0, error: null });
    expect(logged.filter((l) => l.file === name).map((l) => l.msg)).toEqual([expect.stringMatching(/^read as Windows-1252: the file its layout declares UTF-8/)]);
    expect(await patientsOf(name)).toEqual(['PE000001', 'Pæøå0002', 'PE000003']);
  });
  it('a UTF-8 file with a Windows-1252 line: each line read as what it is, with a warning', async () => {
    const name = 'eg-clinea/2025-01-diagnoses-mixed.csv';
    expect(file(name)).toMatchObject({ read: 3, rejected: 0, error: null });
    expect(logged.filter((l) => l.file === name).map((l) => l.msg)).toEqual([expect.stringMatching(/^read line by line: the file its layout declares UTF-8/)]);
    expect(await patientsOf(name)).toEqual(['PMX0001', 'PMXø002', 'PMXø003']);
  });
  it('a 10 MB field: that line rejected as too long, the lines around it published', () =>
    expectRowsRejected('novax/2025-01_epikriser_10mb-field.csv', [[3, null, /^line size over maximum: .*10485808 bytes/]], 2));
  it('NUL bytes: the record rejected, naming the column', () =>
    expectRowsRejected('novax/2025-01_diagnoser_nul.csv', [[2, 'patient', /^NUL byte in the value/]], 1));
  it('impossible dates (31-02-2025) and dates in another format: rejected with the expected format', () =>
    expectRowsRejected('novax/2025-01_diagnoser_impossible-date.csv', [
      [2, 'contact_date', /^not a valid date: expected the format %d-%m-%Y$/],
      [3, 'contact_date', /^not a valid date: expected the format %d-%m-%Y$/],
    ], 1));
  it('wrong decimal separator: "7.3" in a decimal-comma file is rejected, not read as 73', () =>
    expectRowsRejected('novax/2025-01_labsvar_wrong-decimal.csv', [
      [2, 'ref_low', /^not a number: expected decimal separator ','$/],
      [2, 'ref_high', /^not a number: expected decimal separator ','$/],
    ], 1));
  it('a CPR number in a number column: that line rejected although its digits parse as a number', () =>
    expectRowsRejected('novax/2025-01_labsvar_cpr-in-number.csv', [[2, 'ref_low', /^a CPR number or replacement number appears in this field$/]], 1));
  it('mixed types in a column (text in a number, a number in a time): rejected per value', () =>
    expectRowsRejected('novax/2025-01_labsvar_mixed-types.csv', [
      [2, 'ref_high', /^not a number/],
      [3, 'sampled_at', /^not a valid time: expected the format %d-%m-%Y %H:%M$/],
    ], 1));
  it('too many and too few columns on a line: rejected with the counts, one reject a line', () => {
    expectRowsRejected('novax/2025-01_diagnoser_ragged.csv', [
      [2, null, /^too many columns: Expected Number of Columns: 7 Found: 8$/],
      [3, 'Diagnoseart', /^missing columns/],
      [5, null, /^too many columns: Expected Number of Columns: 7 Found: 10$/],
    ], 1);
    // three columns too many are one rejected row, not three (rejects.parquet counts as the run does)
    expect(rejectsOf('novax/2025-01_diagnoser_ragged.csv').map((r) => r.source_line)).toEqual([2, 3, 5]);
  });
  it('a value that starts with a quoted word: that record rejected saying so, the rest of the file published', () =>
    expectRowsRejected('novax/2025-01_epikriser_quoted-word.csv', [[3, 'Overskrift', /^a quote closes before the end of its value/]], 3));
  it('too many and too few columns in a file with CRLF line ends: the records as delivered, each on one line', async () => {
    expectRowsRejected('novax/2025-01_diagnoser_ragged-crlf.csv', [
      [2, null, /^too many columns: Expected Number of Columns: 7 Found: 8$/],
      [3, 'Diagnoseart', /^missing columns: the line has 5 of the header's 7 fields, without Diagnoseart, Kontaktdato: trailing empty fields left out, or the record cut short \(the line cannot tell which\), so it is not read$/],
    ], 1);
    const raw = await withDatabase(ws.db, (_d, conn) => queryRows<{ raw_value: string }>(conn,
      `select raw_value from meta.rejects where source_file = 'novax/2025-01_diagnoser_ragged-crlf.csv' order by source_line`));
    expect(raw.map((r) => r.raw_value)).toEqual(['rw1;61741000016007;;PRW00001;DH353;A;03-01-2025;ekstra', 'rw2;61741000016007;;PRW00002;DH353']);
  });
  it('an unterminated quote: the file is rejected whole, not its lines after the quote lost in one value', () =>
    expectFileRejected('novax/2025-01_diagnoser_unterminated-quote.csv',
      'line 3, column PatientPseudo: a quote opens a value and is never closed, so the rest of the file (2 lines) would be read as that one value; close the quote (a quote inside a value is written twice: "") and deliver the file again'));
  it('a quote closed some lines later: the record it makes is rejected saying which lines it took, the next published', () =>
    expectRowsRejected('novax/2025-01_diagnoser_quote-closed-later.csv',
      [[3, 'Kontaktdato', /^missing columns: .* \(the record runs over 3 lines of the file: a quoted value in it holds line breaks\)$/]], 2));
  it('NDJSON lines that are not JSON objects: rejected with their line numbers', () =>
    expectRowsRejected('multimed/2025-01.notes.ndjson', [[2, null, /^line is not valid JSON$/], [3, null, /^line is JSON but not an object$/]], 2));
  it('an NDJSON line of 3 MB: that line rejected as too long, the lines around it published', () =>
    expectRowsRejected('multimed/2025-01-long.notes.ndjson', [[2, null, /^line size over maximum: the line is \d+ bytes, more than a record may be \(2000000\)$/]], 2));
  it('blank NDJSON lines, empty or of spaces and tabs: no record, nothing rejected', () =>
    expect(rejectsOf('multimed/2025-01.notes.ndjson').map((r) => r.source_line)).toEqual([2, 3]));

  // Rows held back by a check.
  it('dates in the future: quarantined by diagnoser.contact_date_future', () => {
    expect(quarantineOf('novax/2025-01_diagnoser_future-date.csv')).toEqual([{
      source_file: 'novax/2025-01_diagnoser_future-date.csv', source_line: 2,
      check_ids: ['diagnoser.contact_date_future'], reasons: ['the contact date is in the future'],
    }]);
  });
  it('duplicate rows: the earlier copy quarantined, pointing at the line kept', () => {
    expect(quarantineOf('novax/2025-01_diagnoser_duplicate-rows.csv')).toEqual([{
      source_file: 'novax/2025-01_diagnoser_duplicate-rows.csv', source_line: 2,
      check_ids: ['pipeline.duplicate'], reasons: ['exact duplicate of novax/2025-01_diagnoser_duplicate-rows.csv line 4'],
    }]);
  });
  it('a CPR number in free text: quarantined, and the reason does not repeat the number', () => {
    const q = quarantineOf('novax/2025-01_epikriser_cpr.csv');
    expect(q.map((r) => [r.source_line, r.check_ids])).toEqual([[2, ['privacy.cpr_epikriser']]]);
    expect(JSON.stringify(q)).not.toContain('010190');
  });

  // Files skipped as a whole, with the reason.
  it('the same file twice under two names: loaded once, the other reported as the same content', () => {
    expect(skippedOf('novax/2025-01_diagnoser_good.csv')).toEqual({
      file: 'novax/2025-01_diagnoser_good.csv', outcome: 'duplicate_in_run', detail: 'same content as novax/2025-01_diagnoser_good-resent.csv',
    });
  });
  it('a symbolic link: not followed, reported', () => {
    expect(skippedOf('novax/2025-01_diagnoser_symlink.csv')).toMatchObject({ outcome: 'unrecognised', detail: 'symbolic link: not followed, deliveries must be regular files' });
  });
  it('a named pipe: not read (it would block the run), reported', () => {
    expect(skippedOf('novax/2025-01_diagnoser_fifo.csv')).toMatchObject({ outcome: 'unrecognised', detail: 'not a regular file (pipe, socket or device): not read' });
  });
  it('a folder named like a delivery: reported as a folder, in the summary and in run_results.json', async () => {
    expect(skippedOf('novax/2025-01_diagnoser_folder.csv')).toMatchObject({ outcome: 'unrecognised', detail: 'a folder, not a file: not read' });
    const results = JSON.parse(await readFile(join(ws.reports, run.summary.runId, 'run_results.json'), 'utf8')) as { files: Array<{ file: string; outcome: string; detail?: string }> };
    expect(results.files.find((f) => f.file === 'novax/2025-01_diagnoser_folder.csv')).toMatchObject({ outcome: 'unrecognised', detail: 'a folder, not a file: not read' });
  });
  it('a file whose name matches no layout: reported, not loaded', () => {
    expect(skippedOf('novax/laes-mig.txt')).toMatchObject({ outcome: 'unrecognised', detail: 'name matches no layout in config/sources' });
  });

  // Awkward but valid: loaded in full.
  it('header only: loaded with no records, and said so', () => {
    expect(file('novax/2025-01_diagnoser_header-only.csv')).toMatchObject({ read: 0, error: null });
    expect(ledger.has('novax/2025-01_diagnoser_header-only.csv')).toBe(true);
    expect(logged.some((l) => l.file === 'novax/2025-01_diagnoser_header-only.csv' && l.msg === 'no records: the file holds no data rows')).toBe(true);
  });
  it('unknown extra columns: ignored with a warning naming them, the rows published', () => {
    expect(file('novax/2025-01_diagnoser_extra-column.csv')).toMatchObject({ read: 2, published: 2 });
    expect(logged.some((l) => l.file === 'novax/2025-01_diagnoser_extra-column.csv' && l.msg === 'unknown columns ignored: Bemaerkning')).toBe(true);
  });
  it('an optional column renamed: the rows published, and the mapped column the file lacks named beside the one it has', () => {
    expect(file('novax/2025-01_epikriser_renamed-column.csv')).toMatchObject({ read: 2, published: 2 });
    const said = logged.filter((l) => l.file === 'novax/2025-01_epikriser_renamed-column.csv').map((l) => l.msg);
    expect(said).toEqual(expect.arrayContaining(['mapped columns not in the file, empty in every row: Overskrift (title)', 'unknown columns ignored: Overskriften']));
  });
  it('SQL metacharacters in a header name: an unknown column like any other', () => {
    expect(file('novax/2025-01_diagnoser_sql-header.csv')).toMatchObject({ read: 1, published: 1 });
    expect(logged.some((l) => l.msg === `unknown columns ignored: x'); drop table meta.files; --"`)).toBe(true);
  });
  it('SQL metacharacters in values: stored verbatim, nothing executed', async () => {
    expect(file('novax/2025-01_epikriser_sql-values.csv')).toMatchObject({ read: 2, published: 2 });
    await withDatabase(ws.db, async (_d, conn) => {
      const rows = await queryRows<{ record_id: string; title: string; text: string }>(conn,
        `select record_id, title, text from core.epikriser where source_file = 'novax/2025-01_epikriser_sql-values.csv' order by record_id`);
      expect(rows).toEqual([
        { record_id: 'sq1', title: "'); drop table core.epikriser; --", text: "Robert'); DROP TABLE meta.files;--" },
        { record_id: 'sq2', title: '"quoted" $1 ? %s \\\\ ${x}', text: "x' or '1'='1" },
      ]);
      expect((await queryRows(conn, 'select 1 from meta.files')).length).toBe(ledger.size);
    });
  });
  it('quoted newlines: one record, the text keeps its line breaks, the next record is line 5, where it is in the file', async () => {
    await withDatabase(ws.db, async (_d, conn) => {
      const rows = await queryRows<{ record_id: string; text: string; source_line: number }>(conn,
        `select record_id, text, source_line::int as source_line from core.epikriser where source_file = 'novax/2025-01_epikriser_quoted-newline.csv' order by record_id`);
      expect(rows).toEqual([
        { record_id: 'q1', text: 'Første linje\nanden linje; med semikolon\ntredje "citeret" linje', source_line: 2 },
        { record_id: 'q2', text: 'En linje.', source_line: 5 },
      ]);
    });
  });
  it('file names with spaces, Unicode and ".." are loaded and recorded as delivered', () => {
    for (const name of ['novax/2025-01_diagnoser_med mellemrum.csv', 'novax/2025-01_diagnoser_øjenklinik-Å.csv', 'novax/2025-01..02_diagnoser_..csv']) {
      expect(file(name), name).toMatchObject({ read: 1, published: 1 });
      expect(ledger.has(name), name).toBe(true);
    }
  });
  it('CRLF line endings and a byte-order mark: loaded in full', () => {
    expect(file('eg-clinea/2025-01-diagnoses-crlf-bom.csv')).toMatchObject({ read: 2, published: 2 });
  });
  it('a header in another letter case (ID,SOR,... or diagnoseid;sorkode;...): loaded in full, nothing called unknown', () => {
    expect(file('eg-clinea/2025-01-diagnoses-upper-case-header.csv')).toMatchObject({ read: 2, published: 2, error: null });
    expect(file('novax/2025-01_diagnoser_lower-case-header.csv')).toMatchObject({ read: 1, published: 1, error: null });
    for (const f of ['eg-clinea/2025-01-diagnoses-upper-case-header.csv', 'novax/2025-01_diagnoser_lower-case-header.csv']) {
      expect(logged.filter((l) => l.file === f).map((l) => l.msg)).toEqual([]);
    }
  });
});

describe('files that change or cannot be opened', () => {
  it('a file still being written while the run reads it: left for the next run, which loads it whole', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    const growing = await ws.put('novax/2025-01_diagnoser_upload.csv', `${H}\ng1;${SOR};;PG000001;DH353;A;03-01-2025\n`, 'latin-1');
    // The upload goes on after the run has listed and hashed the inbox.
    const off = onReach('after-hashing', () => {
      off();
      execFileSync('sh', ['-c', `printf 'g2;${SOR};;PG000002;DH353;A;04-01-2025\\n' >> '${growing}'`]);
    });
    const first = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: pino({ level: 'silent' }) });
    off();
    const f = first.summary.files.find((x) => x.file === 'novax/2025-01_diagnoser_upload.csv')!;
    expect(f).toMatchObject({ read: 0, published: 0 });
    expect(f.error).toMatch(/^file changed while it was read \(\d+ bytes when listed, \d+ now\): still being written\? left for the next run$/);
    const second = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: pino({ level: 'silent' }) });
    expect(second.summary.files.find((x) => x.file === 'novax/2025-01_diagnoser_upload.csv')).toMatchObject({ read: 2, published: 2, error: null });
  });

  it('an unreadable file: reported as failed, the others published, exit 0; the next run loads it once readable', async (ctx) => {
    // As root the job runs as nobody (uid 65534), which must be able to start node and read the project.
    if (process.getuid?.() === 0) {
      const probe = spawnSync(process.execPath, [join(REPO, 'jobs', 'fangst.js'), '--help'], { uid: 65534, gid: 65534, cwd: REPO });
      if (probe.status !== 0) ctx.skip(`uid 65534 cannot run ${process.execPath} on ${REPO}, so an unreadable file cannot be made for root`);
    }
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('novax/2025-01_diagnoser_ok.csv', `${H}\nk1;${SOR};;PK000001;DH353;A;03-01-2025\n`, 'latin-1');
    const locked = await ws.put('novax/2025-01_diagnoser_locked.csv', `${H}\nk2;${SOR};;PK000002;DH353;A;03-01-2025\n`, 'latin-1');
    await chmod(locked, 0o000);
    // Root reads any file whatever its mode: run the job as an unprivileged user then (uid 65534, nobody).
    const asRoot = process.getuid?.() === 0;
    if (asRoot) execFileSync('chmod', ['-R', 'a+rwX', ws.root]), await chmod(locked, 0o000);
    const first = await fangst(nightlyArgs(ws), { HOME: ws.root }, asRoot ? { uid: 65534, gid: 65534 } : {});
    expect(first.code, first.stderr).toBe(EXIT.ok);
    expect(first.stdout).toContain('FAILED: novax/2025-01_diagnoser_locked.csv: file could not be read: EACCES');
    expect(first.stdout).toMatch(/files: 2 loaded, 0 already loaded \(skipped\), 1 failed/);
    await chmod(locked, 0o644);
    const second = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: pino({ level: 'silent' }) });
    expect(second.summary.files.map((x) => [x.file, x.published])).toEqual([['novax/2025-01_diagnoser_locked.csv', 1]]);
    expect(JSON.parse(await readFile(join(ws.outbox, second.summary.batchId!, 'manifest.json'), 'utf8')).totals.published).toBe(1);
  });
});
