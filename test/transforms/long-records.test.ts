import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { runNightly } from '../../jobs/nightly.ts';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { REGISTER, workspace } from '../helpers/inbox.ts';

const silent = pino({ level: 'silent' });
const HEADER = 'EpikriseId;SORkode;Ydernr;PatientPseudo;Dato;Overskrift;Tekst';

// A dictated letter pasted whole, or a scanned attachment inlined as text, makes one record of tens
// of megabytes. A record over 2 MB is rejected with its line, never lost, and the lines after it
// keep their numbers.
describe('a record of tens of megabytes', () => {
  for (const mb of [3, 40]) {
    it(`(${mb} MB) is rejected with its line, and the next line keeps its number`, async () => {
      const ws = await workspace();
      await ws.put('register/klinikregister.csv', REGISTER);
      const long = 'Lang tekst. '.repeat(Math.ceil((mb * 1024 * 1024) / 12));
      await ws.put('novax/2025-01_epikriser_1.csv', [
        HEADER,
        'e1;61741000016007;;P1;01-01-2025;Epikrise;kort',
        `e2;61741000016007;;P2;02-01-2025;Epikrise;${long}`,
        'e3;61741000016007;;P3;03-01-2025;Epikrise;kort',
        'e4;61741000016007;;P4;31-02-2025;Epikrise;ugyldig dato',
      ].join('\n') + '\n');
      const { summary } = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
      const f = summary.files.find((x) => x.kind === 'epikriser')!;
      expect(f.read).toBe(4);
      expect(f).toMatchObject({ read: 4, published: 2, quarantined: 0, rejected: 2, error: null });
      await withDatabase(ws.db, async (_db, conn) => {
        const published = await queryRows<{ record_key: string; source_line: number }>(conn,
          `select record_key, source_line from core.epikriser order by source_line`);
        const rejects = await queryRows<{ source_line: number; reason: string }>(conn,
          `select source_line, reason from meta.rejects order by source_line`);
        const lines = [...published.map((r) => Number(r.source_line)), ...rejects.map((r) => Number(r.source_line))];
        // e1 on line 2, e2 on line 3 (published or rejected), e3 on line 4, the bad date on line 5
        expect(Number(published.find((r) => r.record_key.endsWith('e3'))?.source_line)).toBe(4);
        expect(Number(rejects.find((r) => /date|dato/i.test(r.reason))?.source_line)).toBe(5);
        expect(lines).toContain(3);
        expect(rejects.find((r) => Number(r.source_line) === 3)?.reason).toMatch(/^line size over maximum/);
        expect(published.map((r) => Number(r.source_line))).toEqual([2, 4]);
      });
    });
  }
});

// DuckDB keeps a record over its line limit for the reject cut at 2,000,000 bytes; in a UTF-8 file
// a cut inside a character fails its whole read. Which records end up cut there depends on where
// the limit falls: each offset below moves it by one byte of 'ø' (two bytes in UTF-8).
describe('a UTF-8 record over 2 MB of two-byte characters', () => {
  it('is rejected on its own line wherever the limit cuts it, and the records around it load', async () => {
    for (const offset of [1, 2]) {
      const ws = await workspace();
      await ws.put('register/klinikregister.csv', REGISTER);
      const body = `${'x'.repeat(offset)}${'ø'.repeat(1_000_000)}`;
      await ws.put('eg-clinea/2025-01-letters-1.csv', [
        'id,sor,provider_number,patient_ref,letter_date,subject,body',
        'c1,61741000016007,,P1,2025-01-03,Epikrise,kort',
        `c2,61741000016007,,P2,2025-01-04,Epikrise,"${body}"`,
        'c3,61741000016007,,P3,2025-01-05,Epikrise,"Brev\nover to linjer"',
        'c4,61741000016007,,P4,2025-02-30,Epikrise,ugyldig dato',
      ].join('\n') + '\n');
      const { summary } = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent });
      const f = summary.files.find((x) => x.file === 'eg-clinea/2025-01-letters-1.csv')!;
      expect(f, `offset ${offset}`).toMatchObject({ read: 4, published: 2, rejected: 2, error: null });
      await withDatabase(ws.db, async (_db, conn) => {
        const rejects = await queryRows<{ source_line: number; reason: string }>(conn, `select source_line, reason from meta.rejects order by source_line`);
        // c4 starts on line 6: c3's letter holds a line break
        expect(rejects.map((r) => Number(r.source_line))).toEqual([3, 6]);
        expect(rejects[0]!.reason).toMatch(/^line size over maximum/);
        const published = await queryRows<{ record_key: string; source_line: number }>(conn, `select record_key, source_line from core.epikriser order by source_line`);
        expect(published.map((r) => [r.record_key.split(':')[1], Number(r.source_line)])).toEqual([['c1', 2], ['c3', 4]]);
      });
    }
  });
});

describe('scanFile', () => {
  it('names the first line longer than the limit, counting lines from 1, across read chunks', async () => {
    const { scanFile } = await import('../../transforms/ingest/scan-file.ts');
    const ws = await workspace();
    const path = await ws.put('x.csv.gz', ['a', 'bb', 'x'.repeat(3 * 1024 * 1024), 'c'].join('\n'));
    expect((await scanFile(path, { maxLineBytes: 3 * 1024 * 1024 - 1 })).longLine).toEqual({ line: 3, bytes: 3 * 1024 * 1024 });
    expect((await scanFile(path, { maxLineBytes: 3 * 1024 * 1024 })).longLine).toBeNull();
    expect((await scanFile(path)).longLine).toBeNull();
  });

  it('calls a .gz of no bytes empty, not a truncated gzip (ot14)', async () => {
    const { scanFile } = await import('../../transforms/ingest/scan-file.ts');
    const ws = await workspace();
    const path = join(ws.root, 'empty.csv.gz');
    await writeFile(path, Buffer.alloc(0));
    expect((await scanFile(path)).problem).toBe('empty file (0 bytes): not even a gzip header');
  });
});
