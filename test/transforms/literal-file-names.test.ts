import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { runNightly } from '../../jobs/nightly.ts';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { REGISTER, workspace } from '../helpers/inbox.ts';

const silent = pino({ level: 'silent' });
const HEADER = 'DiagnoseId;SORkode;Ydernr;PatientPseudo;Diagnosekode;Diagnoseart;Kontaktdato';
const rows = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}${i};61741000016007;;P${prefix}${i};DH353;A;0${(i % 9) + 1}-01-2025`);

// DuckDB reads a path holding *, ? or [ as a glob pattern. A delivered file is read by its own
// name, whatever characters it holds: it must never pull in its neighbours.
describe('inbox files whose names hold glob characters', () => {
  for (const name of ['novax/2025-02_diagnoser_*.csv', 'novax/2025-02_diagnoser_?.csv', 'novax/2025-02_diagnoser_[a].csv']) {
    it(`reads ${name} as that one file`, async () => {
      const ws = await workspace();
      await ws.put('register/klinikregister.csv', REGISTER);
      await ws.put('novax/2025-02_diagnoser_a.csv', [HEADER, ...rows('a', 7)].join('\n') + '\n');
      await ws.put('novax/2025-02_diagnoser_b.csv', [HEADER, ...rows('b', 5)].join('\n') + '\n');
      await ws.put(name, [HEADER, ...rows('g', 3)].join('\n') + '\n');
      const { summary } = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
      const odd = summary.files.find((f) => f.file === name)!;
      expect(odd).toMatchObject({ read: 3, published: 3, quarantined: 0, rejected: 0, error: null });
      expect(summary.totals).toMatchObject({ read: 15, published: 15, quarantined: 0 });
      const published = await withDatabase(ws.db, async (_db, conn) =>
        queryRows<{ source_file: string; n: bigint }>(conn, `select source_file, count(*) n from core.diagnoser group by 1 order by 1`));
      expect(published.map((r) => [r.source_file, Number(r.n)])).toEqual(
        [[name, 3], ['novax/2025-02_diagnoser_a.csv', 7], ['novax/2025-02_diagnoser_b.csv', 5]].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
      );
    });
  }

  it('rejects a broken file named with a star as a whole, without reading its neighbours', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('novax/2025-02_diagnoser_a.csv', [HEADER, ...rows('a', 7)].join('\n') + '\n');
    await ws.put('novax/2025-02_diagnoser_b.csv', [HEADER, ...rows('b', 5)].join('\n') + '\n');
    const noDate = HEADER.replace(';Kontaktdato', '');
    await ws.put('novax/*_diagnoser_202602.csv.gz', [noDate, 'x1;61741000016007;;P1;DH353;A'].join('\n') + '\n');
    const { summary } = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    const odd = summary.files.find((f) => f.file === 'novax/*_diagnoser_202602.csv.gz')!;
    expect(odd.published).toBe(0);
    expect(odd.error).toMatch(/Kontaktdato/);
    expect(odd.error).not.toMatch(/fangst-links/);
    expect(summary.totals).toMatchObject({ published: 12, quarantined: 0 });
  });
});
