// `npm run bench`: fangst at national scale, a reference workload side by side with
// nodejs-polars and pandas, and `fangst lab-quality` side by side with plain pandas and DuckDB
// scripts doing the obvious checks. Every measurement is its own child process, so its peak RSS is its own.
//
//   npm run bench -- [--scales 1,10] [--night 2026-04-01] [--night-scale 1] [--night-rounds 3] [--seed 1] [--skip-reference] [--reference-scale S] [--reference-rounds 3]
//                    [--run-budget SIZE] [--memory-limit SIZE]   (passed to `fangst nightly`; default: config/pipeline.yaml's)
//                    [--skip-lab-quality | --lab-quality-only] [--skip-lab-5m]
//                    [--cache DIR] [--out FILE]
//
// Inboxes are generated once and cached under test/bench/cache/ (git-ignored); results go to
// test/bench/results/latest.json and a table on stdout.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { hospitalLabSpec, labSpec, referenceSpec } from './spec.ts';
import { targets } from './targets.ts';
import { writeHospitalExtract } from './lab/hospital-extract.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bench = join(root, 'test', 'bench');
process.chdir(root);

const { values: args } = parseArgs({
  options: {
    scales: { type: 'string', default: '1,10' },
    night: { type: 'string', default: '2026-04-01' },
    seed: { type: 'string', default: '1' },
    'skip-reference': { type: 'boolean', default: false },
    'reference-scale': { type: 'string' },
    'reference-rounds': { type: 'string', default: '3' },
    'night-scale': { type: 'string', default: '1' },
    'night-rounds': { type: 'string', default: '3' },
    'skip-lab-quality': { type: 'boolean', default: false },
    'lab-quality-only': { type: 'boolean', default: false },
    'skip-lab-5m': { type: 'boolean', default: false },
    'run-budget': { type: 'string' },
    'memory-limit': { type: 'string' },
    out: { type: 'string', default: join(bench, 'results', 'latest.json') },
    cache: { type: 'string', default: join(bench, 'cache') },
  },
});
const cache = resolve(args.cache!);
const scales = args.scales!.split(',').map((s) => s.trim()).filter(Boolean);
const referenceScale = args['reference-scale'] ?? scales[0]!;
const labOnly = args['lab-quality-only']!;
if (labOnly && args['skip-lab-quality']) {
  process.stderr.write('--lab-quality-only and --skip-lab-quality leave nothing to run: give one of them\n');
  process.exit(2);
}
const skipReference = args['skip-reference'] || labOnly;
const nightScale = args['night-scale']!;

