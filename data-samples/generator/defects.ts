import type { DuckDBConnection } from '@duckdb/node-api';
import type { Kind } from '../../config/kinds.ts';
import { queryRows, sqlString } from '../../transforms/db/connection.ts';
import type { DefectSpec, GeneratorConfig } from './config.ts';
import { ConfigError } from '../../config/errors.ts';

/** The generator's working table of each data kind (config/kinds.ts): a new kind needs one. */
export const KIND_TABLES: Readonly<Record<Kind, string>> = {
  diagnoser: 'gen.diag',
  epikriser: 'gen.epi',
  billeddiagnostiske_epikriser: 'gen.img',
  notater: 'gen.notes',
  laboratoriesvar: 'gen.lab',
};
export type DataKind = Kind;

const list = (xs: readonly string[]) => `[${xs.map(sqlString).join(', ')}]`;
const kindsOf = (spec: DefectSpec) => (Array.isArray(spec.data_kind) ? spec.data_kind : [spec.data_kind]);

interface DefectContext {
  readonly conn: DuckDBConnection;
  readonly cfg: GeneratorConfig;
  /** Systems whose layout carries A/B spellings. */
  readonly markingSystems: readonly string[];
  /** Systems that write Parquet (typed dates: no impossible dates). */
  readonly parquetSystems: readonly string[];
  readonly night: boolean;
}

/**
 * Puts the configured defects into the working tables. Riding defects modify calibrated
 * records in place; extra defects add records on top (see config/generator.yaml).
 * Every selection is a deterministic top-k by a seeded hash, so counts are exact.
 */
export async function applyDefects(ctx: DefectContext): Promise<void> {
  const { cfg } = ctx;
  let streamNo = 0;
  for (const [name, spec] of Object.entries(cfg.defects)) {
    streamNo += 1;
    for (const kind of kindsOf(spec)) {
      if (!(kind in KIND_TABLES)) continue; // register and clinic defects live in the plan
      const table = KIND_TABLES[kind as DataKind];
      const apply = DEFECTS[name];
      if (!apply) throw new ConfigError('config/generator.yaml', `defects.${name}`, name, `a defect the generator knows: ${Object.keys(DEFECTS).join(', ')}`);
      if (spec.rate === undefined) continue; // per-clinic defects (unit mix-ups, censoring) are made in SQL
      const total = Number((await queryRows<{ n: bigint }>(ctx.conn, `select count(*) as n from ${table}`))[0]!.n);
      if (total === 0) continue;
      const k = Math.max(spec.min ?? 0, Math.round(spec.rate * total));
      const offset = BigInt(streamNo) * 1_000_000_000_000n;
      await apply({ ...ctx, table, kind: kind as DataKind, name, k, offset, stream: streamNo, total });
    }
  }
  await mixups(ctx);
}

interface Apply extends DefectContext {
  readonly table: string;
  readonly kind: DataKind;
  readonly name: string;
  readonly k: number;
  /** Added to a template's uid to give an extra record its own uid. */
  readonly offset: bigint;
  readonly stream: number;
  /** Records in the table before this defect. */
  readonly total: number;
}

/** Picks k eligible calibrated records (by the seeded draw r) into temp table picked. */
async function pick(a: Apply, where = 'true'): Promise<void> {
  // r is one seeded uniform draw per record; each defect starts at its own point of the circle
  // and takes the k eligible records that follow, into temp table `picked`. A band on r wide
  // enough for 20x the records wanted is tried first, so that only a few thousand rows are
  // sorted at national scale; a rare condition that leaves the band short falls back to all.
  const start = (a.stream * 0.618034) % 1;
  const eligible = `defect is null and role is null and expected = 'published' and (${where})`;
  const order = `order by (r - ${start} + 1) % 1, uid limit ${a.k}`;
  const band = Math.min(1, (20 * a.k) / Math.max(1, a.total) + 0.001);
  if (band < 1) {
    await a.conn.run(`create or replace temp table picked as select uid from ${a.table} where ((r - ${start} + 1) % 1) < ${band} and ${eligible} ${order}`);
    const n = await queryRows<{ n: bigint }>(a.conn, `select count(*) as n from picked`);
    if (Number(n[0]!.n) >= a.k) return;
  }
  await a.conn.run(`create or replace temp table picked as select uid from ${a.table} where ${eligible} ${order}`);
}

/** Not in the last month of the period: the record is sent again the month after. */
const notLastMonth = `date_trunc('month', file_day) < date_trunc('month', getvariable('p_to'))`;

