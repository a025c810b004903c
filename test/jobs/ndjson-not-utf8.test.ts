// An NDJSON file its layout declares UTF-8 with a line a clinic's PC wrote in Latin-1
// ('Blødning' as one byte for ø) is read as a CSV file in that case is: line by line, each line as
// what it is, and every note is published with its letters; not rejected whole as a "CSV Error".
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { runNightly } from '../../jobs/nightly.ts';
import { REGISTER, workspace } from '../helpers/inbox.ts';

const SOR = '91001000016005';
const note = (id: string, text: string) => JSON.stringify({ recordId: id, sorCode: SOR, patientPseudonym: `PN${id}`, time: '2024-12-02T09:00:00', noteType: 'Konsultation', text });

describe('an NDJSON file declared UTF-8 with a Latin-1 line', () => {
  for (const mixed of [true, false]) {
    it(mixed ? 'beside UTF-8 lines with æøå: each line is read as what it is' : 'and no other letter beyond ASCII: read as Windows-1252', async () => {
      const ws = await workspace();
      await ws.put('register/klinikregister.csv', `${REGISTER}${SOR};034567;Lægehuset;1;MultiMed Web;2024-11-25;\n`);
      const lines = [note('n1', mixed ? 'Øjet er rødt.' : 'Kontrol.'), note('n2', 'Blødning i øjet.'), note('n3', 'Kontrol.')];
      const bytes = Buffer.concat(lines.map((l, i) => Buffer.concat([Buffer.from(l, i === 1 ? 'latin1' : 'utf8'), Buffer.from('\n')])));
      await ws.put('multimed/202412.notes.ndjson', bytes);
      const { summary } = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: pino({ level: 'silent' }) });
      const file = summary.files.find((f) => f.file === 'multimed/202412.notes.ndjson')!;
      expect(file).toMatchObject({ error: null, read: 3, published: 3 });
      await withDatabase(ws.db, async (_d, conn) => {
        const texts = await queryRows<{ text: string }>(conn, 'select text from core.notater order by record_key');
        expect(texts.map((t) => t.text)).toEqual([mixed ? 'Øjet er rødt.' : 'Kontrol.', 'Blødning i øjet.', 'Kontrol.']);
      });
    });
  }
});
