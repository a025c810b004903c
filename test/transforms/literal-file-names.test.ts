import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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

// A name written on Windows or unpacked from an old zip holds bytes of another encoding (0x96, a
// Windows en dash; 0xA0, a no-break space): not UTF-8, so no string path opens it.
describe('inbox files whose names are not UTF-8', () => {
  it('are not read, named with the CPR number in them masked, and the night goes on', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('novax/2025-02_diagnoser_a.csv', [HEADER, ...rows('a', 4)].join('\n') + '\n');
    const content = [HEADER, ...rows('w', 3)].join('\n') + '\n';
    for (const name of [[0x30, 0x31, 0x30, 0x31, 0x39, 0x30, 0x96, 0x31, 0x32, 0x33, 0x34], [0x30, 0x31, 0x30, 0x31, 0x39, 0x30, 0xa0, 0x31, 0x32, 0x33, 0x34], [0x64, 0x96, 0x78]]) {
      await writeFile(Buffer.concat([Buffer.from(join(ws.inbox, 'novax') + '/'), Buffer.from(name), Buffer.from('_diagnoser_202602.csv')]), content);
    }
    const { summary } = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
    expect(summary.totals).toMatchObject({ read: 4, published: 4 });
    const skipped = summary.skipped.filter((f) => f.outcome === 'unrecognised');
    expect(skipped.map((f) => f.file).sort()).toEqual(['novax/[CPR]_diagnoser_202602.csv', 'novax/[CPR]_diagnoser_202602.csv', 'novax/d\u0096x_diagnoser_202602.csv']);
    for (const f of skipped) expect(f.detail).toMatch(/^the file name is not UTF-8 .*: not read; rename the file/);
  });
});
