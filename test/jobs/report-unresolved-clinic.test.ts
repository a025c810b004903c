// A check's result per clinic has a group for the rows that name no clinic the register knows
// (their SOR code unresolved). The quality report lists the most affected clinics: that group is
// no clinic, and a report that tripped over it failed the run after its commit and every night
// after it, each trying to publish the batch again.
import { existsSync } from 'node:fs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runNightly } from '../../jobs/nightly.ts';
import { REGISTER, workspace } from '../helpers/inbox.ts';
import { fangst } from '../helpers/snapshot.ts';

const silent = pino({ level: 'silent' });
const HEADER = 'DiagnoseId;SORkode;Ydernr;PatientPseudo;Diagnosekode;Diagnoseart;Kontaktdato';

describe('rows of an unknown clinic failing a check per clinic', () => {
  it('are no clinic in the quality report: the run publishes with its report, and the next night loads', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    // both without a diagnosis kind; the second from a SOR code the register does not know
    await ws.put('novax/2025-03_diagnoser_1.csv', [HEADER, 'n1;61741000016007;;P1;DJ459;;03-03-2025', 'n2;99999910000160;;P2;DJ459;;03-03-2025'].join('\n') + '\n');
    const first = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    expect(first.exitCode).toBe(0);
    expect(first.summary.report).not.toBeNull();
    expect(existsSync(first.summary.report!)).toBe(true);
    await ws.put('novax/2025-03_diagnoser_2.csv', [HEADER, 'n3;61741000016007;;P3;DJ459;A;04-03-2025'].join('\n') + '\n');
    const second = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    expect(second.summary.totals).toMatchObject({ read: 1, published: 1 });
    const report = await fangst(['checks', 'report', '--db', ws.db, '--run', first.summary.runId, '--out', `${ws.root}/again`], { FANGST_LOG_LEVEL: 'silent' });
    expect(report.code, report.stderr).toBe(0);
  });
});
