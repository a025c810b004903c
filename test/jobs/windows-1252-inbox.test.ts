import { readFile } from 'node:fs/promises';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { runNightly, type NightlyResult } from '../../jobs/nightly.ts';
import { queryRows, sqlString, withDatabase } from '../../transforms/db/connection.ts';
import { everyFile } from '../helpers/every-file.ts';
import { REGISTER, workspace, type Workspace } from '../helpers/inbox.ts';

// NOVAX declares Latin-1. A clinic's Windows program saves its text as Windows-1252, which puts
// dashes, curly quotes and the euro sign on bytes 0x80-0x9F that Latin-1 does not define: such a
// file used to be rejected whole for one dash.
const EH = 'EpikriseId;SORkode;Ydernr;PatientPseudo;Dato;Overskrift;Tekst';
const SOR = '61741000016007';
const WINDOWS: Record<string, number> = { '€': 0x80, '“': 0x93, '”': 0x94, '–': 0x96, '—': 0x97 };
/** Text as a Windows program writes it: Windows-1252 bytes. */
const cp1252 = (text: string) => Buffer.from(Array.from(text, (ch) => WINDOWS[ch] ?? ch.charCodeAt(0)));

const PLAIN = 'e1.csv';
const FIRST = 'Næste kontrol om 3–6 mdr. Egenbetaling 120 € “efter aftale”';
const ZIPPED = 'Kontrol — uændret';

let ws: Workspace;
let run: NightlyResult;
const warnings: Array<{ msg: string; file?: string }> = [];

beforeAll(async () => {
  ws = await workspace();
  await ws.put('register/klinikregister.csv', REGISTER);
  await ws.put(`novax/2025-01_epikriser_${PLAIN}`, cp1252(`${EH}\ne1;${SOR};;PW000001;03-01-2025;Kontrol;${FIRST}\n`
    + `e2;${SOR};;PW000002;03-01-2025;Epikrise;Pt. 150385–1037 set i dag\ne3;${SOR};;PW000003;03-01-2025;Epikrise;intet nyt\n`));
  // put() gzips a .gz file's content
  await ws.put('novax/2025-01_epikriser_e2.csv.gz', cp1252(`${EH}\ne4;${SOR};;PW000004;04-01-2025;Kontrol;${ZIPPED}\n`));
  const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line)) });
  run = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger });
});

describe('a Latin-1 delivery written as Windows-1252', () => {
  const file = (name: string) => run.summary.files.find((f) => f.file === name);

  it('is read, not rejected: every record published or quarantined, plain or gzip', () => {
    expect(file(`novax/2025-01_epikriser_${PLAIN}`)).toMatchObject({ read: 3, published: 2, quarantined: 1, rejected: 0 });
    expect(file(`novax/2025-01_epikriser_${PLAIN}`)!.error ?? null).toBeNull();
    expect(file('novax/2025-01_epikriser_e2.csv.gz')).toMatchObject({ read: 1, published: 1, quarantined: 0, rejected: 0 });
    const said = warnings.filter((w) => w.msg.startsWith('read as Windows-1252')).map((w) => w.file).sort();
    expect(said).toEqual(['novax/2025-01_epikriser_e1.csv', 'novax/2025-01_epikriser_e2.csv.gz']);
  });

  it('publishes the dash, quotes and euro sign as the characters the clinic typed, with their lines', async () => {
    const parquet = (await everyFile(ws.outbox)).filter((f) => f.endsWith('/epikriser.parquet'));
    expect(parquet).toHaveLength(1);
    const rows = await withDatabase(':memory:', async (_db, conn) => queryRows<{ record_id: string; text: string; source_line: number }>(conn,
      `select record_id, text, source_line::int as source_line from read_parquet(${sqlString(parquet[0]!)}) order by record_id`));
    expect(rows).toEqual([
      { record_id: 'e1', text: FIRST, source_line: 2 },
      { record_id: 'e3', text: 'intet nyt', source_line: 4 },
      { record_id: 'e4', text: ZIPPED, source_line: 2 },
    ]);
  });

  it('finds a CPR number written with a Windows dash, and it leaves the pipeline in no spelling', async () => {
    const held = await withDatabase(ws.db, async (_db, conn) => queryRows<{ source_line: number; reasons: string[] }>(conn,
      `select source_line::int as source_line, reasons from core.quarantine where source_file = 'novax/2025-01_epikriser_${PLAIN}'`));
    expect(held).toHaveLength(1);
    expect(held[0]!.source_line).toBe(3);
    expect(held[0]!.reasons.join(' ')).toContain('CPR');
    for (const f of [...(await everyFile(ws.outbox)), ...(await everyFile(ws.reports))]) {
      const bytes = await readFile(f);
      for (const spelling of ['1503851037', '150385–1037', '150385\u00961037']) expect(bytes.includes(Buffer.from(spelling)), `${f}: ${spelling}`).toBe(false);
      expect(bytes.includes(Buffer.from([0x96, 0x31, 0x30, 0x33, 0x37])), f).toBe(false);
    }
  });
});