/** Modifies k calibrated records in place; `detail` is evaluated after `set`, on the new values. */
async function ride(a: Apply, set: string, where: string, detail: string): Promise<void> {
  await pick(a, where);
  await a.conn.run(`update ${a.table} set ${set}, defect = ${sqlString(a.name)} where uid in (select uid from picked)`);
  await a.conn.run(`update ${a.table} set detail = ${detail} where uid in (select uid from picked)`);
}

/** Adds k copies of calibrated records with the given column overrides, held back by a correct pipeline. */
async function extra(a: Apply, replace: string, where = 'true', expected = 'held', keepRecordNo = false, role?: string): Promise<void> {
  const replaceList = [
    `uid + ${a.offset} as uid`,
    ...(keepRecordNo ? [] : ['null::bigint as rec_n']),
    // file and line are given to added records after the calibrated ones (see finalise)
    'null::varchar as file',
    'null::bigint as file_id',
    'null::bigint as line',
    'null::varchar as day_text',
    `${sqlString(a.name)} as defect`,
    `${sqlString(expected)} as expected`,
    'null::varchar as role',
    replace,
  ].join(', ');
  await pick(a, where);
  await a.conn.run(`insert into ${a.table} select * replace (${replaceList}) from ${a.table} where uid in (select uid from picked)`);
  if (role) await a.conn.run(`update ${a.table} set role = ${sqlString(role)} where uid in (select uid from picked)`);
}

type DefectFn = (a: Apply) => Promise<void>;

