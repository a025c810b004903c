import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import type { DuckDBConnection } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { queryRows, sqlIdent, sqlString, withDatabase } from '../../transforms/db/connection.ts';
import { REPO } from '../helpers/snapshot.ts';
import { workspace, type Workspace } from '../helpers/inbox.ts';
import { CP1252_SPELLINGS, Planter, plantedIn, SPELLINGS, type Spelling } from '../helpers/planted-identifiers.ts';
import { everyFile } from '../helpers/every-file.ts';

// The "done when" of issue 15: an inbox built by hand the way four kinds of system deliver
// (NOVAX Latin-1 CSV, EG Clinea UTF-8 CSV, MultiMed Web NDJSON, XMedicus Parquet, laid out by
// their files in config/sources/), with a CPR or replacement number planted in every field of
// every kind, in an unmapped field, in a header name, in a file name and in every field of the
// clinic register, each in every spelling a person or a system writes one. After nightly, the
// quality reports, the campaign and lab-quality, not one of them is in any file written outside
// the database (Parquet read back), nor on the terminal, in any spelling.

interface Delivery { kind: string; files: string; columns: Record<string, string> }
interface Source { dir: string; format: 'csv' | 'ndjson' | 'parquet'; encoding: 'utf-8' | 'latin-1'; delimiter: string; decimal: string;
  dates: string; timestamps: string; deliveries: Delivery[]; kindA: string }

async function source(name: string): Promise<Source> {
  const doc = parse(await readFile(join(REPO, 'config', 'sources', `${name}.yaml`), 'utf8'));
  const d = doc.defaults;
  const deliveries: Delivery[] = doc.deliveries.map((x: Delivery) => ({ kind: x.kind, files: x.files, columns: x.columns }));
  const diag = doc.deliveries.find((x: { kind: string }) => x.kind === 'diagnoser');
  return { dir: deliveries[0]!.files.split('/')[0]!, format: d.format, encoding: d.encoding ?? 'utf-8', delimiter: d.delimiter ?? ',',
    decimal: d.decimal, dates: d.dates, timestamps: d.timestamps, deliveries, kindA: diag.kinds?.A?.[0] ?? '' };
}

/** 3 January 2025, 09:15:00 in a layout's strftime format. */
function when(format: string): string {
  return format.replace('%Y', '2025').replace('%m', '01').replace('%d', '03').replace('%H', '09').replace('%M', '15').replace('%S', '00');
}

