// npm run verify:national: the synthetic country at scale 1 through the whole pipeline.
// Generates the extract into var/national, runs the nightly job on it, prints both monitoring
// tables and compares them with the status report's (config/generator.yaml holds the seed's
// figures) cell by cell, printing every difference. Clinics and the additive columns must be
// equal; distinct patients within 1%. The specialty table is compared at scale 1 only: smaller
// scales keep a subset of each system's clinics, calibrated per system. Exit code 1 on any
// difference, except a patient count the seed itself makes unreachable (more patients than
// records in its row), which is printed with its bound.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { openDatabase } from '../../transforms/db/connection.ts';
import { loadGeneratorConfig } from '../../data-samples/generator/config.ts';
import { generate } from '../../data-samples/generator/run.ts';
import { runNightly } from '../../jobs/nightly.ts';
import { ADDITIVE, computeMonitor, MEASURES, type Figures } from '../../quality/reports/monitor/collect.ts';
import { renderTable } from '../../quality/reports/monitor/render.ts';

const dir = process.env.FANGST_NATIONAL_DIR ?? 'var/national';
const scale = Number(process.env.FANGST_NATIONAL_SCALE ?? '1');
const seed = Number(process.env.FANGST_NATIONAL_SEED ?? '1');

const seconds = (t: number) => `${((Date.now() - t) / 1000).toFixed(1)} s`;

