import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import pLimit from 'p-limit';
import { queryRows, sqlString } from '../db/connection.ts';
import { loadGeneratorConfig, type GeneratorConfig } from './config.ts';
import { applyDefects, KIND_TABLES, type DataKind } from './defects.ts';
import { copyOptions, headerLines, loadDeliveries, projectionSql, recordIdSql, type Delivery } from './layouts.ts';
import { planClinics, type ClinicPlan } from './plan.ts';

const here = dirname(fileURLToPath(import.meta.url));
const projectRoot = resolve(here, '..');

export interface GenerateOptions {
  readonly scale: number;
  readonly seed: number;
  readonly out: string;
  /** Ground truth (defects); the expected published counts go beside it as *.expected.parquet. */
  readonly truth?: string;
  readonly from?: string;
  readonly to?: string;
  /** Write only one day's deliveries (new record ids, same clinics) for this date. */
  readonly night?: string;
  readonly config?: string;
  readonly memoryLimit?: string;
  readonly threads?: number;
}

export interface GenerateSummary {
  readonly files: number;
  readonly rows: Record<string, number>;
  readonly defects: number;
  readonly clinics: number;
  readonly truth: string;
  readonly expected: string;
  readonly seconds: number;
}

export const REGISTER_FILE = 'register/klinikregister.csv';

/** Default truth file: truth.parquet beside the output folder (truth-night-DATE.parquet for a night). */
export function defaultTruthPath(out: string, night?: string): string {
  return join(dirname(resolve(out)), night ? `truth-night-${night}.parquet` : 'truth.parquet');
}

export const expectedPathFor = (truth: string) => truth.replace(/(\.parquet)?$/, '.expected.parquet');

const DAY_MS = 86_400_000;

/** FANGST_GENERATE_PROFILE=1 prints the seconds each step took, to stderr. */
const profile = process.env.FANGST_GENERATE_PROFILE
  ? (() => {
      let t = Date.now();
      let cpu = process.cpuUsage();
      return (step: string) => {
        const c = process.cpuUsage(cpu);
        process.stderr.write(`${step}: ${((Date.now() - t) / 1000).toFixed(2)} s wall, ${((c.user + c.system) / 1e6).toFixed(2)} s cpu\n`);
        t = Date.now();
        cpu = process.cpuUsage();
      };
    })()
  : () => {};

