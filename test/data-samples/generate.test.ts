import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, sqlString, withDatabase } from '../../transforms/db/connection.ts';
import { loadGeneratorConfig } from '../../data-samples/generator/config.ts';
import { globToRegExp, loadDeliveries } from '../../data-samples/generator/layouts.ts';
import { planClinics } from '../../data-samples/generator/plan.ts';
import { generate, type GenerateSummary } from '../../data-samples/generator/run.ts';

const root = resolve(import.meta.dirname, '..', '..');
const configPath = join(root, 'config', 'generator.yaml');

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(relative(dir, join(e.parentPath, e.name)).replaceAll('\\', '/'));
  return out.sort();
}

async function digests(dir: string): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  for (const f of await listFiles(dir)) m.set(f, createHash('sha256').update(await readFile(join(dir, f))).digest('hex'));
  return m;
}

describe('fangst generate: the clinic plan at scale 1', () => {
  it('reproduces the seed table per journal system exactly, and the specialty table clinic counts and additive columns', async () => {
    const cfg = await loadGeneratorConfig(configPath);
    const plans = planClinics(cfg, { scale: 1, seed: 7, from: cfg.period.from, to: cfg.period.to });
    expect(plans).toHaveLength(971);
    for (const s of cfg.systems) {
      const mine = plans.filter((p) => p.system === s.name);
      const sum = (f: (p: (typeof plans)[number]) => number) => mine.reduce((t, p) => t + f(p), 0);
      expect({ system: s.name, clinics: mine.length, patients: sum((p) => p.patients), diagnoser: sum((p) => p.a + p.b + p.u), a: sum((p) => p.a), b: sum((p) => p.b), epikriser: sum((p) => p.e), billed: sum((p) => p.be) }).toEqual({
        system: s.name, clinics: s.clinics, patients: s.patients, diagnoser: s.diagnoser, a: s.a, b: s.b, epikriser: s.epikriser, billed: s.billed,
      });
    }
    // the specialty table: clinics and every additive column exact, cell by cell
    for (const sp of cfg.specialties) {
      const mine = plans.filter((p) => p.specialty === sp.code);
      const sum = (f: (p: (typeof plans)[number]) => number) => mine.reduce((t, p) => t + f(p), 0);
      expect({ code: sp.code, clinics: mine.length, diagnoser: sum((p) => p.a + p.b + p.u), a: sum((p) => p.a), b: sum((p) => p.b), epikriser: sum((p) => p.e), billed: sum((p) => p.be) }).toEqual({
        code: sp.code, clinics: sp.clinics, diagnoser: sp.diagnoser, a: sp.a, b: sp.b, epikriser: sp.epikriser, billed: sp.billed,
      });
    }
    // imaging epikriser only from XMedicus clinics of specialties 3 and 5
    expect(new Set(plans.filter((p) => p.be > 0).map((p) => `${p.system}/${p.specialty}`))).toEqual(new Set(['XMedicus/3', 'XMedicus/5']));
    // every clinic delivers, and never has more patients than records
    for (const p of plans) {
      const records = p.a + p.b + p.u + p.e + p.be;
      expect(records).toBeGreaterThan(0);
      expect(p.patients + p.visits).toBeLessThanOrEqual(records);
    }
    // the one clinic without a journal system carries the difference between the two tables
    const none = plans.filter((p) => p.system === null);
    expect(none.map((p) => [p.a + p.b + p.u, p.a, p.b, p.e])).toEqual([[2494, 1844, 20, 269]]);
  });

  it('scales every system figure to round(S * seed) and keeps at least one clinic per system', async () => {
    const cfg = await loadGeneratorConfig(configPath);
    const plans = planClinics(cfg, { scale: 0.01, seed: 3, from: cfg.period.from, to: cfg.period.to });
    for (const s of cfg.systems) {
      const mine = plans.filter((p) => p.system === s.name);
      expect(mine.length).toBe(Math.max(1, Math.round(0.01 * s.clinics)));
      expect(mine.reduce((t, p) => t + p.a + p.b + p.u, 0)).toBe(Math.round(0.01 * s.diagnoser));
      expect(mine.reduce((t, p) => t + p.patients, 0)).toBe(Math.round(0.01 * s.patients));
    }
  });
});

