import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { runNightly } from '../../jobs/nightly.ts';
import { REGISTER, workspace, type Workspace } from '../helpers/inbox.ts';

const silent = pino({ level: 'silent' });
const HEADER = 'DiagnoseId;SORkode;Ydernr;PatientPseudo;Diagnosekode;Diagnoseart;Kontaktdato';
const row = (id: string, day: string) => `${id};61741000016007;;P${id};DH353;A;${day}`;

/** A copy of config/ beside the workspace, with pipeline.yaml's max_file_size set. */
async function config(ws: Workspace, maxFileSize: string): Promise<string> {
  const dir = join(ws.root, 'config');
  await cp('config', dir, { recursive: true });
  const file = join(dir, 'pipeline.yaml');
  await writeFile(file, (await readFile(file, 'utf8')).replace(/^max_file_size: .*$/m, `max_file_size: ${maxFileSize}`));
  return file;
}

const night = (ws: Workspace, more: { config?: string; runBudget?: string } = {}) =>
  runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent, ...more });

// What a delivery weighs is what it holds, not what it stores: a small gzip can expand to
// gigabytes, and a header can be a whole file long.
describe('limits on what one delivery may hold', () => {
  it('a gzip that expands past max_file_size is rejected whole, with the limit, and the others load', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('novax/2025-01_diagnoser_ok.csv', `${HEADER}\n${row('a1', '03-01-2025')}\n`);
    const padding = `${row('b1', '03-01-2025')}\n`.repeat(60_000); // ~3 MB, a few KB compressed
    await ws.put('novax/2025-01_diagnoser_bomb.csv.gz', `${HEADER}\n${padding}`);
    await ws.put('novax/2025-01_diagnoser_big.csv', `${HEADER}\n${`${row('c1', '03-01-2025')}\n`.repeat(60_000)}`);
    const { summary } = await night(ws, { config: await config(ws, '2MB') });
    const bomb = summary.files.find((f) => f.file.endsWith('bomb.csv.gz'))!;
    // the limit as the configuration (and README: default 1GB) writes it, not converted to MiB
    expect(bomb.error).toBe('decompresses to more than 2MB (max_file_size)');
    expect(summary.files.find((f) => f.file.endsWith('big.csv'))!.error).toBe('larger than 2MB (max_file_size)');
    expect(bomb).toMatchObject({ published: 0, quarantined: 0, rejected: 0 });
    expect(summary.totals).toMatchObject({ read: 1, published: 1 });
  });

  it('a Windows-1252 file within max_file_size loads, though its UTF-8 copy is larger', async () => {
    // NOVAX declares Latin-1; a dash or euro sign typed in Windows is one byte there (0x96,
    // 0x80) and three in the UTF-8 copy fangst reads such a file from: the copy is ~2.5x the file.
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    const header = Buffer.from('EpikriseId;SORkode;Ydernr;PatientPseudo;Dato;Overskrift;Tekst\n');
    const line = (i: number) => Buffer.concat([Buffer.from(`e${i};61741000016007;;PW${String(i).padStart(6, '0')};03-01-2025;Kontrol;`),
      Buffer.alloc(400, 0x96), Buffer.from([0x80, 0x0a])]);
    const file = Buffer.concat([header, ...Array.from({ length: 3_000 }, (_, i) => line(i + 1))]);
    expect(file.length).toBeLessThan(2 * 1024 * 1024);
    await ws.put('novax/2025-01_epikriser_dashes.csv', file);
    const { summary } = await night(ws, { config: await config(ws, '2MB') });
    const dashes = summary.files.find((f) => f.file.endsWith('dashes.csv'))!;
    expect(dashes.error ?? null).toBeNull();
    expect(dashes.read).toBe(3_000);
    expect(dashes.published + dashes.quarantined).toBe(3_000);
  });

  it('a file of nothing but NUL bytes fails, it is not "loaded, no records"', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('novax/2025-01_diagnoser_zeros.csv.gz', Buffer.alloc(4 * 1024 * 1024));
    const { summary } = await night(ws);
    const zeros = summary.files.find((f) => f.file.endsWith('zeros.csv.gz'))!;
    expect(zeros.error).toMatch(/^the file holds nothing but NUL bytes/);
  });

  it('a header line of millions of columns is rejected for its length, not as duplicated names', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('novax/2025-01_diagnoser_wide.csv', `${HEADER}${';x'.repeat(3_000_000)}\n${row('w1', '03-01-2025')}\n`);
    const { summary } = await night(ws);
    const wide = summary.files.find((f) => f.file.endsWith('wide.csv'))!;
    expect(wide.error).toBe('the first line is longer than 1 MB: not a header of this layout');
  });

  it('the run budget counts what gzip files hold, so a backfill of small gzips still loads as several runs', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    const month = (m: string) => `${HEADER}\n${Array.from({ length: 20_000 }, (_, i) => row(`m${m}-${i}`, `0${(i % 9) + 1}-${m}-2025`)).join('\n')}\n`;
    await ws.put('novax/2025-01_diagnoser_1.csv.gz', month('01')); // ~1 MB each, tens of KB compressed
    await ws.put('novax/2025-02_diagnoser_1.csv.gz', month('02'));
    const job = await night(ws, { runBudget: '1.5MB' });
    expect(job.runs).toHaveLength(2);
    expect(job.summary.totals).toMatchObject({ read: 40_000, published: 40_000 });
  });
});
