// A clinic delivers from its enrolment in the capture service on: a contact or a letter dated
// before it is held back, and so are a note and a lab result (one dated 1899 as much as one a
// day early). The day counts where the note was written: 00:30 in Copenhagen on the enrolment day is 22:30 UTC the
// day before, and is not early.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { runNightly } from '../../jobs/nightly.ts';
import { REGISTER, workspace } from '../helpers/inbox.ts';

const SOR = '61741000016007'; // NOVAX, enrolled 2024-11-25 (REGISTER)
const MULTIMED_SOR = '91001000016005';
const LAB_HEADER = 'SvarId;SORkode;Ydernr;PatientPseudo;Analysekode;Kodetype;Analysenavn;Resultat;Operator;Enhed;RefNedre;RefOevre;RefTekst;Markering;Status;Proevetid;Svartid';
const lab = (id: string, sampled: string, resulted: string) => `${id};${SOR};;PL${id};NPU02319;NPU;B-Hb;8,4;;mmol/L;7,3;10,5;;;svar_endeligt;${sampled};${resulted}`;
const note = (id: string, time: string) => JSON.stringify({ recordId: id, sorCode: MULTIMED_SOR, patientPseudonym: `PN${id}`, time, noteType: 'Konsultation', text: 'Kontrol.' });

describe('rows dated before the clinic\'s enrolment', () => {
  it('hold back a note and a lab result as they hold back a contact, by the local day', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', `${REGISTER}${MULTIMED_SOR};034567;Lægehuset;1;MultiMed Web;2024-11-25;\n`);
    await ws.put('novax/novax_labsvar_202411.csv', [LAB_HEADER,
      lab('1', '03-05-1899 10:00', '03-05-1899 11:00'),
      lab('2', '24-11-2024 10:00', '24-11-2024 11:00'),
      lab('3', '25-11-2024 00:30', '25-11-2024 08:00'), // the enrolment day in Copenhagen
      lab('4', '26-11-2024 10:00', '26-11-2024 11:00'),
    ].join('\n') + '\n', 'latin-1');
    await ws.put('multimed/202411.notes.ndjson', [
      note('n1', '1899-05-03T10:00:00'), note('n2', '2024-11-25T00:30:00'), note('n3', '2024-11-26T09:00:00'),
    ].join('\n') + '\n');
    const { summary } = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: pino({ level: 'silent' }) });
    expect(summary.files.filter((f) => f.error !== null)).toEqual([]);
    await withDatabase(ws.db, async (_d, conn) => {
      const held = await queryRows<{ record_key: string; check_ids: string[] }>(conn,
        `select record_key, list_filter(check_ids, c -> c like '%before_enrolment') as check_ids from core.quarantine order by record_key`);
      expect(held.filter((h) => h.check_ids.length > 0)).toEqual([
        { record_key: 'MultiMed Web:n1', check_ids: ['notater.note_time_before_enrolment'] },
        { record_key: 'NOVAX:1', check_ids: ['lab.sampled_before_enrolment'] },
        { record_key: 'NOVAX:2', check_ids: ['lab.sampled_before_enrolment'] },
      ]);
      const published = await queryRows<{ k: string }>(conn,
        `select record_key as k from core.notater union all select record_key from core.laboratoriesvar order by 1`);
      expect(published.map((p) => p.k)).toEqual(['MultiMed Web:n2', 'MultiMed Web:n3', 'NOVAX:3', 'NOVAX:4']);
    });
  });
});
