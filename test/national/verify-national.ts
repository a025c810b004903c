// npm run verify:national: the synthetic country at scale 1 through the whole pipeline.
// Generates the extract into var/national, runs the nightly job on it, prints the monitoring
// table per journal system and compares it with the status report's table (config/generator.yaml
// holds the seed's figures), row by row and column by column. Exit code 1 on any difference.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { openDatabase } from '../../transforms/db/connection.ts';
import { loadGeneratorConfig } from '../../data-samples/generator/config.ts';
import { generate } from '../../data-samples/generator/run.ts';
import { runNightly } from '../../jobs/nightly.ts';
import { computeMonitor, MEASURES, type Figures } from '../../quality/reports/monitor/collect.ts';
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

  process.stdout.write(`${timings.map((x) => `timing: ${x}`).join('\n')}\n`);
  if (differences.length) {
    process.stdout.write(`\nverify:national FAILED: ${differences.length} of ${cells} cells differ from the seed table\n${differences.map((d) => `  ${d}`).join('\n')}\n`);
    return 1;
  }
  process.stdout.write(`\nverify:national OK: all ${expected.size} rows x ${MEASURES.length} columns (${cells} cells) equal the seed table${scale === 1 ? '' : ` scaled by ${scale}`}\n`);
  return 0;
}

process.exitCode = await main();
