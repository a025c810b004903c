// Copenhagen went back from 03:00 summer time to 02:00 on 27 October 2024: 02:00-03:00 came
// twice, and a clinic's clock shows a result at 02:10 after a sample at 02:30. The nightly job
// reads such a time as its first instant, as every reader does; a result is out of order only
// when no reading of its times puts it after its sample (lab-quality judges the same way:
// test/quality/lab-quality-foreign.test.ts).
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { runNightly } from '../../jobs/nightly.ts';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { REGISTER, workspace, type Workspace } from '../helpers/inbox.ts';

const LH = 'SvarId;SORkode;Ydernr;PatientPseudo;Analysekode;Kodetype;Analysenavn;Resultat;Operator;Enhed;RefNedre;RefOevre;RefTekst;Markering;Status;Proevetid;Svartid';
const SOR = '61741000016007';
const row = (id: string, sampled: string, resulted: string) => `${id};${SOR};;PW00000${id};NPU02319;NPU;B-Hæmoglobin;8,4;;mmol/L;7,3;10,5;;;svar_endeligt;${sampled};${resulted}`;

let ws: Workspace;
beforeAll(async () => {
  ws = await workspace();
  await ws.put('register/klinikregister.csv', REGISTER);
  await ws.put('novax/2024-10_labsvar_dst.csv', Buffer.from(`${LH}\n${[
    row('1', '27-10-2024 02:30', '27-10-2024 02:10'), // the second 02:10: in order
    row('2', '27-10-2024 02:59', '27-10-2024 02:00'), // the second 02:00: in order
    row('3', '27-10-2024 01:50', '27-10-2024 01:30'), // before the changed hour: out of order
    row('4', '20-10-2024 02:30', '20-10-2024 02:10'), // an ordinary night: out of order
  ].join('\n')}\n`, 'latin1'));
  await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: pino({ level: 'silent' }) });
});

describe('the nightly job in the hour the clocks go back', () => {
  it('calls a result out of order only when no reading of its times puts it after its sample', async () => {
    const found = await withDatabase(ws.db, (_db, conn) => queryRows<{ record_key: string }>(conn,
      `select record_key from quality.row_findings where check_id = 'lab.time_order' order by record_key`));
    expect(found.map((f) => f.record_key)).toEqual(['NOVAX:3', 'NOVAX:4']);
  });
});
