import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import pLimit from 'p-limit';
import { UsageError } from '../../config/errors.ts';
import { KINDS } from '../../config/kinds.ts';
import { queryRows, sqlString } from '../../transforms/db/connection.ts';
import { loadGeneratorConfig, type GeneratorConfig } from './config.ts';
import { applyDefects, KIND_TABLES, type DataKind } from './defects.ts';
import { copyOptions, headerLines, loadDeliveries, projectionSql, recordIdSql, type Delivery } from './layouts.ts';
import { planClinics, type ClinicPlan } from './plan.ts';

const here = dirname(fileURLToPath(import.meta.url));
const projectRoot = resolve(here, '..', '..');

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
  /** Largest scale generated in one DuckDB instance (default 1); above it, consecutive shards. */
  readonly shardScale?: number;
}

export interface GenerateSummary {
  readonly files: number;
  readonly rows: Record<string, number>;
  readonly defects: number;
  readonly clinics: number;
  /** Generations the inbox was made of (1 up to the shard scale). */
  readonly shards: number;
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

/**
 * Record numbers of shard k start at k * ID_STRIDE: far below a night's id_base (500,000,000 and
 * up), far above the records of one system and kind at scale 1 (a few million at most; every
 * shard checks it).
 */
const ID_STRIDE = 20_000_000;
/** Shards never share a patient: the pseudonym's last letter is the shard's (macros.sql). */
const MAX_SHARDS = 25;

/**
 * Writes the synthetic deliveries, the clinic register and the ground truth. A scale above
 * shardScale (default 1) is generated as consecutive shards of equal scale, each in its own
 * DuckDB instance (memory and spill stay those of one shard), whose rows are appended to the
 * files of the first: the same clinics, the same file set, record ids and patients disjoint.
 */
export async function generate(opts: GenerateOptions): Promise<GenerateSummary> {
  const started = Date.now();
  if (!(opts.scale > 0)) throw new UsageError('--scale', opts.scale, 'a number above 0');
  if (!Number.isInteger(opts.seed)) throw new UsageError('--seed', opts.seed, 'an integer');
  const shardScale = opts.shardScale ?? 1;
  if (!(shardScale > 0)) throw new UsageError('--shard-scale', shardScale, 'a number above 0');
  for (const [flag, date] of [['--from', opts.from], ['--to', opts.to], ['--night', opts.night]] as const) {
    if (date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new UsageError(flag, date, 'a date as yyyy-mm-dd');
  }
  const night = opts.night;
  // a night is small at any scale: always one generation
  const shards = night ? 1 : Math.max(1, Math.ceil(opts.scale / shardScale - 1e-9));
  if (shards > MAX_SHARDS) throw new UsageError('--shard-scale', shardScale, `at least ${opts.scale / MAX_SHARDS}: scale ${opts.scale} would need ${shards} shards, at most ${MAX_SHARDS} are possible`);
  const cfg = await loadGeneratorConfig(opts.config ?? join(projectRoot, 'config', 'generator.yaml'));
  const from = opts.from ?? cfg.period.from;
  const to = opts.to ?? cfg.period.to;
  if (from > to) throw new UsageError(opts.to !== undefined ? '--to' : '--from', opts.to !== undefined ? to : from, `a date in order: --from ${from} is after --to ${to}`);
  const truth = resolve(opts.truth ?? defaultTruthPath(opts.out, night));
  const expected = expectedPathFor(truth);
  const out = resolve(opts.out);

  const deliveries = await loadDeliveries(projectRoot, cfg);
  // every shard delivers for the same clinics: the plan of one shard, with all clinics above scale 1
  let plans = planClinics(cfg, { scale: opts.scale / shards, seed: opts.seed, from, to, keepAllClinics: opts.scale >= 1 });
  if (night) plans = nightPlans(cfg, plans, night, from, to);

  await mkdir(out, { recursive: true });
  const scratch = await mkdtemp(join(tmpdir(), 'fangst-generate-'));
  const pass = {
    cfg, deliveries, plans, night, from, to, scratch,
    memoryLimit: opts.memoryLimit ?? '3GB',
    threads: opts.threads ?? 2,
  };
  try {
    if (shards === 1) {
      const idBase = night ? 500_000_000 + Math.round((Date.parse(night) - Date.parse('2024-01-01')) / DAY_MS) * 100_000 : 0;
      const place = (_d: Delivery, file: string): Placement => ({ path: join(out, file), header: true, append: false });
      return await generation({ ...pass, sqlSeed: opts.seed, shard: 0, idBase, place }, async (conn, written) => {
        await conn.run(await sqlFile('expected.sql'));
        profile('expected');
        await writeRegister(join(out, REGISTER_FILE), plans);
        await writeTruth(conn, truthRecordsSql(deliveries), plans, truth, expected);
        profile('truth');
        const rows: Record<string, number> = {};
        for (const [kind, table] of Object.entries(KIND_TABLES)) rows[kind] = Number((await queryRows<{ n: bigint }>(conn, `select count(*) as n from ${table}`))[0]!.n);
        const defects = Number((await queryRows<{ n: bigint }>(conn, `select count(*) as n from gen.truth`))[0]!.n);
        return { files: written.length + 1, rows, defects, clinics: plans.length, shards, truth, expected, seconds: (Date.now() - started) / 1000 };
      });
    }
    const s = await generateShards({ ...pass, seed: opts.seed, shards, out, truth, expected });
    return { ...s, clinics: plans.length, shards, truth, expected, seconds: (Date.now() - started) / 1000 };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Where a file of a generation goes: straight into the inbox, or appended to a file there. */
interface Placement {
  readonly path: string;
  /** csv/tsv: write the header line (the first rows of the file). */
  readonly header: boolean;
  /** Append to the file at path (rows only: header is then false). */
  readonly append: boolean;
}

interface Written {
  readonly file: string;
  readonly delivery: Delivery;
  readonly rows: number;
}

interface Pass {
  readonly cfg: GeneratorConfig;
  readonly deliveries: Delivery[];
  readonly plans: ClinicPlan[];
  readonly night?: string;
  readonly from: string;
  readonly to: string;
  readonly scratch: string;
  readonly memoryLimit: string;
  readonly threads: number;
  /** Seed of the row-level draws (the plan's seed for an inbox of one generation). */
  readonly sqlSeed: number;
  readonly shard: number;
  readonly idBase: number;
  readonly place: (d: Delivery, file: string) => Placement;
}

/** An in-memory DuckDB for one generation or for the merge of shards, spilling into the scratch folder. */
function scratchInstance(o: { threads: number; memoryLimit: string; scratch: string }): Promise<DuckDBInstance> {
  return DuckDBInstance.create(':memory:', {
    threads: String(o.threads),
    memory_limit: o.memoryLimit,
    temp_directory: join(o.scratch, 'spill'),
    preserve_insertion_order: 'true',
  });
}

/** One generation in its own DuckDB instance: records, defects, files; then `then` on its tables. */
async function generation<T>(p: Pass, then: (conn: DuckDBConnection, written: Written[]) => Promise<T>): Promise<T> {
  const { cfg, deliveries, night } = p;
  const instance = await scratchInstance(p);
  const conn = await instance.connect();
  try {
    await conn.run(`set TimeZone = 'UTC'`);
    const pFrom = night ?? p.from;
    const pTo = night ?? p.to;
    await conn.run(`
      set variable seed = ${p.sqlSeed};
      set variable shard = ${p.shard};
      set variable p_from = date ${sqlString(pFrom)};
      set variable p_to = date ${sqlString(pTo)};
      set variable img_from = date ${sqlString(cfg.live_from.billeddiagnostiske_epikriser ?? p.from)};
      set variable notes_from = date ${sqlString(cfg.live_from.notater ?? p.from)};
      set variable a_ramp = ${cfg.a_share_ramp};
      set variable night = ${night ? 'true' : 'false'};
      set variable id_base = ${p.idBase};
      create schema gen;`);
    await conn.run(await sqlFile('macros.sql'));
    await loadPlan(conn, cfg, p.plans, deliveries, !!night);
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
    await conn.run(await sqlFile('expected-parts.sql'));
    profile('expected parts');
    const written = await writeDeliveries(conn, cfg, deliveries, p.place, p.scratch);
    profile('write');
    return await then(conn, written);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

interface ShardRun extends Omit<Pass, 'sqlSeed' | 'shard' | 'idBase' | 'place'> {
  readonly seed: number;
  readonly shards: number;
  readonly out: string;
  readonly truth: string;
  readonly expected: string;
}

/**
 * Shard 0 is the inbox of one generation at the shard's scale; shard k > 0 draws its records with
 * seed * 1000 + k, numbers them from k * ID_STRIDE and gives its patients their own pseudonyms. Its csv,
 * tsv and ndjson rows are appended to the file of the same layout and period (gzip as one more
 * gzip member, Latin-1 re-encoded on the way); Parquet parts are merged at the end. Its truth
 * lines move down by the data lines earlier shards wrote to the file; the expected counts are
 * summed from the shards' parts.
 */
async function generateShards(r: ShardRun): Promise<{ files: number; rows: Record<string, number>; defects: number }> {
  const work = await mkdtemp(join(dirname(r.out), `.${basename(r.out)}.shards-`));
  try {
    const linesBefore = new Map<string, number>();
    const offsets: string[] = [];
    const parquetParts = new Map<string, string[]>();
    const rows: Record<string, number> = {};
    const part = (name: string, k: number) => join(work, `${name}-${k}.parquet`);
    for (let k = 0; k < r.shards; k++) {
      const place = (d: Delivery, file: string): Placement => {
        if (d.format === 'parquet') {
          const path = join(work, `shard-${k}`, file);
          parquetParts.set(file, [...(parquetParts.get(file) ?? []), path]);
          return { path, header: true, append: false };
        }
        const append = linesBefore.has(file);
        return { path: join(r.out, file), header: !append, append };
      };
      await generation({ ...r, sqlSeed: k === 0 ? r.seed : r.seed * 1000 + k, shard: k, idBase: k * ID_STRIDE, place }, async (conn, written) => {
        const maxRec = (await queryRows<{ m: bigint | null }>(conn, Object.values(KIND_TABLES).map((t) => `select max(rec_n) as m from ${t}`).join(' union all ') + ' order by m desc nulls last limit 1'))[0]?.m;
        if (Number(maxRec ?? 0) >= ID_STRIDE) throw new Error(`a shard numbers ${maxRec} records of one system and kind, more than the ${ID_STRIDE} its ids have room for: lower the shard scale`);
        for (const w of written) {
          const before = linesBefore.get(w.file) ?? 0;
          offsets.push(`(${k}, ${sqlString(w.file)}, ${before})`);
          linesBefore.set(w.file, before + w.rows);
        }
        await conn.run(`copy (select *, ${k} as shard from (${truthRecordsSql(r.deliveries)})) to ${sqlString(part('truth', k))} (format parquet)`);
        await conn.run(`copy (select no, month, diagnoser::bigint as diagnoser, a_diagnoser::bigint as a_diagnoser, b_diagnoser::bigint as b_diagnoser,
            epikriser::bigint as epikriser, b_epikriser::bigint as b_epikriser from gen.exp_clinic_months) to ${sqlString(part('clinic-months', k))} (format parquet)`);
        await conn.run(`copy gen.exp_patients to ${sqlString(part('patients', k))} (format parquet)`);
        await conn.run(`copy gen.exp_other to ${sqlString(part('other', k))} (format parquet)`);
        for (const [kind, table] of Object.entries(KIND_TABLES)) rows[kind] = (rows[kind] ?? 0) + Number((await queryRows<{ n: bigint }>(conn, `select count(*) as n from ${table}`))[0]!.n);
      });
      profile(`shard ${k + 1} of ${r.shards}`);
    }

    // the whole: expected counts, truth and Parquet files, in a small instance of its own
    const instance = await scratchInstance(r);
    const conn = await instance.connect();
    try {
      const parts = (name: string) => `read_parquet([${Array.from({ length: r.shards }, (_, k) => sqlString(part(name, k))).join(', ')}])`;
      await conn.run(`set TimeZone = 'UTC'; set variable seed = ${r.seed}; set variable shard = 0; create schema gen;`);
      await conn.run(await sqlFile('macros.sql'));
      await loadPlan(conn, r.cfg, r.plans, r.deliveries, false);
      await conn.run(`
        create table gen.exp_clinic_months as
        select no, month, sum(diagnoser) as diagnoser, sum(a_diagnoser) as a_diagnoser, sum(b_diagnoser) as b_diagnoser,
            sum(epikriser) as epikriser, sum(b_epikriser) as b_epikriser
        from ${parts('clinic-months')} group by no, month;
        create table gen.exp_patients as
        select system, specialty, g_system, g_specialty, registered, sum(patients)::bigint as patients
        from ${parts('patients')} group by all;
        create table gen.exp_other as
        select key, sum(notater)::bigint as notater, sum(laboratoriesvar)::bigint as laboratoriesvar
        from ${parts('other')} group by key;`);
      await conn.run(await sqlFile('expected.sql'));
      await conn.run(`create table gen.line_offsets as select * from (values ${offsets.join(', ')}) as t(shard, file, lines_before)`);
      await writeTruth(
        conn,
        `select t.kind, t.data_kind, t.source_file, t.source_line + coalesce(o.lines_before, 0) as source_line, t.record_id,
            t.journal_system, t.sor_code, t.detail, t.expected_outcome
        from ${parts('truth')} as t
        left join gen.line_offsets as o on o.shard = t.shard and o.file = t.source_file`,
        r.plans, r.truth, r.expected,
      );
      for (const [file, paths] of parquetParts) {
        await mkdir(dirname(join(r.out, file)), { recursive: true });
        // union all keeps the row order of the parts (and the parts that of their files)
        await conn.run(`copy (${paths.map((p) => `select * from read_parquet(${sqlString(p)})`).join(' union all ')}) to ${sqlString(join(r.out, file))} (format parquet)`);
      }
      profile('merge');
      await writeRegister(join(r.out, REGISTER_FILE), r.plans);
      const defects = Number((await queryRows<{ n: bigint }>(conn, `select count(*) as n from gen.truth`))[0]!.n);
      return { files: linesBefore.size + 1, rows, defects };
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
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
  for (const kind of KINDS) {
    const table = KIND_TABLES[kind];
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

async function writeDeliveries(
  conn: DuckDBConnection,
  cfg: GeneratorConfig,
  deliveries: Delivery[],
  place: (d: Delivery, file: string) => Placement,
  scratch: string,
): Promise<Written[]> {
  const reencode = pLimit(2);
  const pending: Array<Promise<void>> = [];
  const written: Written[] = [];
  for (const d of deliveries) {
    const table = KIND_TABLES[d.kind as DataKind];
    const files = await queryRows<{ file: string; file_id: bigint; n: bigint }>(
      conn,
      `select file, file_id, count(*) as n from ${table} where sys = ${sqlString(d.system)} group by file, file_id order by file`,
    );
    const projection = projectionSql(d, cfg);
    for (const { file, file_id, n } of files) {
      const { path, header, append } = place(d, file);
      await mkdir(dirname(path), { recursive: true });
      const query = `select ${projection} from ${table} where file_id = ${file_id} order by line`;
      if (d.encoding === 'latin-1') {
        const tmp = join(scratch, `${written.length}.csv`);
        await conn.run(`copy (${query}) to ${sqlString(tmp)} ${copyOptions(d, header)}`);
        pending.push(reencode(() => toLatin1(tmp, path, d.gzip, append)));
      } else if (append) {
        // a gzip file takes the rows as one more gzip member
        const tmp = join(scratch, `${written.length}-${basename(file)}`);
        await conn.run(`copy (${query}) to ${sqlString(tmp)} ${copyOptions(d, false)}`);
        pending.push(reencode(() => appendTo(tmp, path)));
      } else {
        await conn.run(`copy (${query}) to ${sqlString(path)} ${copyOptions(d, header)}`);
      }
      written.push({ file, delivery: d, rows: Number(n) });
    }
    profile(`write ${d.system} ${d.kind} (${files.length} files)`);
  }
  await Promise.all(pending);
  return written;
}

async function appendTo(from: string, to: string): Promise<void> {
  await pipeline(createReadStream(from), createWriteStream(to, { flags: 'a' }));
  await rm(from);
}

/** DuckDB writes UTF-8 only: re-encode to Latin-1 (and gzip) on the way to the inbox. */
async function toLatin1(from: string, to: string, gzip: boolean, append = false): Promise<void> {
  const encode = new Transform({
    decodeStrings: false,
    transform(chunk: string, _enc, done) {
      const bad = /[^\u0000-\u00ff]/.exec(chunk);
      if (bad) return done(new Error(`character ${JSON.stringify(bad[0])} cannot be written in latin-1 (${to})`));
      done(null, Buffer.from(chunk, 'latin1'));
    },
  });
  const source = createReadStream(from, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const sink = createWriteStream(to, { flags: append ? 'a' : 'w' });
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

/** The ground truth's rows of defective records, from the working tables. */
function truthRecordsSql(deliveries: Delivery[]): string {
  return KINDS.map((kind) => [kind, KIND_TABLES[kind]] as const)
    .map(
      ([kind, table]) => `
      select t.defect as kind, '${kind}' as data_kind, t.file as source_file, t.line as source_line, ${recordIdCase(deliveries, 't.sys')} as record_id,
          t.sys as journal_system, case when t.defect = 'clinic_unknown' then t.sor_out else c.sor end as sor_code,
          t.detail, t.expected as expected_outcome
      from ${table} as t join gen.clinics as c using (no)
      where t.defect is not null`,
    )
    .join('\n union all ');
}

/** Writes the ground truth (defective records and the plan's rows) and gen.expected. */
async function writeTruth(conn: DuckDBConnection, records: string, plans: ClinicPlan[], truth: string, expected: string): Promise<void> {
  const fromPlan = planTruth(plans);
  await conn.run(`
    create or replace table gen.truth as
    select kind, data_kind, source_file, source_line::bigint as source_line, record_id,
        case when record_id is not null then journal_system || ':' || record_id end as record_key,
        journal_system, sor_code, detail, expected_outcome
    from (
        ${records}
        ${fromPlan ? `union all select * from (values ${fromPlan}) as p(kind, data_kind, source_file, source_line, record_id, journal_system, sor_code, detail, expected_outcome)` : ''}
    )
    order by kind, source_file, source_line, sor_code`);
  await mkdir(dirname(truth), { recursive: true });
  await conn.run(`copy gen.truth to ${sqlString(truth)} (format parquet)`);
  await conn.run(`copy gen.expected to ${sqlString(expected)} (format parquet)`);
}
