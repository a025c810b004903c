// A quarantined record lists each check it failed once: a CPR number in a diagnosis code is in the
// code and in the code as delivered (two columns, one check), and an operator reading
// quarantine.parquet sees that check and its reason once, with the columns it is in.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { runNightly } from '../../jobs/nightly.ts';
import { REGISTER, workspace } from '../helpers/inbox.ts';

const HEADER = 'DiagnoseId;SORkode;Ydernr;PatientPseudo;Diagnosekode;Diagnoseart;Kontaktdato';

describe('a record that fails one check in two columns', () => {
  it('is quarantined with that check and its reason once, naming both columns', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('novax/2025-01_diagnoser_1.csv', [HEADER, 'd1;61741000016007;;PD1;1503851037;A;03-01-2025', 'd2;61741000016007;;PD2;DH353;A;03-01-2025', ''].join('\n'), 'latin-1');
    const { summary } = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: pino({ level: 'silent' }) });
    await withDatabase(':memory:', async (_d, conn) => {
      const rows = await queryRows<{ check_ids: string[]; reasons: string[]; column_names: Array<string | null> }>(conn,
        `select check_ids, reasons, column_names from read_parquet('${ws.outbox}/${summary.batchId}/quarantine.parquet') where record_key = 'NOVAX:d1'`);
      expect(rows).toHaveLength(1);
      const privacy = rows[0]!.check_ids.filter((c) => c === 'privacy.cpr_diagnoser');
      expect(privacy).toHaveLength(1);
      expect(rows[0]!.reasons.length).toBe(rows[0]!.check_ids.length);
      expect(new Set(rows[0]!.check_ids.map((c, i) => `${c}\u0000${rows[0]!.reasons[i]}`)).size).toBe(rows[0]!.check_ids.length);
      // each finding names its field (ot14 LOW 10): both columns for the privacy check, none for
      // the aggregate check that held the kind back; never the number itself
      const findings = rows[0]!.check_ids.map((c, i) => [c, rows[0]!.column_names[i]]);
      expect(findings).toEqual(expect.arrayContaining([['privacy.cpr_diagnoser', 'code, code_raw'], ['diagnoser.sks_format', 'code'], ['diagnoser.sks_format_systemic', null]]));
      expect(rows[0]!.column_names).toHaveLength(rows[0]!.check_ids.length);
      expect(JSON.stringify(rows[0]!.column_names)).not.toContain('1503851037');
    });
  });
});
