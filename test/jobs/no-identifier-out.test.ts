import { spawnSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { queryRows, sqlString, withDatabase } from '../../transforms/db/connection.ts';
import { REPO } from '../helpers/snapshot.ts';
import { REGISTER, workspace } from '../helpers/inbox.ts';
import { everyFile } from '../helpers/every-file.ts';

const H = 'DiagnoseId;SORkode;Ydernr;PatientPseudo;Diagnosekode;Diagnoseart;Kontaktdato';
const EH = 'EpikriseId;SORkode;Ydernr;PatientPseudo;Dato;Overskrift;Tekst';
const SOR = '61741000016007';

/** Every planted number, as written and as its ten digits. */
const PLANTED = [
  ['150385-1037', '1503851037'], // file name
  ['150385-1039', '1503851039'], // header name
  ['150385-1040', '1503851040'], // record id
  ['150385-1041', '1503851041'], // SOR code field
  ['15.03.85\u20131042', '1503851042'], // free text, en dash
  ['150385\u00a01043', '1503851043'], // free text, non-breaking space
  ['150385-1044', '1503851044'], // lab analysis code
  ['150385 1045', '1503851045'], // lab unit
  ['150385-1046', '1503851046'], // clinic name in the register
].flat();
const LH = 'SvarId;SORkode;Ydernr;PatientPseudo;Analysekode;Kodetype;Analysenavn;Resultat;Operator;Enhed;RefNedre;RefOevre;RefTekst;Markering;Status;Proevetid;Svartid';


/** A file's text as a reader sees it: Parquet read back row by row, anything else as UTF-8. */
async function textOf(file: string): Promise<string> {
  if (!file.endsWith('.parquet')) return readFile(file, 'utf8');
  return withDatabase(':memory:', async (_db, conn) =>
    JSON.stringify(await queryRows(conn, `select * from read_parquet(${sqlString(file)})`), (_k, v) => (typeof v === 'bigint' ? Number(v) : v)));
}

// Identifiers planted in a file name, a header, a record id, a SOR code and free text: none of
// them, in the spelling delivered or as bare digits, in any file the run writes outside the
// database, nor on the terminal.
describe('no CPR number leaves the pipeline', () => {
  it('through the outbox, the reports (operators\' and shareable) or the terminal', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER.replace('Øjenklinikken', 'Øjenklinikken 150385-1046'));
    await ws.put('novax/2025-01_labsvar_1.csv', `${LH}\nl1;${SOR};;P9;150385-1044;lokal;B-Hb;8,1;;150385 1045;7,3;9,5;;;svar_endeligt;01-01-2025 09:15;01-01-2025 09:30\n`
      + `l2;${SOR};;P10;NPU02319;iupac;B-Hb;8,2;;mmol/L;7,3;9,5;;;svar_endeligt;02-01-2025 09:15;02-01-2025 09:30\n`);
    await ws.put('novax/2025-01_diagnoser_150385-1037.csv', `${H}\na1;${SOR};;P1;DH353;A;03-01-2025\n`);
    await ws.put('novax/2025-01_diagnoser_header.csv', `${H.replace('Kontaktdato', '150385-1039')}\na2;${SOR};;P2;DH353;A\n`);
    await ws.put('novax/2025-01_diagnoser_ids.csv', `${H}\n150385-1040;${SOR};;P3;DH353;A;03-01-2025\na4;150385-1041;;P4;DH353;A;03-01-2025\n`
      + `a5;${SOR};;P5;DH353;A;04-01-2025\n`);
    await ws.put('novax/2025-01_epikriser_1.csv', `${EH}\ne1;${SOR};;P6;03-01-2025;Epikrise;Pt. 15.03.85\u20131042 set i dag\n`
      + `e2;${SOR};;P7;03-01-2025;Epikrise;cpr 150385\u00a01043\ne3;${SOR};;P8;03-01-2025;Epikrise;intet nyt\n`);
    const fangst = (...args: string[]) => spawnSync(process.execPath, [join(REPO, 'jobs', 'fangst.js'), ...args],
      { cwd: REPO, encoding: 'utf8', env: { ...process.env, FANGST_LOG_LEVEL: 'info', FANGST_LOG_FORMAT: 'json' } });
    const runs = [
      fangst('nightly', '--inbox', ws.inbox, '--db', ws.db, '--outbox', ws.outbox, '--reports', ws.reports),
      fangst('checks', 'report', '--db', ws.db, '--out', join(ws.root, 'report')),
      fangst('checks', 'report', '--shareable', '--db', ws.db, '--out', join(ws.root, 'shareable')),
      fangst('campaign', '--db', ws.db, '--out', join(ws.root, 'campaign'), '--json'),
      fangst('campaign', '--shareable', '--db', ws.db, '--out', join(ws.root, 'campaign-shareable')),
      fangst('lab-quality', ws.inbox,
        '--out', join(ws.root, 'lab')),
    ];
    expect(runs.map((r) => r.status)).toEqual([0, 0, 0, 0, 0, 0]);
    const files = [...(await everyFile(ws.outbox)), ...(await everyFile(ws.reports)),
      ...(await everyFile(join(ws.root, 'report'))), ...(await everyFile(join(ws.root, 'shareable'))),
      ...(await everyFile(join(ws.root, 'campaign'))), ...(await everyFile(join(ws.root, 'campaign-shareable'))),
      ...(await everyFile(join(ws.root, 'lab'))).filter((f) => !f.endsWith('.duckdb') && !f.endsWith('.wal'))];
    expect(files.some((f) => f.endsWith('quarantine.parquet'))).toBe(true);
    const found: string[] = [];
    for (const f of files) {
      const text = await textOf(f);
      for (const n of PLANTED) if (text.includes(n)) found.push(`${f.slice(ws.root.length)}: ${n}`);
    }
    const terminal = runs.map((r) => r.stdout + r.stderr).join('\n');
    for (const n of PLANTED) if (terminal.includes(n)) found.push(`terminal: ${n}`);
    expect(found).toEqual([]);
    // What was held back is still there, named by where it came from.
    expect(await textOf(files.find((f) => f.endsWith('quarantine.parquet'))!)).toContain('[CPR]');
    expect(await textOf(join(ws.root, 'lab', 'summary.json'))).toContain('[CPR]');
    expect(await textOf(join(ws.root, 'campaign', 'campaign.json'))).toContain('Øjenklinikken [CPR]');
  });
});
