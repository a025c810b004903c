// A register row whose clinic name holds the delimiter unquoted ('Lægerne Jensen; Hansen', its last
// field empty) was read one column off and rejected as "not a valid enrolment date", with nothing
// on the terminal; its clinic's rows were quarantined as unregistered. It is rejected for what it
// is, and the terminal says a row of the register was rejected.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { runNightly } from '../../jobs/nightly.ts';
import { formatSummary } from '../../jobs/summary.ts';
import { REGISTER, workspace } from '../helpers/inbox.ts';

describe('a register row with an unquoted delimiter in a value', () => {
  it('is rejected naming its field count, the other rows are read, and the terminal says so', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', `${REGISTER}9100000000000011;910011;Lægerne Jensen; Hansen;19;NOVAX;2023-01-01;\n`, 'latin-1');
    const { summary } = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: pino({ level: 'silent' }) });
    const register = summary.files.find((f) => f.kind === 'register')!;
    expect({ read: register.read, published: register.published, rejected: register.rejected }).toEqual({ read: 4, published: 3, rejected: 1 });
    await withDatabase(ws.db, async (_d, conn) => {
      const rejects = await queryRows<{ source_line: bigint; reason: string }>(conn, `select source_line, reason from meta.rejects where source_file like 'register/%'`);
      expect(rejects).toEqual([{ source_line: 5n, reason: expect.stringContaining('the record has 8 fields where the header has 7, the last of them empty') }]);
      const clinics = await queryRows<{ n: bigint }>(conn, `select count(*) as n from ref.clinics`);
      expect(clinics[0]!.n).toBe(3n);
    });
    expect(formatSummary(summary)).toContain('clinic register: 3 clinics from register/klinikregister.csv; 1 row of it rejected');
  });

  it('a register whose every row ends with one delimiter more than its header is read as it is, with a warning', async () => {
    const ws = await workspace();
    const rows = REGISTER.trimEnd().split('\n');
    await ws.put('register/klinikregister.csv', `${rows[0]}\n${rows.slice(1).map((r) => `${r};`).join('\n')}\n`, 'latin-1');
    const { summary } = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: pino({ level: 'silent' }) });
    const register = summary.files.find((f) => f.kind === 'register')!;
    expect({ published: register.published, rejected: register.rejected }).toEqual({ published: 3, rejected: 0 });
    await withDatabase(ws.db, async (_d, conn) => {
      const ledger = await queryRows<{ detail: string }>(conn, `select detail from meta.file_sightings where file_name like 'register/%'`);
      expect(ledger[0]!.detail).toContain('3 of 3 records have more fields than the header');
    });
  });
});
