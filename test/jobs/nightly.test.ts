import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runNightly } from '../../jobs/nightly.ts';
import { withDatabase, queryRows } from '../../transforms/db/connection.ts';
import { REGISTER, workspace } from '../helpers/inbox.ts';
import pino from 'pino';

const silent = pino({ level: 'silent' });

const NOVAX_HEADER = 'DiagnoseId;SORkode;Ydernr;PatientPseudo;Diagnosekode;Diagnoseart;Kontaktdato';

async function novaxInbox() {
  const ws = await workspace();
  await ws.put('register/klinikregister.csv', REGISTER);
  await ws.put('novax/2025-01_diagnoser_1.csv', [
    NOVAX_HEADER,
    'n1;61741000016007;;P0000001;H35.3;A;03-01-2025',       // line 2: fine, ICD-10 spelling
    'n2;;4391;P0000002;dh353;B;04-01-2025',                  // line 3: only a ydernummer, unpadded
    'n3;61741000016007;;P0000003;DH259;;31-02-2025',         // line 4: impossible date -> rejected
    'n4;61741000016007;;P0000004;DH259;A;05-01-2025;extra', // line 5: too many columns -> rejected
    'n5;99999000016001;;P0000005;DH259;A;06-01-2025',        // line 6: unknown SOR -> quarantined
    'n6;81001000016009;;P0000006;DK509;A;07-01-2025',        // line 7: specialty 8 clinic -> 81
    'n1;61741000016007;;P0000001;H35.3;A;03-01-2025',        // line 8: exact duplicate of line 2
    'n7;61741000016007;;Pæøå0007;DH401;a;08-01-2025',        // line 9: Latin-1 text, lower-case kind
  ].join('\n') + '\n', 'latin-1');
  return ws;
}

describe('nightly', () => {
  it('loads a Latin-1 semicolon file: every row published, quarantined or rejected, with reasons', async () => {
    const ws = await novaxInbox();
    const { exitCode, summary } = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    expect(exitCode).toBe(0);
    const file = summary.files.find((f) => f.file === 'novax/2025-01_diagnoser_1.csv')!;
    expect(file).toMatchObject({ read: 8, published: 4, quarantined: 2, rejected: 2 });

    await withDatabase(ws.db, async (_db, conn) => {
      const rows = await queryRows<{ record_id: string; sor_code: string; code: string; kind: string | null; specialty: number; source_line: bigint; patient: string }>(
        conn, `select record_id, sor_code, code, kind, specialty, source_line, patient from core.diagnoser order by record_id`);
      expect(rows.map((r) => [r.record_id, r.code, r.kind, Number(r.source_line)])).toEqual([
        ['n1', 'DH353', 'A', 8], // the later of two identical copies is the one kept
        ['n2', 'DH353', 'B', 3],
        ['n6', 'DK509', 'A', 7],
        ['n7', 'DH401', 'A', 9],
      ]);
      expect(rows.find((r) => r.record_id === 'n2')!.sor_code).toBe('61741000016007');
      expect(rows.find((r) => r.record_id === 'n6')!.specialty).toBe(81);
      expect(rows.find((r) => r.record_id === 'n7')!.patient).toBe('Pæøå0007');

      const rejects = await queryRows<{ source_line: bigint; column_name: string | null; reason: string }>(
        conn, `select source_line, column_name, reason from meta.rejects order by source_line`);
      expect(rejects.map((r) => Number(r.source_line))).toEqual([4, 5]);
      expect(rejects[0]!.column_name).toBe('contact_date');
      expect(rejects[0]!.reason).toContain('%d-%m-%Y');
      expect(rejects[1]!.reason).toMatch(/too many columns/);

      const quarantine = await queryRows<{ source_line: bigint; check_ids: string[]; reasons: string[] }>(
        conn, `select source_line, check_ids, reasons from core.quarantine order by source_line`);
      expect(quarantine.map((q) => [Number(q.source_line), q.check_ids])).toEqual([
        [2, ['pipeline.duplicate']],
        [6, ['pipeline.clinic_unresolved']],
      ]);
      expect(quarantine[0]!.reasons[0]).toBe('exact duplicate of novax/2025-01_diagnoser_1.csv line 8');
      expect(quarantine[1]!.reasons[0]).toContain('99999000016001');
    });
  });
});

describe('the clinic register', () => {
  it('rejects register rows it cannot use, keeps the later of two rows for one SOR code, and re-codes specialty 8', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', [
      'SOR;Ydernummer;Kliniknavn;Speciale;Journalsystem;Tilmeldt;Underspeciale',
      '61741000016007;004391;Gammel;19;NOVAX;2024-11-25;',
      ';000001;Uden SOR;19;NOVAX;2024-11-25;',
      '71001000016002;012345;Hud;4;EG Clinea;25-11-2024;',
      '61741000016007;004391;Ny;19;NOVAX;2024-11-25;',
      '81001000016009;023456;Lunge;8;NOVAX;2024-12-01;83',
    ].join('\n') + '\n');
    const { summary } = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    expect(summary.files).toMatchObject([{ file: 'register/klinikregister.csv', read: 5, published: 2, rejected: 3 }]);
    await withDatabase(ws.db, async (_db, conn) => {
      const clinics = await queryRows<{ sor_code: string; name: string; specialty: number; registered_specialty: number }>(
        conn, `select sor_code, name, specialty, registered_specialty from ref.clinics order by sor_code`);
      expect(clinics).toEqual([
        { sor_code: '61741000016007', name: 'Ny', specialty: 19, registered_specialty: 19 },
        { sor_code: '81001000016009', name: 'Lunge', specialty: 83, registered_specialty: 8 },
      ]);
      const rejects = await queryRows<{ source_line: bigint; column_name: string; reason: string }>(
        conn, `select source_line, column_name, reason from meta.rejects order by source_line`);
      expect(rejects.map((r) => [Number(r.source_line), r.column_name])).toEqual([[2, 'sor_code'], [3, 'sor_code'], [4, 'enrolled_on']]);
      const retired = await queryRows<{ source_line: bigint; severity: string; reason: string }>(
        conn, `select source_line, severity, reason from quality.row_findings where check_id = 'pipeline.specialty_8'`);
      expect(retired.map((r) => [Number(r.source_line), r.severity, r.reason])).toEqual([
        [6, 'warn', 'registered under the retired specialty 8; re-coded to 83 from Underspeciale'],
      ]);
    });
  });
});