interface Measured {
  readonly seconds: number;
  /** user + system CPU of the child: on a loaded machine a steadier figure than the wall time */
  readonly cpu_seconds: number | null;
  readonly peak_rss_mb: number;
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const hasTime = existsSync('/usr/bin/time');

/**
 * Runs a command as a child process: wall time, and peak RSS from GNU time (the kernel's
 * maximum resident set of the child), else from polling /proc/<pid>/status VmHWM.
 */
async function measure(cmd: string, argv: string[], env: Record<string, string> = {}): Promise<Measured> {
  // GNU time writes its figures here; on a fresh clone nothing has made the cache yet.
  await mkdir(cache, { recursive: true });
  const rssFile = join(cache, `.rss-${process.pid}`);
  const [bin, full] = hasTime ? ['/usr/bin/time', ['-f', '%M %U %S', '-o', rssFile, cmd, ...argv]] : [cmd, argv];
  const started = performance.now();
  const child = spawn(bin, full, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  let hwm = 0;
  let cpu: number | null = null;
  const poll = hasTime ? null : setInterval(() => {
    readFile(`/proc/${child.pid}/status`, 'utf8').then((s) => {
      const kb = Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0);
      hwm = Math.max(hwm, kb);
    }, () => {});
  }, 100);
  const code = await new Promise<number>((res) => child.on('close', (c) => res(c ?? 1)));
  const seconds = (performance.now() - started) / 1000;
  if (poll) clearInterval(poll);
  if (hasTime) {
    const lines = (await readFile(rssFile, 'utf8')).trim().split('\n');
    const [kb, user, sys] = lines[lines.length - 1]!.split(' ').map(Number);
    hwm = kb!;
    cpu = round(user! + sys!);
    await rm(rssFile, { force: true });
  }
  return { seconds, cpu_seconds: cpu, peak_rss_mb: Math.round(hwm / 1024), code, stdout, stderr };
}

const fangst = (argv: string[], env?: Record<string, string>) => measure(process.execPath, [join(root, 'jobs', 'fangst.js'), ...argv], env);
const tsx = (file: string, argv: string[]) => measure(process.execPath, ['--import', 'tsx', file, ...argv]);

/** Generates an inbox once; a marker file says it is complete and with which arguments. */
async function ensureInbox(dir: string, genArgs: string[]): Promise<void> {
  const marker = join(dir, '..', `${dir.split('/').pop()}.done`);
  const want = JSON.stringify(genArgs);
  if (existsSync(marker) && (await readFile(marker, 'utf8')) === want) return;
  await rm(dir, { recursive: true, force: true });
  log(`generating ${dir} (${genArgs.join(' ')})`);
  const r = await fangst(['generate', ...genArgs, '--out', dir, '--truth', `${dir}.truth.parquet`]);
  if (r.code !== 0) throw new Error(`generate failed (${r.code}): ${r.stderr.slice(-2000)}`);
  log(`  ${r.stdout.trim().split('\n')[0]} (${r.seconds.toFixed(0)} s, ${r.peak_rss_mb} MB)`);
  await writeFile(marker, want);
}

function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)} load ${os.loadavg()[0]!.toFixed(1)}] ${msg}\n`);
}

interface Scenario {
  readonly name: string;
  readonly scale: string;
  readonly seconds: number;
  readonly cpu_seconds: number | null;
  readonly rows: number;
  /** Runs the job made: a backfill's inbox loads as consecutive runs of run_input_budget each. */
  readonly runs: number;
  readonly rows_per_second: number;
  readonly peak_rss_mb: number;
  readonly exit_code: number;
  readonly steps_ms: Record<string, number>;
  readonly load_before: number;
  /** A night's wall seconds in each round, when it ran several (the scenario is the middle round). */
  readonly rounds_seconds?: number[];
}

/** The nightly job on an inbox, against a database; rows read come from the run's own ledger. */
async function nightly(name: string, scale: string, inbox: string, work: string, dbFile: string): Promise<Scenario> {
  await rm(join(work, 'outbox'), { recursive: true, force: true });
  await rm(join(work, 'reports'), { recursive: true, force: true });
  const loadBefore = os.loadavg()[0]!;
  const started = new Date();
  log(`${name}: nightly on ${inbox}`);
  const budget = [...(args['run-budget'] ? ['--run-budget', args['run-budget']] : []), ...(args['memory-limit'] ? ['--memory-limit', args['memory-limit']] : [])];
  const r = await fangst(['nightly', '--inbox', inbox, '--db', dbFile, '--outbox', join(work, 'outbox'), '--reports', join(work, 'reports'), ...budget],
    { FANGST_LOG_FORMAT: 'json', FANGST_LOG_LEVEL: 'info' });
  if (r.code !== 0 && r.code !== 3) throw new Error(`${name}: nightly exited ${r.code}: ${r.stderr.slice(-3000)}`);
  const steps: Record<string, number> = {};
  for (const line of r.stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const o = JSON.parse(line) as { step?: string; ms?: number };
      if (o.step && typeof o.ms === 'number') steps[o.step] = (steps[o.step] ?? 0) + o.ms;
    } catch { /* not a log line */ }
  }
  const { rows, runs } = await runRows(dbFile, started);
  const s: Scenario = {
    name, scale, seconds: round(r.seconds), cpu_seconds: r.cpu_seconds, rows, runs, rows_per_second: Math.round(rows / r.seconds), peak_rss_mb: r.peak_rss_mb,
    exit_code: r.code, steps_ms: steps, load_before: round(loadBefore),
  };
  log(`  ${s.seconds} s (${s.cpu_seconds} s CPU), ${rows} rows in ${runs} run(s), ${s.peak_rss_mb} MB, steps ${JSON.stringify(steps)}`);
  return s;
}

/**
 * The night, `--night-rounds` times, each on its own copy of the history (a night changes the
 * database it runs on), and the middle round by wall time (of an even number, the faster middle
 * one): one night swings by more here than the night target's margin. Each copy is on disk
 * before its night starts, so the night does not share the disk with its own set-up.
 */
async function nightRounds(scale: string, inbox: string, work: string, history: string): Promise<Scenario> {
  const rounds = Math.max(1, Number(args['night-rounds']));
  const copy = join(work, 'night.duckdb');
  const done: Scenario[] = [];
  for (let i = 0; i < rounds; i++) {
    await rm(copy, { force: true });
    await rm(`${copy}.wal`, { force: true });
    await copyFile(history, copy);
    const f = await open(copy, 'r+');
    await f.sync();
    await f.close();
    done.push(await nightly(`night`, scale, inbox, work, copy));
  }
  await rm(copy, { force: true });
  await rm(`${copy}.wal`, { force: true });
  const median = [...done].sort((a, b) => a.seconds - b.seconds)[Math.floor((done.length - 1) / 2)]!;
  const seconds = done.map((d) => d.seconds);
  if (rounds > 1) log(`  night: middle round ${median.seconds} s of ${rounds} (${seconds.join(', ')} s)`);
  return { ...median, rounds_seconds: seconds };
}

/** Rows read by the last nightly job (all its runs: they share its start time), register rows included. */
/** Rows read and runs made by the nightly started at `since`: a backfill's runs each have their own clock. */
async function runRows(dbFile: string, since: Date): Promise<{ rows: number; runs: number }> {
  const inst = await DuckDBInstance.create(dbFile, { access_mode: 'READ_ONLY' });
  const conn = await inst.connect();
  const r = await conn.runAndReadAll(`
    with job as (select * from meta.runs where job = 'nightly' and started_at >= TIMESTAMPTZ '${since.toISOString()}')
    select coalesce(sum(rows_read), 0) + coalesce((select sum(rows_read) from meta.files f
      where f.run_id in (select run_id from job) and f.kind = 'register'), 0) as n, count(*) as runs
    from job`);
  const o = r.getRowObjectsJS()[0];
  conn.closeSync();
  inst.closeSync();
  return { rows: Number(o?.n ?? 0), runs: Number(o?.runs ?? 0) };
}

async function duckdbVersion(): Promise<string> {
  const inst = await DuckDBInstance.create(':memory:');
  const conn = await inst.connect();
  const v = String((await conn.runAndReadAll('select version() as v')).getRowObjectsJS()[0]!.v);
  conn.closeSync();
  inst.closeSync();
  return v;
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

async function main(): Promise<void> {
  const started = new Date();
  const seed = args.seed!;
  const night = args.night!;
  const machine = {
    cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, memory_gb: round(os.totalmem() / 2 ** 30, 1),
    os: `${os.type()} ${os.release()}`, node: process.version, duckdb: await duckdbVersion(),
    load_average_at_start: os.loadavg().map((x) => round(x)),
  };
  const scenarios: Scenario[] = [];
  let reference: Record<string, unknown> | null = null;
  let labQuality: LabQuality | null = null;
  // Written after every scenario, so a long run that fails late keeps what it measured.
  const save = async () => {
    const result = {
      started_at: started.toISOString(), command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
      machine: { ...machine, load_average_at_end: os.loadavg().map((x) => round(x)) },
      scenarios, reference, lab_quality: labQuality, targets: targets(scenarios, reference, labQuality),
    };
    await mkdir(dirname(args.out!), { recursive: true });
    await writeFile(args.out!, `${JSON.stringify(result, null, 2)}\n`);
    return result;
  };
  for (const scale of labOnly ? [] : scales) {
    const base = join(cache, `s${scale}`);
    const inbox = join(base, 'inbox');
    // The same night on every history (the scale-1 one: one national day of deliveries), so the
    // nights differ only in the history beneath them: its cost must not grow with that history.
    const nightInbox = join(cache, `s${nightScale}`, `night-${night}`);
    await ensureInbox(inbox, ['--scale', scale, '--seed', seed]);
    await ensureInbox(nightInbox, ['--scale', nightScale, '--seed', seed, '--night', night]);
    const work = join(base, 'run');
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true });
    const history = join(work, 'history.duckdb');
    scenarios.push(await nightly(`backfill`, scale, inbox, work, history));
    await save();
    scenarios.push(await nightRounds(scale, nightInbox, work, history));
    await save();
    // The reference workload right after its scale, before the (long) larger scales.
    if (scale === referenceScale && !skipReference) {
      reference = await runReference(join(cache, `s${referenceScale}`, 'inbox'), referenceScale);
      await save();
    }
  }

  if (!scales.includes(referenceScale) && !skipReference) reference = await runReference(join(cache, `s${referenceScale}`, 'inbox'), referenceScale);
  if (!args['skip-lab-quality']) {
    labQuality = await runLabQuality(seed, async (sofar) => {
      labQuality = sofar;
      await save();
    });
  }
  const result = await save();
  process.stdout.write(table(result));
  log(`wrote ${args.out}`);
}

type Impl = { seconds: number; cpu_seconds?: number | null; peak_rss_mb: number; figures?: Record<string, number>; skipped?: string };

async function runReference(inbox: string, scale: string): Promise<Record<string, unknown>> {
  const spec = await referenceSpec(inbox);
  const specFile = join(cache, `s${scale}`, 'reference-spec.json');
  await writeFile(specFile, JSON.stringify(spec));
  const out: Record<string, Impl> = {};
  const figures = (m: Measured, name: string) => {
    if (m.code !== 0) throw new Error(`reference ${name} exited ${m.code}: ${m.stderr.slice(-2000)}`);
    return JSON.parse(m.stdout.trim().split('\n').pop()!) as Record<string, number>;
  };
  log(`reference: ${spec.files.length} files`);
  const bare = await tsx(join(bench, 'reference', 'bare.ts'), [specFile]);
  out.bare_scan = { seconds: round(bare.seconds), cpu_seconds: bare.cpu_seconds, peak_rss_mb: bare.peak_rss_mb, figures: figures(bare, 'bare_scan') };
  log(`  bare scan ${out.bare_scan.seconds} s ${bare.peak_rss_mb} MB`);
  // fangst and polars in turn, `rounds` times after one round that is not counted: one run of
  // either swings on a shared machine, and polars' first runs are its slowest, enough to turn
  // the target around. Each is reported by its median run, and their ratio is the median of the
  // rounds' ratios.
  const rounds = Math.max(1, Number(args['reference-rounds']));
  const runs: { fangst: Measured; polars: Measured }[] = [];
  log('  fangst and polars once each, not counted (warm-up)');
  figures(await tsx(join(bench, 'reference', 'fangst.ts'), [specFile, inbox]), 'fangst');
  figures(await measure(process.execPath, [join(bench, 'reference', 'polars.mjs'), specFile]), 'polars');
  for (let i = 0; i < rounds; i++) {
    const f = await tsx(join(bench, 'reference', 'fangst.ts'), [specFile, inbox]);
    figures(f, 'fangst');
    log(`  fangst ${round(f.seconds)} s ${f.peak_rss_mb} MB (round ${i + 1} of ${rounds})`);
    const p = await measure(process.execPath, [join(bench, 'reference', 'polars.mjs'), specFile]);
    figures(p, 'polars');
    log(`  polars ${round(p.seconds)} s ${p.peak_rss_mb} MB (round ${i + 1} of ${rounds})`);
    runs.push({ fangst: f, polars: p });
  }
  const middle = <T,>(xs: readonly T[], by: (x: T) => number): T => [...xs].sort((a, b) => by(a) - by(b))[(xs.length - 1) >> 1]!;
  const medianRun = (name: 'fangst' | 'polars'): Impl & { runs_seconds: number[] } => {
    const m = middle(runs.map((r) => r[name]), (x) => x.seconds);
    return { seconds: round(m.seconds), cpu_seconds: m.cpu_seconds, peak_rss_mb: m.peak_rss_mb, figures: figures(m, name), runs_seconds: runs.map((r) => round(r[name].seconds)) };
  };
  out.fangst = medianRun('fangst');
  out.polars = medianRun('polars');
  const pairedPolarsOverFangst = round(middle(runs.map((r) => r.polars.seconds / r.fangst.seconds), (x) => x));
  const python = await findPandas();
  if (python === null) {
    out.pandas = { seconds: NaN, peak_rss_mb: NaN, skipped: NO_PANDAS };
    log(`  pandas skipped: ${out.pandas.skipped}`);
  } else {
    const csvDir = await parquetAsCsv(spec.files.filter((x) => x.format === 'parquet').map((x) => ({ path: x.path, file: x.file })), join(cache, `s${scale}`, 'pandas-csv'));
    const pd = await measure(python, [join(bench, 'reference', 'workload_pandas.py'), specFile, csvDir]);
    out.pandas = { seconds: round(pd.seconds), cpu_seconds: pd.cpu_seconds, peak_rss_mb: pd.peak_rss_mb, figures: figures(pd, 'pandas') };
    log(`  pandas ${out.pandas.seconds} s ${pd.peak_rss_mb} MB`);
  }
  // The three that do the work must agree on every figure.
  // (Date parsing differs at the edges: polars' strptime is not exact, so a malformed date may
  // still parse; the A-share figures may then differ by a few rows in a million.)
  const agree: Record<string, string> = {};
  for (const k of Object.keys(out.fangst.figures!)) {
    const vals = ['fangst', 'polars', 'pandas'].flatMap((n) => (out[n]?.figures ? [out[n]!.figures![k]!] : []));
    const spread = Math.max(...vals) - Math.min(...vals);
    agree[k] = spread === 0 ? 'equal' : `differ by ${spread} (${round((100 * spread) / Math.max(1, Math.abs(vals[0]!)), 3)}%): ${vals.join(' / ')}`;
  }
  const ratio = (a: Impl | undefined) => (a && Number.isFinite(a.seconds) ? round(a.seconds / out.fangst!.seconds) : null);
  return {
    scale, files: spec.files.length, ...out, figures_agree: agree,
    ratios: { polars_over_fangst: pairedPolarsOverFangst, pandas_over_fangst: ratio(out.pandas), fangst_over_bare_scan: round(out.fangst.seconds / out.bare_scan.seconds) },
  };
}

const NO_PANDAS = 'python3-pandas is not installed (apt-get install -y python3-pandas)';

/** A python3 that imports pandas, or null. */
async function findPandas(): Promise<string | null> {
  // Debian's python3-pandas belongs to /usr/bin/python3, which another python3 on the PATH may hide.
  for (const candidate of ['python3', '/usr/bin/python3']) {
    if ((await measure(candidate, ['-c', 'import pandas']).catch(() => ({ code: 1 }))).code === 0) return candidate;
  }
  return null;
}

type LabImpl = Impl & { usable?: number; unusable?: number; exit_code?: number };
interface LabInput {
  readonly rows: number;
  readonly fangst: LabImpl;
  readonly duckdb: LabImpl;
  readonly pandas?: LabImpl;
  /** the scripts' figures side by side: they compute the same checks the same way */
  readonly figures_agree?: Record<string, string>;
  readonly ratios: Record<string, number | null>;
}
export interface LabQuality {
  readonly hospital_100k?: LabInput;
  readonly inbox_5m?: LabInput;
}

const HOSPITAL_ROWS = 100_000;

/** The hospital export, written once into the cache; a marker says it is complete and how it was made. */
async function ensureHospitalExtract(dir: string, seed: string): Promise<{ csv: string; exportDir: string; mapping: string }> {
  const marker = `${dir}.done`;
  const want = JSON.stringify({ rows: HOSPITAL_ROWS, seed });
  const paths = { csv: join(dir, 'export', 'labevents.csv'), exportDir: join(dir, 'export'), mapping: join(dir, 'mapping', 'hospital.yaml') };
  if (existsSync(marker) && (await readFile(marker, 'utf8')) === want) return paths;
  await rm(dir, { recursive: true, force: true });
  log(`generating ${dir} (${HOSPITAL_ROWS} lab results)`);
  await writeHospitalExtract(dir, HOSPITAL_ROWS, Number(seed));
  await writeFile(marker, want);
  return paths;
}

/**
 * `fangst lab-quality` on an extract, with its own judgement (summary.json's usable and unusable)
 * beside the time; its output folder is emptied first, so no earlier run's database is reused.
 */
async function labQualityRun(argv: string[], outDir: string): Promise<LabImpl> {
  await rm(outDir, { recursive: true, force: true });
  const r = await fangst(['lab-quality', '--out', outDir, ...argv]);
  if (r.code !== 0) throw new Error(`lab-quality exited ${r.code}: ${r.stderr.slice(-3000)}`);
  const summary = JSON.parse(await readFile(join(outDir, 'summary.json'), 'utf8')) as { usable: number; unusable: number };
  return { seconds: round(r.seconds), cpu_seconds: r.cpu_seconds, peak_rss_mb: r.peak_rss_mb, usable: summary.usable, unusable: summary.unusable, exit_code: r.code };
}

/** A script's run: its time and the JSON figures of its last line. */
function scriptRun(m: Measured, name: string): LabImpl {
  if (m.code !== 0) throw new Error(`${name} exited ${m.code}: ${m.stderr.slice(-2000)}`);
  const figures = JSON.parse(m.stdout.trim().split('\n').pop()!) as Record<string, number>;
  return { seconds: round(m.seconds), cpu_seconds: m.cpu_seconds, peak_rss_mb: m.peak_rss_mb, figures, usable: figures.usable };
}

/**
 * The lab-quality scenario: a 100 k-row hospital export (fangst, pandas, DuckDB) and the scale-1
 * inbox's lab files (fangst, DuckDB; 5 M rows at scale 1). `progress` saves after each input.
 */
async function runLabQuality(seed: string, progress: (sofar: LabQuality) => Promise<void>): Promise<LabQuality> {
  const ratio = (a: LabImpl, b: LabImpl | undefined) => (b && Number.isFinite(b.seconds) ? round(a.seconds / b.seconds) : null);
  const result: { hospital_100k?: LabInput; inbox_5m?: LabInput } = {};

  const dir = join(cache, 'lab-hospital-100k');
  const hospital = await ensureHospitalExtract(dir, seed);
  const specFile = join(dir, 'duckdb-spec.json');
  await writeFile(specFile, JSON.stringify(hospitalLabSpec(hospital.csv)));
  log(`lab quality: hospital export, ${HOSPITAL_ROWS} rows`);
  const fangst100k = await labQualityRun(['--mapping', hospital.mapping, hospital.exportDir], join(dir, 'fangst-out'));
  log(`  fangst ${fangst100k.seconds} s (${fangst100k.cpu_seconds} s CPU) ${fangst100k.peak_rss_mb} MB, usable ${fangst100k.usable}`);
  const duckdb100k = scriptRun(await tsx(join(bench, 'lab', 'lab_duckdb.ts'), [specFile]), 'lab_duckdb.ts');
  log(`  duckdb ${duckdb100k.seconds} s (${duckdb100k.cpu_seconds} s CPU) ${duckdb100k.peak_rss_mb} MB`);
  const python = await findPandas();
  let pandas100k: LabImpl;
  if (python === null) {
    pandas100k = { seconds: NaN, peak_rss_mb: NaN, skipped: NO_PANDAS };
    log(`  pandas skipped: ${NO_PANDAS}`);
  } else {
    pandas100k = scriptRun(await measure(python, [join(bench, 'lab', 'lab_pandas.py'), hospital.csv]), 'lab_pandas.py');
    log(`  pandas ${pandas100k.seconds} s (${pandas100k.cpu_seconds} s CPU) ${pandas100k.peak_rss_mb} MB`);
  }
  const agree: Record<string, string> = {};
  for (const [k, v] of Object.entries(duckdb100k.figures!)) {
    const p = pandas100k.figures?.[k];
    agree[k] = p === undefined ? 'pandas skipped' : p === v ? 'equal' : `differ: pandas ${p}, duckdb ${v}`;
  }
  result.hospital_100k = {
    rows: HOSPITAL_ROWS, fangst: fangst100k, pandas: pandas100k, duckdb: duckdb100k, figures_agree: agree,
    ratios: { fangst_over_pandas: ratio(fangst100k, pandas100k), fangst_over_duckdb: ratio(fangst100k, duckdb100k) },
  };
  await progress(result);

  if (!args['skip-lab-5m']) {
    // The scale-1 inbox (made by the backfill scenario; on its own, made here): its lab files only.
    const base = join(cache, 's1');
    const inbox = join(base, 'inbox');
    await ensureInbox(inbox, ['--scale', '1', '--seed', seed]);
    const spec = await labSpec(inbox);
    const inboxSpec = join(base, 'lab-duckdb-spec.json');
    await writeFile(inboxSpec, JSON.stringify(spec));
    log(`lab quality: scale-1 inbox, ${spec.files.length} lab files`);
    const duckdb5m = scriptRun(await tsx(join(bench, 'lab', 'lab_duckdb.ts'), [inboxSpec]), 'lab_duckdb.ts');
    log(`  duckdb ${duckdb5m.seconds} s (${duckdb5m.cpu_seconds} s CPU) ${duckdb5m.peak_rss_mb} MB, ${duckdb5m.figures!.rows} rows`);
    // A fixed as-of date after the inbox's last delivery month, so "in the future" means the same on every run.
    const fangst5m = await labQualityRun(['--as-of', '2026-05-01', inbox], join(base, 'lab-quality-out'));
    log(`  fangst ${fangst5m.seconds} s (${fangst5m.cpu_seconds} s CPU) ${fangst5m.peak_rss_mb} MB, usable ${fangst5m.usable}`);
    result.inbox_5m = { rows: duckdb5m.figures!.rows!, fangst: fangst5m, duckdb: duckdb5m, ratios: { fangst_over_duckdb: ratio(fangst5m, duckdb5m) } };
    await progress(result);
  }
  return result;
}

/** Debian has no pyarrow, so pandas cannot read Parquet: the same rows as CSV, converted once. */
async function parquetAsCsv(files: { path: string; file: string }[], dir: string): Promise<string> {
  const marker = `${dir}.done`;
  if (existsSync(marker)) return dir;
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const inst = await DuckDBInstance.create(':memory:');
  const conn = await inst.connect();
  for (const f of files) {
    const to = join(dir, `${f.file.replaceAll('/', '__')}.csv`).replaceAll("'", "''");
    await conn.run(`copy (select * from read_parquet('${f.path.replaceAll("'", "''")}')) to '${to}' (header, delimiter ',')`);
  }
  conn.closeSync();
  inst.closeSync();
  await writeFile(marker, '');
  return dir;
}