async function main(): Promise<number> {
  const cfg = await loadGeneratorConfig('config/generator.yaml');
  await rm(dir, { recursive: true, force: true });
  const timings: string[] = [];

  let t = Date.now();
  const gen = await generate({ scale, seed, out: join(dir, 'inbox'), truth: join(dir, 'truth.parquet') });
  timings.push(`generate --scale ${scale} --seed ${seed}: ${seconds(t)} (${gen.files} files; ${Object.entries(gen.rows).map(([k, n]) => `${k} ${n}`).join(', ')})`);

  t = Date.now();
  const night = await runNightly({ inbox: join(dir, 'inbox'), outbox: join(dir, 'outbox'), db: join(dir, 'fangst.duckdb'), reports: join(dir, 'reports') });
  timings.push(`nightly: ${seconds(t)} (exit code ${night.exitCode})`);

  t = Date.now();
  const db = await openDatabase(join(dir, 'fangst.duckdb'));
  const report = await computeMonitor(await db.connect(), '2024-11-01', '2026-03-01').finally(() => db.close());
  timings.push(`monitor --by system: ${seconds(t)}`);

  process.stdout.write(`\nDataleverance per journalsystem, Nov-24 - Mar-26 (published data)\n\n${renderTable(report.system, 'table')}\n`);
  process.stdout.write(`\nDataleverance per speciale, Nov-24 - Mar-26 (published data)\n\n${renderTable(report.specialty, 'table')}\n`);

  // the seed's table at this scale: round(S * figure); at scale 1 the figures themselves
  const seedFigures = (f: Omit<Figures, 'Klinikker'> & { Klinikker: number }) => f;
  const expected = new Map<string, Figures>();
  const sc = (x: number) => Math.round(scale * x);
  for (const s of cfg.systems)
    expected.set(s.name, seedFigures({ Klinikker: scale >= 1 ? s.clinics : Math.max(1, sc(s.clinics)), Patienter: sc(s.patients), Diagnoser: sc(s.diagnoser), 'A-Diagnoser': sc(s.a), 'B-diagnoser': sc(s.b), Epikriser: sc(s.epikriser), 'B-Epikriser': sc(s.billed) }));
  const sum = (m: (typeof MEASURES)[number]) => [...expected.values()].reduce((x, f) => x + f[m], 0);
  const total = Object.fromEntries(MEASURES.map((m) => [m, sum(m)])) as Figures;
  total.Klinikker += 1; // the enrolled clinic without a journal system (971 = 970 + 1)
  expected.set('Total', total);

  const differences: string[] = [];
  let cells = 0;
  for (const [key, want] of expected) {
    const got = key === 'Total' ? report.system.total : report.system.rows.find((r) => r.key === key);
    for (const m of MEASURES) {
      cells += 1;
      if (!got) differences.push(`${key}: missing row`);
      else if (got[m] !== want[m]) differences.push(`${key} ${m}: published ${got[m]}, seed ${want[m]}`);
    }
  }
  for (const r of report.system.rows) if (!expected.has(r.key)) differences.push(`${r.key}: a row the seed does not have`);

  // the specialty table, cell by cell (its Hovedtotal patients is the sum of the rows)
  const notes: string[] = [];
  if (scale === 1) {
    const seedRecords = (f: (typeof cfg.specialties)[number]) => f.diagnoser + f.epikriser + f.billed;
    const seedRow = (f: (typeof cfg.specialties)[number] | undefined): Figures | undefined =>
      f && { Klinikker: f.clinics, Patienter: f.patients, Diagnoser: f.diagnoser, 'A-Diagnoser': f.a, 'B-diagnoser': f.b, Epikriser: f.epikriser, 'B-Epikriser': f.billed };
    const specTotal = Object.fromEntries(MEASURES.map((m) => [m, cfg.specialties.reduce((x, f) => x + seedRow(f)![m], 0)])) as Figures;
    const rows: Array<[string, Figures, Figures | undefined, number]> = cfg.specialties.map((f) => {
      const got = report.specialty.rows.find((r) => r.key === String(f.code));
      return [`${f.code} ${f.name}`, seedRow(f)!, got, seedRecords(f)];
    });
    rows.push(['Hovedtotal', specTotal, { ...report.specialty.total, Patienter: report.specialty.patientsSumOfRows ?? 0 }, Infinity]);
    for (const [label, want, got, recordsInRow] of rows) {
      for (const m of MEASURES) {
        cells += 1;
        if (!got) {
          differences.push(`specialty ${label}: missing row`);
          break;
        }
        if (m !== 'Patienter') {
          if (got[m] !== want[m]) differences.push(`specialty ${label} ${m}: published ${got[m]}, seed ${want[m]}`);
          continue;
        }
        const off = (got[m] - want[m]) / want[m];
        const text = `specialty ${label} ${m}: published ${got[m]}, seed ${want[m]} (${(100 * off).toFixed(2)}%)`;
        if (Math.abs(off) <= 0.01) continue;
        // a row cannot have more distinct patients than records: then the bound is the target
        const bound = Math.min(want[m], recordsInRow);
        if (bound < want[m] && Math.abs(got[m] - bound) <= 0.01 * bound) notes.push(`${text}; the seed row has only ${recordsInRow} records, published is ${((100 * (got[m] - bound)) / bound).toFixed(2)}% from that bound`);
        else differences.push(text);
      }
    }
    for (const r of report.specialty.rows) if (!cfg.specialties.some((f) => String(f.code) === r.key)) differences.push(`specialty ${r.key}: a row the seed does not have`);
    if (report.specialty.unregistered) differences.push('specialty table: records of clinics without a specialty');
    const additiveCells = (cfg.specialties.length + 1) * ADDITIVE.length;
    process.stdout.write(`\nspecialty table: ${additiveCells} additive cells, ${cfg.specialties.length + 1} clinic counts, ${cfg.specialties.length + 1} patient counts compared\n`);
  } else notes.push(`specialty table not compared at scale ${scale} (calibrated per system only below scale 1)`);

  process.stdout.write(`${timings.map((x) => `timing: ${x}`).join('\n')}\n`);
  if (notes.length) process.stdout.write(`\nseed figures that cannot be met:\n${notes.map((d) => `  ${d}`).join('\n')}\n`);
  if (differences.length) {
    process.stdout.write(`\nverify:national FAILED: ${differences.length} of ${cells} cells differ from the seed tables\n${differences.map((d) => `  ${d}`).join('\n')}\n`);
    return 1;
  }
  process.stdout.write(`\nverify:national OK: all ${cells} cells of ${scale === 1 ? 'both seed tables' : `the system table scaled by ${scale}`} equal (patients within 1%)${notes.length ? `, ${notes.length} noted above` : ''}\n`);
  return 0;
}

process.exitCode = await main();
