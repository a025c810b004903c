// The quality engine inside the real nightly job, over a sequence of nights: checks
// quarantine rows, the history grows by one run a night, and a clinic that falls
// silent raises an alert.
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { runNightly } from '../../jobs/nightly.ts';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { REGISTER, workspace } from '../helpers/inbox.ts';

const silent = pino({ level: 'silent' });
const HEADER = 'DiagnoseId;SORkode;Ydernr;PatientPseudo;Diagnosekode;Diagnoseart;Kontaktdato';
const EYE = '61741000016007';
const GUT = '81001000016009';

function day(i: number): Date {
  return new Date(Date.UTC(2026, 0, 5 + i));
}
const dk = (d: Date) => `${String(d.getUTCDate()).padStart(2, '0')}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${d.getUTCFullYear()}`;
const iso = (d: Date) => d.toISOString().slice(0, 10);

describe('quality over a sequence of nightly runs', () => {
  it('quarantines with reasons, keeps the history and alerts when a clinic falls silent', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    // The first run is a backfill of ten days of files; then one run a night.
    const nights = 13;
    const backfill = 10;
    const results = [];
    for (let i = 0; i < nights; i++) {
      const d = day(i);
      const lines = [HEADER];
      for (let k = 0; k < 10; k++) lines.push(`e${i}-${k};${EYE};;P${i}E${k}xx;DH353;A;${dk(d)}`);
      // The gut clinic delivers every day, then nothing for the last three nights.
      if (i < nights - 3) for (let k = 0; k < 8; k++) lines.push(`g${i}-${k};${GUT};;P${i}G${k}xx;DK509;B;${dk(d)}`);
      if (i === nights - 1) {
        lines.push(`cpr${i};${EYE};;010190-1234;DH353;A;${dk(d)}`); // a CPR number instead of the pseudonym
        lines.push(`bad${i};${EYE};;P${i}Bxx;XH353;A;${dk(d)}`); // not an SKS code
        lines.push(`yder${i};;4391;P${i}Yxx;DH353;A;${dk(d)}`); // only a ydernummer: published, with a warning
      }
      await ws.put(`novax/${iso(d)}_diagnoser_1.csv`, `${lines.join('\n')}\n`, 'latin-1');
      if (i < backfill - 1) continue;
      const now = new Date(day(i + 1).getTime() + 2 * 3600_000);
      results.push(await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent, now }));
    }
    const runs = nights - backfill + 1;
    expect(results.map((r) => r.exitCode)).toEqual(Array(runs).fill(0));
    const last = results[runs - 1]!.summary;
    expect(last.alerts.map((a) => a.message)).toEqual([
      `clinic ${GUT} (NOVAX) delivered no diagnoser from ${iso(day(nights - 3))} to ${iso(day(nights - 1))}; it usually delivers 8 a day`,
    ]);
    // One or two silent nights can be chance; the third is not.
    expect(results.slice(0, runs - 1).flatMap((r) => r.summary.alerts)).toEqual([]);

    await withDatabase(ws.db, async (_db, conn) => {
      const q = await queryRows<{ record_key: string; check_ids: string[]; reasons: string[] }>(
        conn,
        `select record_key, check_ids, reasons from core.quarantine order by record_key`,
      );
      expect(q.map((r) => [r.record_key, [...r.check_ids]])).toEqual([
        [`NOVAX:bad${nights - 1}`, ['diagnoser.sks_format']],
        [`NOVAX:cpr${nights - 1}`, ['privacy.cpr_diagnoser']],
      ]);
      expect(JSON.stringify(q)).not.toContain('010190');
      const published = await queryRows<{ n: number }>(conn, `select count(*)::integer as n from core.diagnoser where patient like '0101%'`);
      expect(published[0]!.n).toBe(0);
      const warned = await queryRows<{ record_key: string; severity: string; published: number }>(
        conn,
        `select f.record_key, f.severity, (select count(*)::integer from core.diagnoser d where d.record_key = f.record_key) as published
         from quality.row_findings f where f.check_id = 'diagnoser.sor_code_delivered'`,
      );
      expect(warned).toEqual([{ record_key: `NOVAX:yder${nights - 1}`, severity: 'warn', published: 1 }]);
      const history = await queryRows<{ runs: number; failing: number }>(
        conn,
        `select count(distinct run_id)::integer as runs, sum(numerator)::integer as failing
         from quality.check_results where check_id = 'diagnoser.sks_format' and scope_level = 'national'`,
      );
      expect(history[0]).toEqual({ runs, failing: 1 });
    });
  });
});
