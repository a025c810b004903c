// A laboratory system's export may say in words that an analysis was cancelled: "Annulleret" in
// place of the value, "Annulleret svar" or "Aflyst" as the status. The nightly job held such a
// record back as "neither a number, a censored value, a known qualitative answer nor a
// placeholder" (for an empty value too), which sends an operator asking the clinic to correct a
// value it never had. It is held back as a cancelled analysis; a value no one can read still is
// unparseable, and a result with a value is published, whatever its status says.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { runNightly } from '../../jobs/nightly.ts';
import { REGISTER, workspace } from '../helpers/inbox.ts';

const SOR = '61741000016007'; // NOVAX, enrolled 2024-11-25 (REGISTER)
const LAB_HEADER = 'SvarId;SORkode;Ydernr;PatientPseudo;Analysekode;Kodetype;Analysenavn;Resultat;Operator;Enhed;RefNedre;RefOevre;RefTekst;Markering;Status;Proevetid;Svartid';
const lab = (id: string, value: string, status: string) =>
  `${id};${SOR};;PL${id};NPU02319;NPU;B-Hæmoglobin;${value};;mmol/L;7,3;10,5;;;${status};02-12-2024 10:00;02-12-2024 11:00`;

describe('a cancelled lab result in the nightly job', () => {
  it('is held back as cancelled, in any of its spellings, not as an unreadable value', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('novax/novax_labsvar_202412.csv', [LAB_HEADER,
      lab('1', '8,4', 'svar_endeligt'),
      lab('2', 'Annulleret', 'svar_endeligt'),
      lab('3', '', 'Annulleret svar'),
      lab('4', '', 'AFLYST.'),
      lab('5', 'annulleret\u00a0', 'svar_endeligt'),
      lab('6', 'ikke målt?', 'svar_endeligt'),
      lab('7', '8,2', 'Annulleret svar'),
    ].join('\n') + '\n', 'latin-1');
    const { summary } = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: pino({ level: 'silent' }) });
    expect(summary.files.filter((f) => f.error !== null)).toEqual([]);
    await withDatabase(ws.db, async (_d, conn) => {
      const held = await queryRows<{ record_key: string; check_ids: string[]; reasons: string[] }>(conn,
        `select record_key, check_ids, reasons from core.quarantine order by record_key`);
      expect(held.map((h) => [h.record_key, h.check_ids])).toEqual([
        ['NOVAX:2', ['lab.result_cancelled']],
        ['NOVAX:3', ['lab.result_cancelled']],
        ['NOVAX:4', ['lab.result_cancelled']],
        ['NOVAX:5', ['lab.result_cancelled']],
        ['NOVAX:6', ['lab.value_unparseable']],
      ]);
      expect(held[0]!.reasons).toEqual(['the analysis was cancelled (not performed or not completed): there is no result to publish']);
      const published = await queryRows<{ k: string }>(conn, 'select record_key as k from core.laboratoriesvar order by 1');
      expect(published.map((p) => p.k)).toEqual(['NOVAX:1', 'NOVAX:7']);
    });
  });
});