/** Writes the synthetic deliveries, the clinic register and the ground truth. */
export async function generate(opts: GenerateOptions): Promise<GenerateSummary> {
  const started = Date.now();
  const cfg = await loadGeneratorConfig(opts.config ?? join(projectRoot, 'config', 'generator.yaml'));
  const from = opts.from ?? cfg.period.from;
  const to = opts.to ?? cfg.period.to;
  if (!(opts.scale > 0)) throw new Error(`scale must be above 0, got ${opts.scale}`);
  if (!Number.isInteger(opts.seed)) throw new Error(`seed must be an integer, got ${opts.seed}`);
  if (from > to) throw new Error(`--from ${from} is after --to ${to}`);
  const night = opts.night;
  if (night !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(night)) throw new Error(`--night must be yyyy-mm-dd, got ${night}`);
  const truth = resolve(opts.truth ?? defaultTruthPath(opts.out, night));
  const expected = expectedPathFor(truth);
  const out = resolve(opts.out);

  const deliveries = await loadDeliveries(projectRoot, cfg);
  let plans = planClinics(cfg, { scale: opts.scale, seed: opts.seed, from, to });
  if (night) plans = nightPlans(cfg, plans, night, from, to);

  await mkdir(out, { recursive: true });
  const scratch = await mkdtemp(join(tmpdir(), 'fangst-generate-'));
  const instance = await DuckDBInstance.create(':memory:', {
    threads: String(opts.threads ?? 2),
    memory_limit: opts.memoryLimit ?? '3GB',
    temp_directory: join(scratch, 'spill'),
    preserve_insertion_order: 'true',
  });
  const conn = await instance.connect();
  try {
    await conn.run(`set TimeZone = 'UTC'`);
    const pFrom = night ?? from;
    const pTo = night ?? to;
    const idBase = night ? 500_000_000 + Math.round((Date.parse(night) - Date.parse('2024-01-01')) / DAY_MS) * 100_000 : 0;
    await conn.run(`
      set variable seed = ${opts.seed};
      set variable p_from = date ${sqlString(pFrom)};
      set variable p_to = date ${sqlString(pTo)};
      set variable img_from = date ${sqlString(cfg.live_from.billeddiagnostiske_epikriser ?? from)};
      set variable notes_from = date ${sqlString(cfg.live_from.notater ?? from)};
      set variable a_ramp = ${cfg.a_share_ramp};
      set variable night = ${night ? 'true' : 'false'};
      set variable id_base = ${idBase};
      create schema gen;`);
    await conn.run(await sqlFile('macros.sql'));
    await loadPlan(conn, cfg, plans, deliveries, !!night);
    profile('plan');
    await conn.run(await sqlFile('clean.sql'));
    profile('clean');
    await conn.run(await sqlFile('lab.sql'));
    profile('lab');
    const systemsWith = (pred: (d: Delivery) => boolean) => [...new Set(deliveries.filter(pred).map((d) => d.system))];
    await applyDefects({
      conn,
      cfg,
      markingSystems: systemsWith((d) => d.kind === 'diagnoser' && !!d.kinds),
      parquetSystems: systemsWith((d) => d.format === 'parquet'),
      night: !!night,
    });
    profile('defects');
    await finalise(conn);
    profile('finalise');
    await conn.run(await sqlFile('expected.sql'));
    profile('expected');
    const files = await writeDeliveries(conn, cfg, deliveries, out, scratch);
    profile('write');
    await writeRegister(join(out, REGISTER_FILE), plans);
    await writeTruth(conn, deliveries, plans, truth, expected);
    profile('truth');
    const rows: Record<string, number> = {};
    for (const [kind, table] of Object.entries(KIND_TABLES)) rows[kind] = Number((await queryRows<{ n: bigint }>(conn, `select count(*) as n from ${table}`))[0]!.n);
    const defects = Number((await queryRows<{ n: bigint }>(conn, `select count(*) as n from gen.truth`))[0]!.n);
    return { files: files + 1, rows, defects, clinics: plans.length, truth, expected, seconds: (Date.now() - started) / 1000 };
  } finally {
    conn.closeSync();
    instance.closeSync();
    await rm(scratch, { recursive: true, force: true });
  }
}

const sqlFile = (name: string) => readFile(join(here, 'sql', name), 'utf8');

/**
 * One night: every clinic of the backfill that is enrolled by then delivers about one working
 * day's share of its records; patients are drawn from its existing pool.
 */
function nightPlans(cfg: GeneratorConfig, plans: ClinicPlan[], night: string, from: string, to: string): ClinicPlan[] {
  const days = Math.max(1, Math.round(((Date.parse(to) - Date.parse(from)) / DAY_MS + 1) * (5 / 7)));
  return plans
    .filter((p) => p.enrolledOn <= night)
    .map((p) => {
      const share = (x: number) => Math.round(x / days);
      const after = (kind: string) => (cfg.live_from[kind] ?? from) <= night;
      return {
        ...p,
        enrolledOn: night,
        a: share(p.a), b: share(p.b), u: share(p.u), e: share(p.e),
        be: after('billeddiagnostiske_epikriser') ? share(p.be) : 0,
        notes: after('notater') ? share(p.notes) : 0,
        lab: share(p.lab),
        visits: 0,
        gap: null,
      };
    });
}