describe('fangst generate: files', () => {
  let dir: string;
  let summary: GenerateSummary;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fangst-gen-'));
    summary = await generate({ scale: 0.002, seed: 7, out: join(dir, 'a', 'inbox'), truth: join(dir, 'a', 'truth.parquet') });
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is byte-identical for the same seed and differs for another', async () => {
    await generate({ scale: 0.002, seed: 7, out: join(dir, 'b', 'inbox'), truth: join(dir, 'b', 'truth.parquet') });
    const a = await digests(join(dir, 'a'));
    const b = await digests(join(dir, 'b'));
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [f, h] of a) expect([f, b.get(f)]).toEqual([f, h]);
    await generate({ scale: 0.002, seed: 8, out: join(dir, 'c', 'inbox'), truth: join(dir, 'c', 'truth.parquet') });
    const c = await digests(join(dir, 'c'));
    expect(c.get('inbox/novax/novax_diagnoser_202503.csv')).not.toBe(a.get('inbox/novax/novax_diagnoser_202503.csv'));
  });

  it('names every file after its layout glob and writes the register beside them', async () => {
    const cfg = await loadGeneratorConfig(configPath);
    const deliveries = await loadDeliveries(root, cfg);
    const files = await listFiles(join(dir, 'a', 'inbox'));
    expect(files).toContain('register/klinikregister.csv');
    for (const f of files.filter((x) => !x.startsWith('register/'))) expect([f, deliveries.some((d) => globToRegExp(d.glob).test(f))]).toEqual([f, true]);
    // every system and every data kind is present even at this small scale
    for (const d of deliveries) expect([d.system, d.kind, files.some((f) => globToRegExp(d.glob).test(f))]).toEqual([d.system, d.kind, true]);
    expect(summary.files).toBeLessThan(1000);
    const register = (await readFile(join(dir, 'a', 'inbox', 'register', 'klinikregister.csv'), 'utf8')).split('\n');
    expect(register[0]).toBe('SOR;Ydernummer;Kliniknavn;Speciale;Journalsystem;Tilmeldt;Underspeciale');
    // the 971st clinic: registered without a journal system
    expect(register.filter((l) => l.split(';')[4] === '' && l !== '')).toHaveLength(1);
  });

  it('writes the encodings, byte-order mark and compression the layouts promise', async () => {
    const inbox = join(dir, 'a', 'inbox');
    const novax = await readFile(join(inbox, 'novax', 'novax_epikriser_202503.csv'));
    expect(novax.includes(Buffer.from('æ', 'latin1'))).toBe(true); // Latin-1, not UTF-8
    expect(novax.includes(Buffer.from('æ', 'utf8'))).toBe(false);
    expect(novax.toString('latin1').split('\n')[0]).toBe('EpikriseId;SORkode;Ydernr;PatientPseudo;Dato;Overskrift;Tekst');
    const clinea = await readFile(join(inbox, 'eg-clinea', 'clinea-diagnoses-202503.csv'));
    expect([...clinea.subarray(0, 5)]).toEqual([0xef, 0xbb, 0xbf, 0x69, 0x64]); // BOM + "id"
    const xmo = gunzipSync(await readFile(join(inbox, 'cgm-xmo', 'xmo_lab_202503.csv.gz'))).toString('latin1');
    expect(xmo.split('\n')[0]).toContain('RecId;SOR_Kode');
    expect(xmo).toMatch(/;\d+,\d;/); // decimal comma
    const mm = gunzipSync(await readFile(join(inbox, 'multimed', '202503.diagnoses.ndjson.gz'))).toString('utf8');
    expect(JSON.parse(mm.split('\n')[0]!)).toHaveProperty('recordId');
    const myclinic = (await readFile(join(inbox, 'myclinic', 'labs-202507.jsonl'), 'utf8')).split('\n')[0]!;
    expect(JSON.parse(myclinic).sampledAt).toMatch(/^2025-07-\d\dT\d\d:\d\d:00\+02:00$/); // summer time offset
  });

  it('points every record-level truth row at the file line that holds the record', async () => {
    await withDatabase(':memory:', async (_db, conn) => {
      const truth = sqlString(join(dir, 'a', 'truth.parquet'));
      const kinds = await queryRows<{ kind: string; n: bigint }>(conn, `select kind, count(*) as n from ${truth} group by kind order by kind`);
      const cfg = await loadGeneratorConfig(configPath);
      // several of each defect at the samples' scale
      for (const k of Object.keys(cfg.defects)) expect([k, Number(kinds.find((r) => r.kind === k)?.n ?? 0) >= 1]).toEqual([k, true]);
      const rows = await queryRows<{ source_file: string; source_line: bigint; record_id: string }>(
        conn,
        `select source_file, source_line, record_id from ${truth} where source_file like '%.csv' and record_id is not null and source_file not like 'register/%' order by hash(source_file, source_line) limit 40`,
      );
      expect(rows.length).toBeGreaterThan(10);
      for (const r of rows) {
        const text = (await readFile(join(dir, 'a', 'inbox', r.source_file))).toString(r.source_file.startsWith('eg-clinea') ? 'utf8' : 'latin1');
        const line = text.split('\n')[Number(r.source_line) - 1]!;
        expect([r.source_file, line.split(/[;,\t|]/)[0]]).toEqual([r.source_file, r.record_id]);
      }
    });
  });

  it('expects exactly the scaled seed figures per system in the published data', async () => {
    const cfg = await loadGeneratorConfig(configPath);
    await withDatabase(':memory:', async (_db, conn) => {
      const rows = await queryRows<{ key: string; diagnoser: bigint; a_diagnoser: bigint; epikriser: bigint; patients: bigint }>(
        conn,
        `select * from ${sqlString(summary.expected)} where scope = 'system' and key <> 'Total'`,
      );
      for (const s of cfg.systems) {
        const r = rows.find((x) => x.key === s.name)!;
        expect([s.name, Number(r.diagnoser), Number(r.a_diagnoser), Number(r.epikriser), Number(r.patients)]).toEqual([
          s.name, Math.round(0.002 * s.diagnoser), Math.round(0.002 * s.a), Math.round(0.002 * s.epikriser), Math.round(0.002 * s.patients),
        ]);
      }
    });
  });

  it('writes one night of deliveries with new record ids and the same clinics', async () => {
    const night = join(dir, 'a', 'inbox');
    const s = await generate({ scale: 0.002, seed: 7, out: night, night: '2026-04-07', truth: join(dir, 'night-truth.parquet') });
    expect(s.rows.diagnoser).toBeGreaterThan(0);
    const files = await listFiles(night);
    expect(files).toContain('novax/novax_diagnoser_20260407.csv');
    const line = (await readFile(join(night, 'novax', 'novax_diagnoser_20260407.csv'), 'latin1')).split('\n')[1]!;
    expect(Number(line.split(';')[0])).toBeGreaterThan(500_000_000);
    expect(existsSync(join(dir, 'night-truth.expected.parquet'))).toBe(true);
  });
});

// The SKS codes the project ships (config/reference/sks-diagnosis-codes.csv, with its source).
const sksReference = join(root, 'config', 'reference', 'sks-diagnosis-codes.csv');
describe('fangst generate: diagnosis codes (against the shipped SKS code list)', () => {
  it('draws clean codes that exist in the SKS list, and unknown codes that do not', async () => {
    const cfg = await loadGeneratorConfig(configPath);
    const known = new Set((await readFile(sksReference, 'utf8')).split('\n').map((l) => l.split(';')[0]!.replaceAll('"', '')));
    for (const code of Object.values(cfg.codes).flat()) expect([code, known.has(code)]).toEqual([code, true]);
    for (const code of cfg.unknown_codes) expect([code, known.has(code)]).toEqual([code, false]);
    // not even after a normaliser's repairs: a D in front, dots and spaces dropped, upper case
    const sks = /^D[A-Z][0-9]{2}[0-9A-Z]{0,6}$/;
    for (const code of cfg.malformed_codes)
      for (const variant of [code, `D${code}`].map((c) => c.replaceAll('.', '').replaceAll(' ', '').toUpperCase())) expect([code, variant, sks.test(variant)]).toEqual([code, variant, false]);
  });
});
