// The diagnosis kind as journal systems and their users write it, beyond the spellings listed in
// config/sources: white space around it (a tab), full-width forms from an East Asian input method
// (Ａ, １), another script's digits (Arabic-Indic ٢), and a dash typed in Windows (CGM XMO's
// A–diag, an en dash that arrives as U+0096 when the Windows-1252 byte is read as Latin-1).
// Each is the A or B it says, not an unmarked diagnosis (an outside tester's FAPS findings).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';

const run = promisify(execFile);

describe('diagnosis kinds spelled the way people and systems write them', () => {
  let kinds: Map<string, string | null>;

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fangst-kinds-'));
    const inbox = join(dir, 'inbox');
    for (const d of ['novax', 'eg-winplc', 'cgm-xmo', 'register']) await mkdir(join(inbox, d), { recursive: true });
    await writeFile(join(inbox, 'register', 'klinikregister.csv'), [
      'SOR;Ydernummer;Kliniknavn;Speciale;Journalsystem;Tilmeldt;Underspeciale',
      '4100000000000011;410011;Klinik N;19;NOVAX;2023-01-01;',
      '4100000000000012;410012;Klinik W;19;EG WinPLC;2023-01-01;',
      '4100000000000013;410013;Klinik X;19;CGM XMO;2023-01-01;', ''].join('\n'));
    const novax = ['DiagnoseId;SORkode;Ydernr;PatientPseudo;Diagnosekode;Diagnoseart;Kontaktdato',
      'n1;4100000000000011;410011;PN0001X;DJ459;\tB;15-01-2026', 'n2;4100000000000011;410011;PN0002X;DJ459;A\t;15-01-2026',
      'n3;4100000000000011;410011;PN0003X;DJ459;H;15-01-2026'];
    await writeFile(join(inbox, 'novax', 'novax_diagnoser_202601.csv'), Buffer.from(`${novax.join('\r\n')}\r\n`, 'latin1'));
    const winplc = ['LbNr\tSOR\tYderNr\tPseudonym\tKode\tArt\tKontaktDato',
      'w1\t4100000000000012\t410012\tPW0001X\tDJ459\t\uff11\t15.01.2026', 'w2\t4100000000000012\t410012\tPW0002X\tDJ459\t\u0662\t15.01.2026',
      'w3\t4100000000000012\t410012\tPW0003X\tDJ459\t\uff10\uff11\t15.01.2026'];
    await writeFile(join(inbox, 'eg-winplc', 'DIAG_202601.tsv'), `${winplc.join('\n')}\n`);
    // bytes 0x96 and 0x97: the en and em dash of Windows-1252, in a file CGM XMO declares Latin-1
    const xmo = Buffer.concat([Buffer.from('RecId;SOR_Kode;Ydernummer;Pt_Pseudonym;ICD;DiagType;Dato\r\n', 'latin1'),
      Buffer.from('x1;4100000000000013;410013;PX0001X;DJ459;A', 'latin1'), Buffer.from([0x96]), Buffer.from('diag;15.01.2026\r\n', 'latin1'),
      Buffer.from('x2;4100000000000013;410013;PX0002X;DJ459;B', 'latin1'), Buffer.from([0x97]), Buffer.from('diag;15.01.2026\r\n', 'latin1')]);
    await writeFile(join(inbox, 'cgm-xmo', 'xmo_diag_202601.csv.gz'), gzipSync(xmo));
    const db = join(dir, 'db.duckdb');
    await run(process.execPath, ['jobs/fangst.js', 'nightly', '--inbox', inbox, '--db', db, '--outbox', join(dir, 'outbox'), '--reports', join(dir, 'reports')]);
    kinds = await withDatabase(db, async (_d, conn) => new Map(
      (await queryRows<{ record_id: string; kind: string | null }>(conn, 'select record_id, kind from core.diagnoser')).map((r) => [r.record_id, r.kind])));
  });

  it('reads a tab around the marker, full-width and Arabic-Indic digits, and a Windows dash', () => {
    expect(Object.fromEntries(kinds)).toEqual({ n1: 'B', n2: 'A', n3: null, w1: 'A', w2: 'B', w3: 'A', x1: 'A', x2: 'B' });
  });
});