export async function loadPlan(conn: DuckDBConnection, cfg: GeneratorConfig, plans: ClinicPlan[], deliveries: Delivery[], night: boolean): Promise<void> {
  // file_id: an integer per file (layout number * 1e8 + period) that DuckDB's zone maps can prune
  // on when each file is written (file names share long prefixes, which string statistics cannot)
  const formatRows = deliveries.map(
    (d, i) => `(${[d.system, d.kind, d.name].map(sqlString).join(', ')}, ${headerLines(d)}, ${(i + 1) * 100_000_000}::bigint)`,
  );
  await conn.run(`create table gen.formats as select * from (values ${formatRows.join(', ')}) as t(sys, kind, file_template, header, fid_base)`);
  // strftime wants a constant format: one CASE branch per layout
  const dayText = deliveries
    .filter((d) => d.format !== 'parquet')
    .map((d) => `when sys = ${sqlString(d.system)} and kind = ${sqlString(d.kind)} then strftime(day, ${sqlString(d.dates)})`);
  await conn.run(`
    create or replace macro gen_day_text(sys, kind, day) as case ${dayText.join(' ')} end;
    create or replace macro gen_period(day) as strftime(day, '${night ? '%Y%m%d' : '%Y%m'}');`);
  const systems = cfg.systems.map((s) => s.name);
  const poolId = (p: ClinicPlan) => (p.system ? systems.indexOf(p.system) + 1 : 0);
  const v = (x: string | number | null) => (x === null ? 'null' : typeof x === 'number' ? String(x) : sqlString(x));
  const d = (x: string | null | undefined) => (x ? `date ${sqlString(x)}` : 'null');
  const rows = plans.map(
    (p) =>
      `(${[v(p.no), v(p.sor), v(p.ydernummer), v(p.specialty), v(p.system), v(p.deliversVia), d(p.enrolledOn), ...[p.a, p.b, p.u, p.e, p.be, p.notes, p.lab, p.patients, p.visits, p.patientBase, p.poolSize, poolId(p)].map(v), d(p.gap?.from), d(p.gap?.to), v(p.mixup)].join(', ')})`,
  );
  await conn.run(`
    create table gen.clinics (
        no bigint, sor varchar, ydernummer varchar, specialty integer, system varchar, sys varchar, enrolled_on date,
        a bigint, b bigint, u bigint, e bigint, be bigint, notes bigint, lab bigint, patients bigint, visits bigint,
        patient_base bigint, pool_size bigint, pool_id integer, gap_from date, gap_to date, mixup varchar);
    insert into gen.clinics values ${rows.join(',\n')};`);
  const codeRows = Object.entries(cfg.codes).map(([spec, codes]) => `(${Number(spec)}, [${codes.map(sqlString).join(', ')}])`);
  await conn.run(`create table gen.spec_codes as select * from (values ${codeRows.join(', ')}) as t(specialty, codes)`);
  const panelRows = Object.entries(cfg.lab.panels).map(([spec, panel]) => {
    const items = Object.entries(panel).flatMap(([a, w]) => Array.from({ length: w }, () => sqlString(a)));
    return `(${Number(spec)}, [${items.join(', ')}])`;
  });
  await conn.run(`create table gen.spec_panel as select * from (values ${panelRows.join(', ')}) as t(specialty, analyses)`);
  const num = (x: number | undefined) => (x === undefined ? 'null::double' : `${x}::double`);
  const analysisRows = Object.entries(cfg.lab.analyses).map(([key, a]) => {
    const qual = a.qualitative ? `[${Object.entries(a.qualitative).flatMap(([val, w]) => Array.from({ length: w }, () => sqlString(val))).join(', ')}]` : 'null::varchar[]';
    return `(${[sqlString(key), sqlString(a.code), sqlString(a.name), sqlString(a.unit), num(a.ref?.[0]), num(a.ref?.[1]), num(a.mean), num(a.sd), String(a.decimals ?? 1), num(a.hard?.[0]), num(a.hard?.[1]), a.lognormal ? 'true' : 'false', num(a.censor_below), qual].join(', ')})`;
  });
  await conn.run(`create table gen.analyses as select * from (values ${analysisRows.join(',\n')}) as t(key, code, name, unit, ref_low, ref_high, mean, sd, decimals, hard_low, hard_high, lognormal, censor_below, qual)`);
  await conn.run(`alter table gen.analyses add column ref_low_text varchar; alter table gen.analyses add column ref_high_text varchar;
    update gen.analyses set ref_low_text = gen_fmt(ref_low, decimals), ref_high_text = gen_fmt(ref_high, decimals) where qual is null;`);
}