/** A delivery's file name from its pattern: the first `*` is the tag, the others are dropped. */
function fileName(pattern: string, tag: string): string {
  return pattern.replace('*', tag).replace(/\*\*\//g, '').replace(/\*/g, '');
}

const CLINICS: Record<string, [sor: string, yder: string, name: string, specialty: string, system: string]> = {
  novax: ['61741000016007', '004391', 'Øjenklinikken', '19', 'NOVAX'],
  'eg-clinea': ['71001000016002', '012345', 'Hudklinikken', '4', 'EG Clinea'],
  'multimed-web': ['91001000016005', '034567', 'Gigtklinikken', '6', 'MultiMed Web'],
  xmedicus: ['51001000016001', '045678', 'Røntgenklinikken', '5', 'XMedicus'],
};

/** What a field holds in a record nobody would hold back. */
function clean(src: Source, sor: string, column: string, n: number): string {
  const at = when(src.timestamps);
  const values: Record<string, string> = {
    record_id: `r${n}`, sor_code: sor, ydernummer: '', patient: `P${n}`, code: 'DH353', kind: src.kindA,
    contact_date: when(src.dates), written_date: when(src.dates), title: 'Epikrise', text: 'Kontrol, intet nyt.',
    note_time: at, note_type: 'Notat', examination: 'MR knæ', analysis_code: 'NPU02319', code_system: 'iupac',
    analysis_name: 'B-Hb', value: src.decimal === ',' ? '8,1' : '8.1', operator: '', unit: 'mmol/L',
    ref_low: src.decimal === ',' ? '7,3' : '7.3', ref_high: src.decimal === ',' ? '9,5' : '9.5', ref_text: '',
    abnormal_flag: '', result_status: 'svar_endeligt', sampled_at: at, resulted_at: at,
  };
  return values[column] ?? '';
}

/** Free text carries a number inside a sentence; any other field is the number itself. */
const TEXT_FIELDS = new Set(['text', 'title', 'examination', 'analysis_name', 'ref_text']);

type Table = { header: string[]; rows: string[][] };

async function write(ws: Workspace, src: Source, file: string, table: Table): Promise<void> {
  if (src.format === 'csv') {
    const quote = (v: string) => `"${v.replaceAll('"', '""')}"`;
    const text = [table.header, ...table.rows].map((r) => r.map(quote).join(src.delimiter)).join('\r\n') + '\r\n';
    await ws.put(file, text, src.encoding);
  } else if (src.format === 'ndjson') {
    const text = table.rows.map((r) => JSON.stringify(Object.fromEntries(table.header.map((h, i) => [h, r[i]])))).join('\n') + '\n';
    await ws.put(file, text);
  } else {
    const path = join(ws.inbox, file);
    await mkdir(dirname(path), { recursive: true });
    await withDatabase(':memory:', async (_db, conn) => {
      await conn.run(`create table t (${table.header.map((h) => `${sqlIdent(h)} varchar`).join(', ')})`);
      for (const r of table.rows) await conn.run(`insert into t values (${r.map(sqlString).join(', ')})`);
      await conn.run(`copy t to ${sqlString(path)} (format parquet)`);
    });
  }
}

/** Builds the inbox; returns, per file of planted fields, the records it holds and how many may go out. */
async function buildInbox(ws: Workspace, planter: Planter): Promise<Map<string, { read: number; published: number }>> {
  const expected = new Map<string, { read: number; published: number }>();
  let n = 0;
  for (const [name, [sor]] of Object.entries(CLINICS)) {
    const src = await source(name);
    const spellings = src.encoding === 'latin-1' ? SPELLINGS.filter((s) => s.latin1) : SPELLINGS;
    for (const d of src.deliveries) {
      const staged = Object.keys(d.columns);
      const header = [...staged.map((c) => d.columns[c]!), 'Ekstra'];
      const row = () => [...staged.map((c) => clean(src, sor, c, ++n)), 'intet'];
      // Every field, the unmapped one included, in every spelling; one clean record beside them.
      // Windows-1252 dashes in a "Latin-1" file get a file of their own: staging reads such a file
      // as Windows-1252 (bytes 0x80-0x9F), a path of its own that must not hide the other spellings.
      const sets: [string, readonly Spelling[]][] = [['fields', spellings]];
      if (src.encoding === 'latin-1' && d.kind === 'diagnoser') sets.push(['cp1252', CP1252_SPELLINGS]);
      for (const [tag, set] of sets) {
        const rows = [row()];
        for (const [i, column] of [...staged, 'extra'].entries()) {
          for (const s of set) {
            const r = row();
            const number = planter.plant(s, `${name} ${d.kind} ${column}`);
            r[i] = TEXT_FIELDS.has(column) || column === 'extra' ? `Pt. ${number} set i dag` : number;
            rows.push(r);
          }
        }
        await write(ws, src, fileName(d.files, `2025-01-${tag}`), { header, rows });
        // Out go the clean record and those whose number sat in a field that is not published: the
        // unmapped one, and a lab result's code system, which an NPU code replaces by 'NPU'.
        const dropped = d.kind === 'laboratoriesvar' ? 2 : 1;
        expected.set(fileName(d.files, `2025-01-${tag}`), { read: rows.length, published: 1 + dropped * set.length });
      }
      if (d.kind !== 'diagnoser') continue;
      // A number in a file name, in an unmapped header and in place of a mapped one.
      for (const s of (src.encoding === 'latin-1' ? [...spellings, ...CP1252_SPELLINGS] : spellings).filter((x) => !x.lineBreak)) {
        await write(ws, src, fileName(d.files, `2025-01-${planter.plant(s, `${name} file name`)}`), { header, rows: [row()] });
        const extra = [...header.slice(0, -1), planter.plant(s, `${name} unmapped header`)];
        await write(ws, src, fileName(d.files, `2025-01-extra-${n}`), { header: extra, rows: [row()] });
        const mapped = [planter.plant(s, `${name} mapped header`), ...header.slice(1)];
        await write(ws, src, fileName(d.files, `2025-01-mapped-${n}`), { header: mapped, rows: [row()] });
      }
    }
  }
  // The register: every field in every spelling, beside the four clinics that deliver.
  const header = ['SOR', 'Ydernummer', 'Kliniknavn', 'Speciale', 'Journalsystem', 'Tilmeldt', 'Underspeciale', 'Ekstra'];
  const rows = Object.values(CLINICS).map(([sor, yder, name, spec, system]) => [sor, yder, name, spec, system, '2024-11-25', '', '']);
  let k = 100;
  for (const [i, column] of header.entries()) {
    for (const s of SPELLINGS) {
      k++;
      const r = [`${k}01000016003`, `1${k}00`, `Klinik ${k}`, '19', 'NOVAX', '2024-11-25', '', ''];
      const number = planter.plant(s, `register ${column}`);
      r[i] = column === 'Kliniknavn' || column === 'Ekstra' ? `Klinik ${number}` : number;
      rows.push(r);
    }
  }
  await write(ws, { format: 'csv', encoding: 'utf-8', delimiter: ';' } as Source, 'register/klinikregister.csv', { header, rows });
  return expected;
}


/** A file's text as a reader sees it: Parquet read back row by row (on `conn`), anything else as UTF-8 (or Latin-1). */
async function textOf(conn: DuckDBConnection, file: string, encoding: 'utf8' | 'latin1' = 'utf8'): Promise<string> {
  if (!file.endsWith('.parquet')) return (await readFile(file)).toString(encoding);
  return JSON.stringify(await queryRows(conn, `select * from read_parquet(${sqlString(file)})`), (_k, v) => (typeof v === 'bigint' ? Number(v) : v));
}

describe('no CPR number leaves the pipeline, in any spelling, from any field, name or header', () => {
  it('through the outbox, every report, lab-quality or the terminal', async () => {
    const ws = await workspace();
    const planter = new Planter();
    const expected = await buildInbox(ws, planter);
    const fangst = (...args: string[]) => spawnSync(process.execPath, [join(REPO, 'jobs', 'fangst.js'), ...args],
      { cwd: REPO, encoding: 'utf8', env: { ...process.env, FANGST_LOG_LEVEL: 'info', FANGST_LOG_FORMAT: 'json' } });
    const out = (name: string) => join(ws.root, name);
    const runs = [
      fangst('nightly', '--inbox', ws.inbox, '--db', ws.db, '--outbox', ws.outbox, '--reports', ws.reports),
      fangst('checks', 'report', '--db', ws.db, '--out', out('report')),
      fangst('checks', 'report', '--shareable', '--db', ws.db, '--out', out('shareable')),
      fangst('campaign', '--db', ws.db, '--out', out('campaign'), '--json'),
      fangst('campaign', '--shareable', '--db', ws.db, '--out', out('campaign-shareable')),
      fangst('lab-quality', ws.inbox, '--out', out('lab')),
    ];
    expect(runs.map((r) => r.status), runs.map((r) => r.stderr).join('\n')).toEqual([0, 0, 0, 0, 0, 0]);
    // Every file the commands wrote outside the database (its WAL and spill files are the database).
    const files = (await everyFile(ws.root)).filter((f) => !f.startsWith(ws.inbox + '/') && !/\.duckdb(\.wal)?$/.test(f) && !f.includes('.duckdb.tmp'));
    expect(files.some((f) => f.endsWith('quarantine.parquet'))).toBe(true);
    expect(files.some((f) => f.endsWith('summary.json'))).toBe(true);
    // Each file of planted fields was read whole, and every record with a number in a delivered
    // field was held back (quarantined or rejected), in every format and encoding.
    const manifest = JSON.parse(await readFile(files.find((f) => f.endsWith('manifest.json'))!, 'utf8')) as
      { sources: { file: string; rows_read: number; rows_published: number }[] };
    const got = new Map(manifest.sources.filter((x) => expected.has(x.file)).map((x) => [x.file, { read: x.rows_read, published: x.rows_published }]));
    expect(got).toEqual(expected);
    const found: string[] = [];
    let inInbox = 0;
    await withDatabase(':memory:', async (_db, conn) => {
      for (const f of files) {
        for (const hit of plantedIn(f.slice(ws.root.length), planter)) found.push(`file name ${f.slice(ws.root.length)}: ${hit}`);
        for (const hit of plantedIn(await textOf(conn, f), planter)) found.push(`${f.slice(ws.root.length)}: ${hit}`);
      }
      // The planter planted what it says, and the reader finds it: the inbox itself is full of them.
      for (const f of await everyFile(ws.inbox)) {
        inInbox += plantedIn(f.slice(ws.inbox.length) + '\n' + await textOf(conn, f, f.includes('/novax/') ? 'latin1' : 'utf8'), planter).length;
      }
    });
    for (const [i, r] of runs.entries()) for (const hit of plantedIn(r.stdout + r.stderr, planter)) found.push(`terminal of command ${i + 1}: ${hit}`);
    expect(found).toEqual([]);
    expect(inInbox).toBe(planter.planted.size);
  });
});
