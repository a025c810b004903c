// The figures of a lab evaluation, read from its DuckDB file after the checks ran: the usable
// share by analysis, clinic and journal system, each check's count, per-analysis value
// distributions per clinic, the clinics whose distributions are shifted, completeness per field.
// Counts only: no row of the data and no patient identifier ends up here.
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows } from '../../../transforms/db/connection.ts';

export interface UsableGroup {
  readonly key: string;
  readonly label: string;
  readonly rows: number;
  readonly usable: number;
  readonly unusable: number;
  readonly pending: number;
  readonly rejected: number;
}

export interface CheckCount {
  readonly checkId: string;
  readonly category: string;
  readonly severity: string;
  readonly reason: string;
  readonly rows: number;
  readonly percent: number | null;
  /** The column most of its findings name, when they name one. */
  readonly column?: string | null;
}

export interface ClinicDistribution {
  readonly clinic: string;
  readonly system: string | null;
  readonly n: number;
  /** p5, q25, median, q75, p95 in the canonical unit. */
  readonly box: readonly [number, number, number, number, number];
}

export interface Shift {
  readonly analysis: string;
  readonly clinic: string;
  readonly system: string | null;
  readonly n: number;
  readonly median: number;
  readonly restMedian: number;
  /** Results of the other clinics the median is compared with. */
  readonly restCount: number;
  readonly shiftSd: number;
  readonly ratio: number | null;
  readonly likelyUnit: string | null;
  readonly direction: string | null;
  readonly factor: number | null;
  readonly offset: number | null;
}

export interface AnalysisPanel {
  readonly analysis: string;
  readonly name: string;
  readonly canonicalUnit: string | null;
  readonly codeStatus: string;
  readonly rows: number;
  readonly usable: number;
  readonly numeric: number;
  readonly censored: number;
  readonly qualitative: number;
  readonly pending: number;
  readonly units: readonly { unit: string; status: string; rows: number }[];
  readonly qualitativeValues: readonly { value: string; rows: number }[];
  readonly clinics: readonly ClinicDistribution[];
  /** Clinics with numeric results of the analysis; `clinics` holds at most MAX_CLINICS_PER_CHART of them. */
  readonly clinicCount: number;
  readonly shifts: readonly Shift[];
  readonly checks: readonly { checkId: string; rows: number }[];
}

/** Numeric results of one analysis against the reference interval delivered with each of them. */
export interface OutsideReference {
  readonly analysis: string;
  readonly name: string;
  /** Numeric results that carry a lower or an upper limit (in the unit delivered with the value). */
  readonly withInterval: number;
  readonly below: number;
  readonly above: number;
  /** Of the results outside, those whose abnormal flag says so (any spelling: high, low or abnormal). */
  readonly outsideFlagged: number;
}

/**
 * One analysis in one unit as delivered, for every code (local, NPU, LOINC): its share of the
 * analysis' results, the robust picture of its numeric values, and against the analysis' main
 * unit what the medians show (transforms/lab/code_profiles.sql). The distribution is left out
 * (null) below 5 numeric results: a median of fewer is somebody's value.
 */
export interface CodeProfile {
  readonly analysis: string;
  readonly unit: string | null;
  readonly results: number;
  readonly numeric: number;
  /** Of the analysis' results. */
  readonly share: number;
  /** Units the analysis comes in. */
  readonly units: number;
  readonly mainUnit: string | null;
  readonly distribution: { median: number; mad: number; p05: number; p25: number; p75: number; p95: number } | null;
  /** Beside the main unit: as_labelled (convertible), mislabelled, alike, unexplained, too_few; null for the main unit. */
  readonly verdict: string | null;
  /** The known factor from this unit to the main one that best explains the medians. */
  readonly factor: number | null;
  readonly ratioToMain: number | null;
  /** Values flagged lab.outlier. */
  readonly outliers: number;
  /**
   * Why lab.outlier did not judge this unit's values (code_profiles.sql's outliers_not_judged):
   * too_few (fewer than 20 numeric values) or mad_zero (half of them or more are one value, so the
   * MAD is 0 and a robust z-score has no scale); null when it did. `outliers` is 0 for a unit not judged.
   */
  readonly outliersNotJudged: 'too_few' | 'mad_zero' | null;
}

export interface Completeness {
  readonly field: string;
  readonly system: string;
  readonly rows: number;
  readonly present: number;
}