function table(result: {
  machine: Record<string, unknown>; scenarios: Scenario[]; reference: Record<string, unknown> | null; lab_quality: LabQuality | null; targets: ReturnType<typeof targets>;
}): string {
  const lines: string[] = [];
  const m = result.machine;
  lines.push(`machine: ${m.cpu}, ${m.cores} cores, ${m.memory_gb} GB, ${m.node}, DuckDB ${m.duckdb}; load ${JSON.stringify(m.load_average_at_start)} -> ${JSON.stringify(m.load_average_at_end)}`);
  if (result.scenarios.length) {
    lines.push('');
    lines.push('| scenario | scale | runs | wall s | CPU s | rows | rows/s | peak RSS MB |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|');
  }
  for (const s of result.scenarios) {
    const wall = s.rounds_seconds && s.rounds_seconds.length > 1 ? `${s.seconds} (rounds ${s.rounds_seconds.join(', ')})` : `${s.seconds}`;
    lines.push(`| ${s.name} | ${s.scale} | ${s.runs} | ${wall} | ${s.cpu_seconds} | ${s.rows} | ${s.rows_per_second} | ${s.peak_rss_mb} |`);
  }
  if (result.reference) {
    const r = result.reference as Record<string, Impl> & { scale: string };
    lines.push('');
    lines.push(`reference workload (scale ${r.scale}):`);
    lines.push('| implementation | wall s | CPU s | peak RSS MB |');
    lines.push('|---|---:|---:|---:|');
    for (const n of ['fangst', 'polars', 'pandas', 'bare_scan']) {
      const x = r[n];
      lines.push(x?.skipped ? `| ${n} | skipped: ${x.skipped} | | |` : `| ${n} | ${x?.seconds} | ${x?.cpu_seconds} | ${x?.peak_rss_mb} |`);
    }
  }
  const lab = result.lab_quality;
  for (const [name, input] of [['hospital export, 100 k rows', lab?.hospital_100k], ['scale-1 inbox', lab?.inbox_5m]] as const) {
    if (!input) continue;
    lines.push('');
    lines.push(`lab quality, ${name} (${input.rows} rows):`);
    lines.push('| implementation | wall s | CPU s | peak RSS MB | usable | unusable |');
    lines.push('|---|---:|---:|---:|---:|---:|');
    for (const n of ['fangst', 'pandas', 'duckdb'] as const) {
      const x = input[n];
      if (!x) continue;
      lines.push(x.skipped ? `| ${n} | skipped: ${x.skipped} | | | | |`
        : `| ${n} | ${x.seconds} | ${x.cpu_seconds} | ${x.peak_rss_mb} | ${x.usable} | ${x.unusable ?? input.rows - x.usable!} |`);
    }
    const figures = input.duckdb.figures!;
    lines.push(`the scripts' checks${input.pandas?.figures ? ' (pandas and DuckDB alike)' : ''}: ${Object.entries(figures).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    const differ = Object.entries(input.figures_agree ?? {}).filter(([, v]) => v.startsWith('differ'));
    if (differ.length) lines.push(`the scripts DISAGREE: ${differ.map(([k, v]) => `${k} ${v}`).join('; ')}`);
  }
  lines.push('');
  for (const [k, t] of Object.entries(result.targets)) {
    if (t) lines.push(`${t.holds ? 'holds ' : 'MISSED'} ${k}: ${t.value} (target ${t.target})`);
  }
  return `${lines.join('\n')}\n`;
}

await main();
