// NOVAX declares Latin-1. A clinic that moved to a newer program saves the same layout as UTF-8:
// read as Latin-1, every æ became Ã¦ and every dash three characters (published garbled, and a
// CPR number written in full-width digits no longer found). Such a file is read as UTF-8, with a
// warning naming it; a real Latin-1 file beside it is read as before.
import { readFile } from 'node:fs/promises';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { runNightly, type NightlyResult } from '../../jobs/nightly.ts';
import { queryRows, sqlString, withDatabase } from '../../transforms/db/connection.ts';
import { everyFile } from '../helpers/every-file.ts';
import { REGISTER, workspace, type Workspace } from '../helpers/inbox.ts';

const EH = 'EpikriseId;SORkode;Ydernr;PatientPseudo;Dato;Overskrift;Tekst';
const SOR = '61741000016007';
const UTF8_TEXT = 'Næste kontrol om 3–6 mdr., P-Kreatinin 88 µmol/L';
const LATIN1_TEXT = 'Uændret, ses igen om ½ år';
// a CPR number in full-width digits: found only when read as UTF-8
const WIDE_CPR = '１５０３８５-１０３７';
const ARABIC_CPR = '١٥٠٣٨٥-١٠٣٨';
const WINDOWS_TEXT = 'Næste gang – om 3 mdr., 120 €';

let ws: Workspace;
let run: NightlyResult;
const warnings: Array<{ msg: string; file?: string }> = [];

beforeAll(async () => {
  ws = await workspace();
  await ws.put('register/klinikregister.csv', REGISTER);
  await ws.put('novax/2025-01_epikriser_u.csv', Buffer.from(`${EH}\nu1;${SOR};;PW000001;03-01-2025;Kontrol;${UTF8_TEXT}\n`
    + `u2;${SOR};;PW000002;03-01-2025;Epikrise;Pt. ${WIDE_CPR} set i dag\n`, 'utf8'));
  await ws.put('novax/2025-01_epikriser_l.csv', Buffer.from(`${EH}\nl1;${SOR};;PW000003;04-01-2025;Kontrol;${LATIN1_TEXT}\n`, 'latin1'));
  // a Latin-1 file that another program appended UTF-8 lines to: a CPR number in Arabic-Indic
  // digits in one of them (read as Latin-1 it would be too garbled to find)
  await ws.put('novax/2025-01_epikriser_m.csv', Buffer.concat([
    Buffer.from(`${EH}\nm1;${SOR};;PW000004;05-01-2025;Kontrol;${LATIN1_TEXT}\n`, 'latin1'),
    Buffer.from(`m2;${SOR};;PW000005;05-01-2025;Epikrise;Pt. ${ARABIC_CPR} set\nm3;${SOR};;PW000006;05-01-2025;Kontrol;${UTF8_TEXT}\n`, 'utf8'),
    // Windows-1252: the en dash and euro sign on bytes 0x96 and 0x80
    Buffer.from(Array.from(`m4;${SOR};;PW000007;06-01-2025;Kontrol;${WINDOWS_TEXT}\n`, (ch) => ({ '–': 0x96, '€': 0x80 } as Record<string, number>)[ch] ?? ch.charCodeAt(0))),
  ]));
  const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line)) });
  run = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger });
});

describe('a UTF-8 delivery in a layout that declares Latin-1', () => {
  it('is read as UTF-8 and says so; the Latin-1 file beside it is read as Latin-1, without the warning', async () => {
    const file = (name: string) => run.summary.files.find((f) => f.file === name);
    expect(file('novax/2025-01_epikriser_u.csv')).toMatchObject({ read: 2, published: 1, quarantined: 1, rejected: 0 });
    expect(file('novax/2025-01_epikriser_l.csv')).toMatchObject({ read: 1, published: 1, quarantined: 0, rejected: 0 });
    const said = warnings.filter((w) => w.msg.startsWith('read as UTF-8')).map((w) => w.file);
    expect(said).toEqual(['novax/2025-01_epikriser_u.csv']);
    const parquet = (await everyFile(ws.outbox)).filter((f) => f.endsWith('/epikriser.parquet'));
    const rows = await withDatabase(':memory:', async (_db, conn) => queryRows<{ record_id: string; text: string }>(conn,
      `select record_id, text from read_parquet(${sqlString(parquet[0]!)}) order by record_id`));
    expect(rows).toEqual([{ record_id: 'l1', text: LATIN1_TEXT }, { record_id: 'm1', text: LATIN1_TEXT }, { record_id: 'm3', text: UTF8_TEXT },
      { record_id: 'm4', text: WINDOWS_TEXT }, { record_id: 'u1', text: UTF8_TEXT }]);
  });

  it('reads a Latin-1 file with UTF-8 lines line by line, each as what it is, and says so', () => {
    const file = run.summary.files.find((f) => f.file === 'novax/2025-01_epikriser_m.csv');
    expect(file).toMatchObject({ read: 4, published: 3, quarantined: 1, rejected: 0 });
    expect(warnings.filter((w) => w.msg.startsWith('read line by line')).map((w) => w.file)).toEqual(['novax/2025-01_epikriser_m.csv']);
  });

  it('says how each such file was read in run_results.json and the quality reports, not only in the log', async () => {
    const files = await everyFile(ws.reports);
    const results = JSON.parse(await readFile(files.find((f) => f.endsWith('run_results.json'))!, 'utf8')) as { files: { file: string; outcome: string; detail: string | null }[] };
    const detail = (name: string) => results.files.find((f) => f.file === name)?.detail ?? null;
    expect(detail('novax/2025-01_epikriser_u.csv')).toMatch(/^read as UTF-8: /);
    expect(detail('novax/2025-01_epikriser_m.csv')).toMatch(/^read line by line: /);
    expect(detail('novax/2025-01_epikriser_l.csv')).toBeNull();
    for (const report of files.filter((f) => /quality-report[^/]*\.(md|html)$/.test(f))) {
      // Markdown escapes the underscores of a file name
      const text = (await readFile(report, 'utf8')).replaceAll('\\_', '_');
      expect(text, report).toContain('2025-01_epikriser_m.csv');
      expect(text, report).toContain('Files loaded with a note');
      expect(text, report).toContain('read line by line');
    }
  });

  it('finds the CPR numbers in full-width and Arabic-Indic digits, which read as Latin-1 would have been too garbled to find', async () => {
    const held = await withDatabase(ws.db, async (_db, conn) => queryRows<{ record_key: string; check_ids: string[] }>(conn,
      `select record_key, check_ids from core.quarantine order by record_key`));
    expect(held).toEqual([{ record_key: 'NOVAX:m2', check_ids: ['privacy.cpr_epikriser'] }, { record_key: 'NOVAX:u2', check_ids: ['privacy.cpr_epikriser'] }]);
  });
});
