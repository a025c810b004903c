import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { runNightly } from '../../jobs/nightly.ts';
import { REGISTER, workspace } from '../helpers/inbox.ts';

const silent = pino({ level: 'silent' });
const HEADER = 'DiagnoseId;SORkode;Ydernr;PatientPseudo;Diagnosekode;Diagnoseart;Kontaktdato';

describe('a file that repeats one record hundreds of thousands of times', () => {
  // Every copy after the first is an error finding (a duplicate); the quarantine gathers each
  // copy's findings. With the memory limit a small fraction of the file's findings, the night
  // must still finish: the copies quarantined, the neighbour's rows published.
  it('quarantines every copy within a memory limit smaller than their findings, and publishes its neighbour', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    const copies = 300_000;
    await ws.put('novax/2025-05_diagnoser_1.csv', HEADER + '\n' + 'n1;61741000016007;;P1;DH353;A;25-05-2025\n'.repeat(copies));
    await ws.put('novax/2025-05_diagnoser_2.csv', [HEADER, 'n2;61741000016007;;P2;DH259;B;26-05-2025', 'n3;61741000016007;;P3;DH400;A;27-05-2025'].join('\n') + '\n');
    const job = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent, memoryLimit: '200MB' });
    expect(job.summary.totals).toEqual({ read: copies + 2, published: 3, quarantined: copies - 1, rejected: 0 });
    await withDatabase(ws.db, async (_db, conn) => {
      const [q] = await queryRows<{ n: bigint; lines: bigint }>(conn,
        `select count(*) as n, count(distinct source_line) as lines from core.quarantine where list_contains(check_ids, 'pipeline.duplicate')`);
      expect(Number(q!.n)).toBe(copies - 1);
      expect(Number(q!.lines)).toBe(copies - 1);
    });
  });
});