/**
 * Calibrated records got their record numbers, files and lines when they were made; records
 * added by defects (extras, re-sends) get theirs here: new record numbers after the system's
 * last, and lines after the calibrated records of their file.
 */
async function finalise(conn: DuckDBConnection): Promise<void> {
  for (const [kind, table] of Object.entries(KIND_TABLES) as Array<[DataKind, string]>) {
    await conn.run(`
      create or replace temp table fix as
      with added as (
          select t.uid, t.sys, t.rec_n, t.file_day,
              coalesce(t.file, replace(f.file_template, '{period}', gen_period(t.file_day))) as file,
              f.fid_base + gen_period(t.file_day)::bigint as file_id, f.header
          from ${table} as t
          join gen.formats as f on f.sys = t.sys and f.kind = '${kind}'
          where t.line is null
      ),
      last_record as (select sys, max(rec_n) as m from ${table} group by sys),
      used_lines as (
          select file, max(line_before + (j_to - j_from)) as m from gen.ranges where kind = '${kind}' group by file
      )
      select a.uid, a.file, a.file_id,
          coalesce(a.rec_n, lr.m + row_number() over (partition by a.sys, a.rec_n is null order by a.uid)) as rec_n,
          coalesce(ul.m, a.header) + row_number() over (partition by a.file order by a.file_day, a.uid) as line
      from added as a
      join last_record as lr using (sys)
      left join used_lines as ul using (file)`);
    await conn.run(`update ${table} set file = fix.file, file_id = fix.file_id, rec_n = fix.rec_n, line = fix.line from fix where ${table}.uid = fix.uid`);
  }
}

/** SQL for the record id of every system (a CASE over sys). */
const recordIdCase = (deliveries: Delivery[], sys = 'sys') =>
  `case ${sys} ${[...new Set(deliveries.map((d) => d.system))].map((s) => `when ${sqlString(s)} then ${recordIdSql(s, `(rec_n + getvariable('id_base'))`)}`).join(' ')} end`;

async function writeDeliveries(conn: DuckDBConnection, cfg: GeneratorConfig, deliveries: Delivery[], out: string, scratch: string): Promise<number> {
  const reencode = pLimit(2);
  const pending: Array<Promise<void>> = [];
  let count = 0;
  for (const d of deliveries) {
    const table = KIND_TABLES[d.kind as DataKind];
    const files = await queryRows<{ file: string; file_id: bigint }>(conn, `select distinct file, file_id from ${table} where sys = ${sqlString(d.system)} order by file`);
    const projection = projectionSql(d, cfg);
    for (const { file, file_id } of files) {
      const target = join(out, file);
      await mkdir(dirname(target), { recursive: true });
      const query = `select ${projection} from ${table} where file_id = ${file_id} order by line`;
      if (d.encoding === 'latin-1') {
        const tmp = join(scratch, `${count}.csv`);
        await conn.run(`copy (${query}) to ${sqlString(tmp)} ${copyOptions(d)}`);
        pending.push(reencode(() => toLatin1(tmp, target, d.gzip)));
      } else {
        await conn.run(`copy (${query}) to ${sqlString(target)} ${copyOptions(d)}`);
      }
      count += 1;
    }
    profile(`write ${d.system} ${d.kind} (${files.length} files)`);
  }
  await Promise.all(pending);
  return count;
}