export interface LabSummary {
  readonly rowsRead: number;
  readonly usable: number;
  readonly unusable: number;
  readonly pending: number;
  readonly rejected: number;
  readonly localCodeRows: number;
  readonly convertedUnitRows: number;
  readonly censoredRows: number;
  readonly qualitativeRows: number;
  readonly byAnalysis: readonly UsableGroup[];
  readonly byClinic: readonly UsableGroup[];
  readonly bySystem: readonly UsableGroup[];
  readonly checks: readonly CheckCount[];
  readonly shifts: readonly Shift[];
  readonly panels: readonly AnalysisPanel[];
  /** Analyses with a code: `panels` holds the MAX_PANELS largest. */
  readonly analysisCount: number;
  readonly completeness: readonly Completeness[];
  /** Every analysis with numeric results and a delivered interval, most results outside first. */
  readonly outsideReference: readonly OutsideReference[];
  /**
   * FHIR Observations set apart while reading, as no lab result, by reason (transforms/ingest/fhir.ts
   * FHIR_SET_APART): another category than laboratory, withdrawn, cancelled, a panel that only
   * groups its members, an older version.
   */
  readonly setApart: readonly { reason: string; category: string | null; code: string | null; name: string | null; rows: number }[];
  /** Every analysis in every unit, mixed units first (transforms/lab/code_profiles.sql). */
  readonly codeProfiles: readonly CodeProfile[];
  /** Every local code (the report shows the largest). */
  readonly localCodes: readonly { code: string; name: string | null; rows: number }[];
}

/** Most rows first, ties by check id. */
export const byRows = (a: { rows: number; checkId: string }, b: { rows: number; checkId: string }): number =>
  b.rows - a.rows || (a.checkId < b.checkId ? -1 : a.checkId > b.checkId ? 1 : 0);

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Clinics drawn per analysis: the largest ones, plus every clinic found shifted. */
const MAX_CLINICS_PER_CHART = 24;
/** Panels in the report: the analyses with the most rows (a foreign extract may carry hundreds of local codes). */
export const MAX_PANELS = 60;

