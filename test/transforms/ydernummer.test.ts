import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { runNightly } from '../../jobs/nightly.ts';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { REGISTER, workspace } from '../helpers/inbox.ts';

const silent = pino({ level: 'silent' });
const HEADER = 'DiagnoseId;SORkode;Ydernr;PatientPseudo;Diagnosekode;Diagnoseart;Kontaktdato';

// A ydernummer is up to 6 digits, padded to 6. lpad would cut a longer one to 6, and '0123456'
// would become 012345: another clinic of the register (Hudklinikken).
describe('ydernumre', () => {
  it('up to 6 digits are padded; longer or not digits are rejected with the value, never cut to another clinic', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('novax/2025-01_diagnoser_1.csv', [
      HEADER,
      'y1;;4391;P1;DH353;A;03-01-2025', // line 2: padded to 004391
      'y2;;0123456;P2;DH353;A;03-01-2025', // line 3: 7 digits
      'y3;;12345678;P3;DH353;A;03-01-2025', // line 4: 8 digits
      'y4;;A4391;P4;DH353;A;03-01-2025', // line 5: not digits
      'y5;; 12345 ;P5;DH353;A;03-01-2025', // line 6: padded to 012345
    ].join('\n') + '\n');
    const { summary } = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    expect(summary.totals).toMatchObject({ read: 5, published: 2, rejected: 3 });
    await withDatabase(ws.db, async (_db, conn) => {
      const published = await queryRows<{ record_key: string; ydernummer: string }>(conn,
        'select record_key, ydernummer from core.diagnoser order by record_key');
      expect(published.map((r) => [r.record_key, r.ydernummer])).toEqual([['NOVAX:y1', '004391'], ['NOVAX:y5', '012345']]);
      const rejects = await queryRows<{ source_line: number; column_name: string; reason: string; raw_value: string }>(conn,
        'select source_line, column_name, reason, raw_value from meta.rejects order by source_line');
      expect(rejects.map((r) => [Number(r.source_line), r.column_name, r.reason, r.raw_value])).toEqual([
        [3, 'ydernummer', 'not a ydernummer: expected up to 6 digits', '0123456'],
        [4, 'ydernummer', 'not a ydernummer: expected up to 6 digits', '12345678'],
        [5, 'ydernummer', 'not a ydernummer: expected up to 6 digits', 'A4391'],
      ]);
    });
  });
});
