// A letter or a note is its text: a file whose text column is missing (a vendor renamed it) is
// rejected whole, naming the column, instead of publishing every letter empty; the other files
// of the night are loaded.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runNightly } from '../../jobs/nightly.ts';
import { REGISTER, workspace } from '../helpers/inbox.ts';

const SOR = '61741000016007';

describe('a file of letters without its text column', () => {
  it('is rejected whole with the column named, and the night goes on', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('novax/a_epikriser_202412.csv', ['EpikriseId;SORkode;Ydernr;PatientPseudo;Dato;Overskrift;Brevtekst',
      `e1;${SOR};;PE1;02-12-2024;Epikrise;Kontrol, intet nyt.`, ''].join('\n'), 'latin-1');
    await ws.put('novax/b_epikriser_202412.csv', ['EpikriseId;SORkode;Ydernr;PatientPseudo;Dato;Overskrift;Tekst',
      `e2;${SOR};;PE2;02-12-2024;Epikrise;Kontrol, intet nyt.`, ''].join('\n'), 'latin-1');
    const { summary } = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: pino({ level: 'silent' }) });
    const byFile = new Map(summary.files.map((f) => [f.file, f]));
    expect(byFile.get('novax/a_epikriser_202412.csv')?.error).toMatch(/^required column missing: Tekst \(text\)/);
    expect(byFile.get('novax/b_epikriser_202412.csv')).toMatchObject({ error: null, read: 1, published: 1 });
  });
});