/** Reads the figures; lab.usable must exist (quality/reports/lab-quality/sql/usable.sql: a table or a view). */
export async function readLabSummary(conn: DuckDBConnection, runId: string): Promise<LabSummary> {
  // The groups by analysis, clinic and journal system and the totals in one pass over lab.usable
  // (in an evaluation that keeps no database it is a view: read once here, never stored).
  const grouped = await queryRows<Record<string, unknown>>(conn, `
    select
      case when grouping(analysis) = 0 then 'analysis' when grouping(clinic) = 0 then 'clinic'
        when grouping(journal_system) = 0 then 'journal_system' else 'total' end as grp,
      coalesce(analysis, clinic, journal_system, '(none)') as key,
      case
        when grouping(analysis) = 0 then coalesce(any_value(analysis_name), analysis, '(none)')
        else coalesce(clinic, journal_system, '(none)')
      end as label,
      count(*) as rows, count(*) filter (where status = 'usable') as usable, count(*) filter (where status = 'unusable') as unusable,
      count(*) filter (where status = 'pending') as pending, count(*) filter (where status = 'rejected') as rejected,
      count(*) filter (where code_status = 'local') as local, count(*) filter (where unit_status = 'converted') as converted,
      count(*) filter (where value_state = 'censored') as censored, count(*) filter (where value_state = 'qualitative') as qualitative
    from lab.usable
    group by grouping sets ((analysis), (clinic), (journal_system), ())
    order by grp, rows desc, key`);
  const groups = (grp: string): UsableGroup[] => grouped.filter((r) => r.grp === grp).map((r) => ({
    key: String(r.key), label: String(r.label), rows: num(r.rows), usable: num(r.usable), unusable: num(r.unusable),
    pending: num(r.pending), rejected: num(r.rejected),
  }));
  // results rejected while reading have no analysis: their group keeps each measure the sum of its groups
  const byAnalysis = groups('analysis');
  const byClinic = groups('clinic');
  const bySystem = groups('journal_system');
  const totals = grouped.find((r) => r.grp === 'total');

  const checks = (await queryRows<Record<string, unknown>>(conn, `
    select check_id, category, severity, any_value(message) as message, max(numerator) as rows, max(percent) as percent
    from quality.check_results
    where run_id = '${runId}' and kind = 'laboratoriesvar' and scope_level = 'national'
    group by check_id, category, severity
    order by rows desc nulls last, check_id`)).map((r) => ({
    checkId: String(r.check_id), category: String(r.category), severity: String(r.severity), reason: String(r.message ?? ''),
    rows: num(r.rows), percent: numOrNull(r.percent),
  }));
  const pipeline = await queryRows<Record<string, unknown>>(conn, `
    select check_id, any_value(reason) as reason, count(*) as rows from quality.row_findings
    where run_id = '${runId}' and kind = 'laboratoriesvar' and check_id like 'pipeline.%' group by check_id`);
  const allChecks: CheckCount[] = [
    ...pipeline.map((r) => ({
      checkId: String(r.check_id), category: r.check_id === 'pipeline.clinic_cpr' ? 'privacy' : 'conformance', severity: 'error',
      reason: String(r.reason), rows: num(r.rows), percent: null,
    })),
    ...checks,
  ];
  const [reasons] = [await queryRows<{ check_id: string; reason: string; column_name: string | null }>(conn, `
    select check_id, any_value(reason) as reason, mode(column_name) as column_name from quality.row_findings where run_id = '${runId}' group by check_id`)];
  const reasonOf = new Map(reasons.map((r) => [r.check_id, r]));
  // most rows first, the pipeline's findings among the checks': an analyst reads the list from the top
  const checksWithReasons = allChecks.map((c) => ({ ...c, reason: reasonOf.get(c.checkId)?.reason ?? c.reason, column: reasonOf.get(c.checkId)?.column_name ?? null }))
    .sort(byRows);

  const shifts = (await queryRows<Record<string, unknown>>(conn, `
    select * from lab.clinic_shifts where shifted order by analysis, abs(shift_sd) desc`)).map(toShift);

  const panels: AnalysisPanel[] = [];
  const analyses = await queryRows<Record<string, unknown>>(conn, `
    select coalesce(catalogue_code, analysis_code) as analysis, coalesce(any_value(catalogue_name), any_value(analysis_name), analysis) as name,
      any_value(canonical_unit) as canonical_unit, any_value(code_status) as code_status, count(*) as rows,
      count(*) filter (where value_state = 'numeric') as numeric, count(*) filter (where value_state = 'censored') as censored,
      count(*) filter (where value_state = 'qualitative') as qualitative, count(*) filter (where value_state = 'pending') as pending
    from lab.results where analysis_code is not null group by 1 order by rows desc, analysis limit ${MAX_PANELS}`);
  const usableOf = new Map(byAnalysis.map((g) => [g.key, g.usable]));
  // The panels' units, answers, clinics and checks: one grouped query each for all panels, not
  // four per panel (a foreign extract shows up to MAX_PANELS of them).
  const shown = analyses.map((a) => String(a.analysis));
  const inPanels = shown.length ? shown.map((c) => `'${c.replaceAll("'", "''")}'`).join(', ') : 'null';
  const byPanel = <T>(rows: Record<string, unknown>[], toItem: (r: Record<string, unknown>) => T): Map<string, T[]> => {
    const m = new Map<string, T[]>();
    for (const r of rows) {
      const k = String(r.analysis);
      m.set(k, [...(m.get(k) ?? []), toItem(r)]);
    }
    return m;
  };
  const unitsOf = byPanel(await queryRows<Record<string, unknown>>(conn, `
    select coalesce(catalogue_code, analysis_code) as analysis, coalesce(unit_norm, '(none)') as unit, unit_status as status, count(*) as rows
    from lab.results where coalesce(catalogue_code, analysis_code) in (${inPanels})
    group by all order by analysis, rows desc, unit, status`), (u) => ({ unit: String(u.unit), status: String(u.status), rows: num(u.rows) }));
  const answersOf = byPanel(await queryRows<Record<string, unknown>>(conn, `
    select coalesce(catalogue_code, analysis_code) as analysis, qualitative as value, count(*) as rows
    from lab.results where coalesce(catalogue_code, analysis_code) in (${inPanels}) and value_state = 'qualitative'
    group by all order by analysis, rows desc, value`), (q) => ({ value: String(q.value), rows: num(q.rows) }));
  // the values per clinic, each measurement once (lab.measurements)
  const clinicRows = await queryRows<Record<string, unknown>>(conn, `
    with v as (
        select coalesce(catalogue_code, analysis_code) as analysis, clinic, any_value(journal_system) as system, count(*) as n,
          quantile_cont(value_canonical, [0.05, 0.25, 0.5, 0.75, 0.95]) as q
        from lab.measurements
        where coalesce(catalogue_code, analysis_code) in (${inPanels}) and value_state = 'numeric' and value_canonical is not null
        group by all
    ),
    shifted as (select distinct analysis, clinic from lab.clinic_shifts where shifted),
    ranked as (
        select v.*, s.clinic is not null as is_shifted, count(*) over (partition by v.analysis) as clinic_count
        from v left join shifted as s using (analysis, clinic)
    )
    select * from ranked
    qualify row_number() over (partition by analysis order by is_shifted desc, n desc, clinic) <= ${MAX_CLINICS_PER_CHART}
    order by analysis, n desc, clinic`);
  const clinicCountOf = new Map(clinicRows.map((c) => [String(c.analysis), num(c.clinic_count)]));
  const clinicsOf = byPanel(clinicRows, (c) => {
    const q = (c.q as number[]).map(Number);
    return { clinic: String(c.clinic), system: c.system == null ? null : String(c.system), n: num(c.n), box: [q[0]!, q[1]!, q[2]!, q[3]!, q[4]!] as const };
  });
  const checksOf = byPanel(await queryRows<Record<string, unknown>>(conn, `
    select coalesce(r.catalogue_code, r.analysis_code) as analysis, f.check_id, count(distinct (f.source_file, f.source_line)) as rows
    from quality.row_findings as f join lab.results as r using (source_file, source_line)
    where f.run_id = '${runId}' and f.kind = 'laboratoriesvar' and coalesce(r.catalogue_code, r.analysis_code) in (${inPanels})
    group by all order by analysis, rows desc, f.check_id`), (c) => ({ checkId: String(c.check_id), rows: num(c.rows) }));
  for (const a of analyses) {
    const code = String(a.analysis);
    panels.push({
      analysis: code, name: String(a.name), canonicalUnit: a.canonical_unit == null ? null : String(a.canonical_unit), codeStatus: String(a.code_status),
      rows: num(a.rows), usable: usableOf.get(code) ?? 0, numeric: num(a.numeric), censored: num(a.censored), qualitative: num(a.qualitative),
      pending: num(a.pending), units: unitsOf.get(code) ?? [], qualitativeValues: answersOf.get(code) ?? [], clinics: clinicsOf.get(code) ?? [],
      clinicCount: clinicCountOf.get(code) ?? 0, shifts: shifts.filter((s) => s.analysis === code), checks: checksOf.get(code) ?? [],
    });
  }

  const [counted] = await queryRows<{ n: bigint }>(conn, `select count(distinct coalesce(catalogue_code, analysis_code)) as n from lab.results`);

  const fields = ['record_id', 'sor_code', 'patient', 'analysis_code', 'analysis_name', 'value_text', 'unit', 'ref_low', 'ref_high', 'ref_text', 'abnormal_flag', 'result_status', 'sampled_at', 'resulted_at'];
  // One grouped scan counts every field per journal system; only its few rows are turned into
  // (field, system) pairs, not every result into a row per field.
  const presentOf = (f: string) => (f === 'sor_code' ? `count(*) filter (where clinic not like 'ydernummer %' and clinic <> '(no clinic)')` : `count(${f})`);
  const completeness = (await queryRows<Record<string, unknown>>(conn, `
    with counted as (
      select journal_system, count(*) as rows, [${fields.map(presentOf).join(', ')}] as present
      from lab.results
      group by grouping sets ((), (journal_system))
    )
    select field, coalesce(journal_system, '(all)') as system, rows, present[i] as present
    from counted, (values ${fields.map((f, i) => `('${f}', ${i + 1})`).join(', ')}) as f(field, i)
    order by field, system`)).map((r) => ({ field: String(r.field), system: String(r.system), rows: num(r.rows), present: num(r.present) }));

  const localCodes = (await queryRows<Record<string, unknown>>(conn, `
    select analysis_code as code, any_value(analysis_name) as name, count(*) as rows from lab.results
    where code_status = 'local' group by analysis_code order by rows desc, code`)).map((r) => ({
    code: String(r.code), name: r.name == null ? null : String(r.name), rows: num(r.rows),
  }));

  // Each measurement once (lab.measurements: no re-send, no old version). Censored values are
  // left out: "<5" against a lower limit of 10 is below, against 3 unknown.
  const outsideReference = (await queryRows<Record<string, unknown>>(conn, `
    select coalesce(catalogue_code, analysis_code) as analysis,
      coalesce(any_value(catalogue_name), any_value(analysis_name), coalesce(catalogue_code, analysis_code)) as name,
      count(*) as with_interval,
      count(*) filter (where value_num < ref_low) as below,
      count(*) filter (where value_num > ref_high) as above,
      -- flagged the result's way (macros/lab_flag.sql): a high flag below the interval contradicts it
      count(*) filter (where (value_num > ref_high and lab_flag(abnormal_flag) in ('high', 'abnormal'))
        or (value_num < ref_low and lab_flag(abnormal_flag) in ('low', 'abnormal'))) as flagged,
    from lab.measurements
    where value_state = 'numeric' and value_num is not null and (ref_low is not null or ref_high is not null) and analysis_code is not null
      -- limits reversed or equal: no interval to be inside or outside of (reference_invalid)
      and not coalesce(ref_low >= ref_high, false)
    group by 1 order by below + above desc, with_interval desc, analysis`)).map((r) => ({
    analysis: String(r.analysis), name: String(r.name), withInterval: num(r.with_interval), below: num(r.below), above: num(r.above), outsideFlagged: num(r.flagged),
  }));

  const [profilesTable] = await queryRows<{ n: bigint }>(conn, `select count(*) as n from duckdb_tables()
    where database_name = current_database() and schema_name = 'lab' and table_name = 'code_profiles'`);
  const codeProfiles = Number(profilesTable!.n) === 0 ? [] : (await queryRows<Record<string, unknown>>(conn, `
    with outliers as (
        select coalesce(r.catalogue_code, r.analysis_code) as analysis, r.unit_norm, count(*) as n
        from lab.row_findings as f join lab.results as r using (row_id)
        where f.check_name = 'outlier' group by all
    )
    select p.*, coalesce(o.n, 0) as outliers from lab.code_profiles as p
    left join outliers as o on o.analysis = p.analysis and o.unit_norm is not distinct from p.unit_norm
    order by p.units > 1 desc, p.analysis, p.n desc, p.unit_norm`)).map((r) => ({
    analysis: String(r.analysis), unit: r.unit_norm == null ? null : String(r.unit_norm), results: num(r.n), numeric: num(r.n_numeric),
    share: num(r.share), units: num(r.units), mainUnit: r.main_unit == null ? null : String(r.main_unit),
    distribution: num(r.n_numeric) < 5 || r.median == null ? null : {
      median: num(r.median), mad: num(r.mad), p05: num(r.p05), p25: num(r.p25), p75: num(r.p75), p95: num(r.p95),
    },
    verdict: r.verdict == null ? null : String(r.verdict), factor: numOrNull(r.factor), ratioToMain: num(r.n_numeric) < 5 ? null : numOrNull(r.ratio_to_main),
    outliers: num(r.outliers),
    outliersNotJudged: r.outliers_not_judged == null ? null : String(r.outliers_not_judged) as 'too_few' | 'mad_zero',
  }));

  const [apartTable] = await queryRows<{ n: bigint }>(conn, `select count(*) as n from duckdb_tables()
    where database_name = current_database() and schema_name = 'lab' and table_name = 'fhir_set_apart'`);
  const setApart = Number(apartTable!.n) === 0 ? [] : (await queryRows<Record<string, unknown>>(conn, `
    select reason, category, code, any_value(name) as name, count(*) as rows from lab.fhir_set_apart
    group by reason, category, code order by reason, category, rows desc, code`)).map((r) => ({
    reason: String(r.reason), category: r.category == null ? null : String(r.category), code: r.code == null ? null : String(r.code), name: r.name == null ? null : String(r.name), rows: num(r.rows),
  }));

  return {
    rowsRead: num(totals!.rows), usable: num(totals!.usable), unusable: num(totals!.unusable), pending: num(totals!.pending),
    rejected: num(totals!.rejected), localCodeRows: num(totals!.local), convertedUnitRows: num(totals!.converted),
    censoredRows: num(totals!.censored), qualitativeRows: num(totals!.qualitative),
    byAnalysis, byClinic, bySystem, checks: checksWithReasons, shifts, panels, analysisCount: num(counted!.n), completeness, localCodes, setApart, outsideReference, codeProfiles,
  };
}

function toShift(r: Record<string, unknown>): Shift {
  return {
    analysis: String(r.analysis), clinic: String(r.clinic), system: r.journal_system == null ? null : String(r.journal_system),
    n: num(r.n), median: num(r.med), restMedian: num(r.rest_med), restCount: num(r.n_rest), shiftSd: num(r.shift_sd), ratio: numOrNull(r.ratio_median),
    likelyUnit: r.likely_unit == null ? null : String(r.likely_unit), direction: r.likely_direction == null ? null : String(r.likely_direction),
    factor: numOrNull(r.likely_factor), offset: numOrNull(r.likely_offset),
  };
}