/** DuckDB writes UTF-8 only: re-encode to Latin-1 (and gzip) on the way to the inbox. */
async function toLatin1(from: string, to: string, gzip: boolean): Promise<void> {
  const encode = new Transform({
    decodeStrings: false,
    transform(chunk: string, _enc, done) {
      const bad = /[^\u0000-\u00ff]/.exec(chunk);
      if (bad) return done(new Error(`character ${JSON.stringify(bad[0])} cannot be written in latin-1 (${to})`));
      done(null, Buffer.from(chunk, 'latin1'));
    },
  });
  const source = createReadStream(from, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const sink = createWriteStream(to);
  if (gzip) await pipeline(source, encode, createGzip({ level: 6 }), sink);
  else await pipeline(source, encode, sink);
  await rm(from);
}

/** The clinic register travels with the deliveries: `;`-separated UTF-8, as config/pipeline.yaml reads it. */
async function writeRegister(path: string, plans: ClinicPlan[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const lines = ['SOR;Ydernummer;Kliniknavn;Speciale;Journalsystem;Tilmeldt;Underspeciale'];
  for (const p of [...plans].sort((x, y) => x.no - y.no))
    lines.push([p.sor, p.ydernummer, p.name, p.registeredSpecialty, p.system ?? '', p.enrolledOn, p.subspecialty ?? ''].join(';'));
  await writeFile(path, `${lines.join('\n')}\n`);
}

/** Register rows and clinic-level defects, as SQL rows of gen.truth. */
function planTruth(plans: ClinicPlan[]): string {
  const sorted = [...plans].sort((x, y) => x.no - y.no);
  const rows: string[] = [];
  sorted.forEach((p, i) => {
    if (p.registeredSpecialty === 8)
      rows.push(`('specialty_8_leftover', 'register', ${sqlString(REGISTER_FILE)}, ${i + 2}, ${sqlString(p.sor)}, null, ${sqlString(p.sor)}, ${sqlString(`Speciale 8 with Underspeciale ${p.subspecialty}`)}, 'published')`);
    if (p.gap)
      rows.push(`('delivery_gap', 'clinic', null, null, null, ${sqlString(p.deliversVia)}, ${sqlString(p.sor)}, ${sqlString(`no records ${p.gap.from}..${p.gap.to}`)}, 'published')`);
  });
  return rows.length ? rows.join(',\n') : '';
}

async function writeTruth(conn: DuckDBConnection, deliveries: Delivery[], plans: ClinicPlan[], truth: string, expected: string): Promise<void> {
  const parts = (Object.entries(KIND_TABLES) as Array<[DataKind, string]>).map(
    ([kind, table]) => `
      select t.defect as kind, '${kind}' as data_kind, t.file as source_file, t.line as source_line, ${recordIdCase(deliveries, 't.sys')} as record_id,
          t.sys as journal_system, case when t.defect = 'clinic_unknown' then t.sor_out else c.sor end as sor_code,
          t.detail, t.expected as expected_outcome
      from ${table} as t join gen.clinics as c using (no)
      where t.defect is not null`,
  );
  const fromPlan = planTruth(plans);
  await conn.run(`
    create or replace table gen.truth as
    select kind, data_kind, source_file, source_line::bigint as source_line, record_id,
        case when record_id is not null then journal_system || ':' || record_id end as record_key,
        journal_system, sor_code, detail, expected_outcome
    from (
        ${parts.join('\n union all ')}
        ${fromPlan ? `union all select * from (values ${fromPlan}) as p(kind, data_kind, source_file, source_line, record_id, journal_system, sor_code, detail, expected_outcome)` : ''}
    )
    order by kind, source_file, source_line, sor_code`);
  await mkdir(dirname(truth), { recursive: true });
  await conn.run(`copy gen.truth to ${sqlString(truth)} (format parquet)`);
  await conn.run(`copy gen.expected to ${sqlString(expected)} (format parquet)`);
}