const DEFECTS: Record<string, DefectFn> = {
  kind_unknown_spelling: (a) =>
    ride(
      a,
      `kind_raw = gen_pick(['henv_diagnose', 'tillaegsdiagnose', 'midlertidig_diagnose', '?', 'X', 'H', '+'], gen_u('odd-kind', uid))`,
      `kind is null and sys in (${a.markingSystems.map(sqlString).join(', ') || "''"})`,
      `'diagnosis kind "' || kind_raw || '" (neither A nor B; counts as unmarked)'`,
    ),
  sks_unknown: (a) => ride(a, `code = gen_pick(${list(a.cfg.unknown_codes)}, gen_u('unknown-code', uid))`, 'true', `'code ' || code || ' is not in the SKS list'`),
  ydernummer_only: (a) =>
    ride(a, `sor_out = null, yder_out = case when gen_u('yder-pad', uid) < 0.5 and ltrim(yder_out, '0') <> '' then ltrim(yder_out, '0') else yder_out end`, 'true', `'no SOR code; ydernummer ' || yder_out`),
  corrected_redelivery: async (a) => {
    // the correction (the calibrated content) arrives the month after; the first version differs
    await extra(a, `(file_day + interval 1 month)::date as file_day, 'sent again with corrected content' as detail`, notLastMonth, 'published', true, 'corr_original');
    if (a.kind === 'diagnoser') {
      await a.conn.run(`
        update gen.diag set code = x.wrong, expected = 'replaced'
        from (
            select d.uid, sc.codes[1 + (list_position(sc.codes, d.code) % len(sc.codes))] as wrong
            from gen.diag as d join gen.clinics as c using (no) join gen.spec_codes as sc using (specialty)
            where d.role = 'corr_original'
        ) as x
        where gen.diag.uid = x.uid`);
      await a.conn.run(`update gen.diag set expected = 'replaced' where role = 'corr_original'`);
    } else {
      await a.conn.run(`update ${a.table} set text = 'UDKAST: ' || text, expected = 'replaced' where role = 'corr_original'`);
    }
  },
  exact_duplicate: (a) => extra(a, `(file_day + interval 1 month)::date as file_day, 'identical re-send of the record' as detail`, notLastMonth, 'held', true, 'dup_original'),
  sks_malformed: (a) => extra(a, `gen_pick(${list(a.cfg.malformed_codes)}, gen_u('bad-code', uid)) as code_raw, 'malformed code "' || gen_pick(${list(a.cfg.malformed_codes)}, gen_u('bad-code', uid)) || '"' as detail`),
  // a year with its digits swapped: 2025 -> 2052
  future_date: (a) =>
    extra(
      a,
      `make_date(2000 + (year(day) % 10) * 10 + (year(day) % 100) // 10, month(day), least(day(day), 28)) as day, 'date in the future: ' || make_date(2000 + (year(day) % 10) * 10 + (year(day) % 100) // 10, month(day), least(day(day), 28))::varchar as detail`,
    ),
  impossible_date: (a) =>
    extra(a, `gen_pick(['31-02', '30-02', '15-13'], gen_u('bad-date', uid)) as bad_date, 'impossible date (day-month ' || gen_pick(['31-02', '30-02', '15-13'], gen_u('bad-date', uid)) || ')' as detail`, `sys not in (${a.parquetSystems.map(sqlString).join(', ') || "''"})`),
  before_enrolment: (a) =>
    extra(a, `(getvariable('p_from') - to_days((1 + floor(gen_u('early', uid) * 300))::int))::date as day, 'date before the clinic enrolled' as detail`),
  clinic_unknown: (a) =>
    extra(a, `lpad((9000000 + floor(gen_u('unknown-sor', uid) * 999999))::bigint::varchar, 7, '0') || '1000016009' as sor_out, null::varchar as yder_out, 'SOR code not in the register' as detail`),
  cpr_in_id: (a) => extra(a, `gen_cpr(uid) as patient, 'CPR number in the patient field' as detail`),
  cpr_in_text: (a) =>
    extra(
      a,
      // the first one always carries an eCPR replacement number, the rest mostly real-looking CPR numbers
      `text || case when gen_u('cpr-kind', uid) < 0.7 and uid <> (select min(uid) from picked) then ' Pt. cpr ' || gen_cpr(uid) else ' Erstatnings-cpr ' || gen_ecpr(uid) end as text, case when gen_u('cpr-kind', uid) < 0.7 and uid <> (select min(uid) from picked) then 'CPR number in free text' else 'eCPR replacement number in free text' end as detail`,
    ),
  lab_implausible: async (a) => {
    await pick(a, 'value_num is not null and mixup is null');
    await a.conn.run(`
      update gen.lab set
          value_num = round(an.hard_high * (2 + gen_u('implausible', gen.lab.uid)), an.decimals),
          value_text = gen_fmt(round(an.hard_high * (2 + gen_u('implausible', gen.lab.uid)), an.decimals), an.decimals),
          flag = 'for_hoej',
          defect = 'lab_implausible',
          detail = 'above the hard limit ' || an.hard_high::varchar || ' ' || coalesce(an.unit, '')
      from gen.analyses as an
      where an.key = gen.lab.analysis and gen.lab.uid in (select uid from picked)`);
  },
  lab_wrong_unit: (a) => ride(a, `unit = case when analysis = 'alat' then 'mmol/L' else 'U/L' end`, `unit is not null and mixup is null`, `'unit ' || unit || ' for ' || code || ' (' || name || ')'`),
  lab_missing_reference: (a) => ride(a, `ref_low = null, ref_high = null, ref_text = null`, `mixup is null`, `'no reference interval for ' || code`),
  lab_time_order: (a) =>
    ride(a, `resulted_at = sampled_at - to_minutes((10 + floor(gen_u('time-order', uid) * 110))::bigint)`, `resulted_at is not null and mixup is null`, `'result time before sampling time'`),
  lab_censored: async () => {},
  lab_unit_mixup_hba1c: async () => {},
  lab_unit_mixup_hb: async () => {},
};

/** A clinic reports HbA1c in % (DCCT) under the mmol/mol code; another Hb in g/dL under mmol/L. */
async function mixups(ctx: DefectContext): Promise<void> {
  if (ctx.cfg.defects.lab_unit_mixup_hba1c)
    await ctx.conn.run(`
      update gen.lab set
          value_num = round(value_num / 10.929 + 2.15, 1),
          value_text = gen_fmt(round(value_num / 10.929 + 2.15, 1), 1),
          flag = case when round(value_num / 10.929 + 2.15, 1) < 20 then 'for_lav' end,
          defect = 'lab_unit_mixup_hba1c',
          detail = 'HbA1c in % (DCCT) under the mmol/mol code'
      where mixup = 'hba1c' and analysis = 'hba1c' and value_num is not null and defect is null`);
  if (ctx.cfg.defects.lab_unit_mixup_hb)
    await ctx.conn.run(`
      update gen.lab set
          value_num = round(value_num / 0.6206, 1),
          value_text = gen_fmt(round(value_num / 0.6206, 1), 1),
          flag = case when round(value_num / 0.6206, 1) > 10.5 then 'for_hoej' end,
          defect = 'lab_unit_mixup_hb',
          detail = 'Hb in g/dL under the mmol/L code'
      where mixup = 'hb' and analysis = 'hb' and value_num is not null and defect is null`);
}
