// Gathers what the quality report of one run shows, from the history tables and the
// findings: the JSON document that the HTML and Markdown renderers format.
// With `shareable`, patient identifiers (pseudonyms, record ids) are dropped and
// counts of 1-4 are suppressed (null), and so is every percent they would reveal.
import { NotFound } from '../../../config/errors.ts';
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows, sqlString } from '../../../transforms/db/connection.ts';
import { batchRows } from '../../../transforms/publish/batch.ts';
import { heldRowCounts } from '../../../transforms/publish/release.ts';
import { protectShare, suppressCount } from '../../report-kit/suppress.ts';
import { TableBuilder, type ProtectedTable } from '../../report-kit/protect-table.ts';
import { dataKinds } from '../../definitions.ts';
import { readingOf } from '../../registry.ts';

export interface ReportCheck {
  readonly checkId: string;
  readonly kind: string;
  readonly category: string;
  readonly checkType: string;
  readonly checkScope: string;
  readonly severity: string;
  readonly outcome: string;
  readonly numerator: number | null;
  readonly denominator: number | null;
  readonly percent: number | null;
  readonly threshold: string | null;
  readonly message: string | null;
  /** The national percent of the last runs, oldest first (this run last). */
  readonly trend: readonly (number | null)[];
  /** Systems (and how many clinics) where the check did not pass. */
  readonly systems: readonly { system: string; numerator: number | null; denominator: number | null; percent: number | null; outcome: string }[];
  readonly clinicsAffected: number | null;
}

export interface SampleRow {
  readonly sourceFile: string;
  readonly sourceLine: number;
  readonly column: string | null;
  readonly reason: string;
  /** Not in shareable reports. */
  readonly recordKey?: string | null;
  /** The patient pseudonym; never a CPR number; not in shareable reports. */
  readonly patient?: string | null;
}

export interface QualityReportData {
  readonly runId: string;
  readonly batchId: string | null;
  readonly runAt: string;
  readonly shareable: boolean;
  readonly heldBackKinds: readonly string[];
  readonly rowsWithErrors: number | null;
  /**
   * The run's rows in quarantine: those with errors plus those held only because their kind was
   * held back (rowsHeldBack, what `fangst release` would publish). The terminal's "quarantined".
   */
  readonly rowsQuarantined: number | null;
  readonly rowsHeldBack: number | null;
  readonly counts: { failed: number; warned: number; passed: number; notEvaluated: number };
  /** Failed first, then warned; within each, the most failing rows first. */
  readonly problems: readonly ReportCheck[];
  readonly passed: readonly ReportCheck[];
  readonly notEvaluated: readonly ReportCheck[];
  readonly alerts: readonly { type: string; kind: string; checkId: string | null; scope: string; day: string | null; dayTo: string | null; message: string }[];
  readonly samples: Readonly<Record<string, readonly SampleRow[]>>;
  /** Runs before this one, for the trend chart: rows with error findings and alerts per run. */
  readonly runs: readonly { runId: string; runAt: string; rowsWithErrors: number | null; alerts: number }[];
  /** Rows per data day and kind over the last 60 days of data, nationally. */
  readonly volume: readonly { kind: string; day: string; rows: number | null }[];
}

const trendRuns = 30;
const samplesPerCheck = 5;

export async function collectReport(conn: DuckDBConnection, opts: { runId?: string; shareable?: boolean }): Promise<QualityReportData> {
  return shapeReport(await queryReport(conn, opts.runId), opts.shareable ?? false);
}

/**
 * What both reports of a run show, queried once: the operators' report and the shareable one
 * differ only in what shapeReport leaves out, so a run that writes both asks the database once.
 */
export interface ReportRows {
  readonly run: { run_id: string; batch_id: string | null; run_at: string; held: string[]; errors: number; quarantined: number; held_rows: number };
  readonly results: readonly ResultRow[];
  /** Per check, the national result of the last runs, oldest first (this run last). */
  readonly trends: readonly { check_id: string; percents: (number | null)[]; numerators: (number | null)[]; denominators: (number | null)[] }[];
  readonly pipeline: readonly { check_id: string; kind: string; severity: string; n: number; reason: string }[];
  readonly alerts: readonly { type: string; kind: string; check_id: string | null; scope: string; day: string | null; day_to: string | null; message: string }[];
  /** Sample findings of every check whose national outcome is failed or warned, and of the pipeline's findings. */
  readonly samples: readonly SampleRowRaw[];
  readonly runs: readonly { run_id: string; run_at: string; errors: number; alerts: number }[];
  readonly volume: readonly { kind: string; day: string; rows: number }[];
}

interface ResultRow {
  check_id: string; kind: string; category: string; check_type: string; check_scope: string; severity: string; scope_level: string;
  scope_value: string | null; numerator: number | null; denominator: number | null; percent: number | null; outcome: string; threshold: string | null; message: string | null;
}

type SampleRowRaw = Awaited<ReturnType<typeof sampleRows>>[number];

export async function queryReport(conn: DuckDBConnection, runIdOpt?: string): Promise<ReportRows> {
  const [found] = await queryRows<{ run_id: string; batch_id: string | null; run_at: string; held: string[]; errors: number }>(
    conn,
    `select run_id, batch_id, strftime(run_at, '%Y-%m-%dT%H:%M:%SZ') as run_at, held_back_kinds as held, rows_with_errors::double as errors
     from quality.runs ${runIdOpt ? `where run_id = ${sqlString(runIdOpt)}` : ''} order by run_at desc limit 1`,
  );
  const run = found && { ...found, ...(await quarantinedOf(conn, found.run_id, found.held)) };
  if (!run) throw runIdOpt ? new NotFound('quality run', runIdOpt, '`fangst checks report` without --run takes the latest') : new NotFound('quality run', 'none in this database yet', 'run fangst nightly first');
  const runId = sqlString(run.run_id);
  const results = await queryRows<ResultRow>(conn, `select * exclude (run_id, batch_id, run_at) from quality.check_results where run_id = ${runId}`);
  const trends = await queryRows<ReportRows['trends'][number]>(
    conn,
    `with recent as (
        select run_id, run_at from quality.runs where run_at <= (select run_at from quality.runs where run_id = ${runId})
        order by run_at desc limit ${trendRuns}
     )
     select r.check_id, list(r.percent order by r.run_at) as percents,
            list(r.numerator::double order by r.run_at) as numerators, list(r.denominator::double order by r.run_at) as denominators
     from quality.check_results as r join recent using (run_id)
     where r.scope_level = 'national'
     group by r.check_id`,
  );
  // Findings the pipeline itself makes (duplicates, unresolved clinics, superseded
  // versions) have no declared check: they are listed with the failed checks.
  // Ordered, because the report's sort keeps ties (equal or suppressed counts) in this order.
  const pipeline = await queryRows<{ check_id: string; kind: string; severity: string; n: number; reason: string }>(
    conn,
    `select check_id, kind, any_value(severity) as severity, count(*)::double as n, min(reason) as reason
     from quality.row_findings
     where run_id = ${runId} and check_id not in (select check_id from quality.check_results where run_id = ${runId})
     group by check_id, kind
     -- the report lists findings of equal count in this order: without it, in the order of the hash table
     order by check_id, kind`,
  );
  const alerts = await queryRows<{ type: string; kind: string; check_id: string | null; scope: string; day: string | null; day_to: string | null; message: string }>(
    conn,
    `select alert_type as type, kind, check_id, scope_level || coalesce(' ' || scope_value, '') as scope,
            cast(day as varchar) as day, cast(day_to as varchar) as day_to, message
     from quality.alerts where run_id = ${runId} order by alert_type, kind, scope_value, day`,
  );
  // The checks a report lists as problems (shapeReport): failed or warned nationally, and every pipeline finding.
  const problemIds = [
    ...results.filter((r) => r.scope_level === 'national' && (r.outcome === 'failed' || r.outcome === 'warned')).map((r) => r.check_id),
    ...pipeline.map((p) => p.check_id),
  ];
  const samples = problemIds.length ? await sampleRows(conn, runId, run.batch_id, problemIds) : [];
  const runs = await queryRows<{ run_id: string; run_at: string; errors: number; alerts: number }>(
    conn,
    `select run_id, strftime(run_at, '%Y-%m-%dT%H:%M:%SZ') as run_at, rows_with_errors::double as errors, alerts
     from quality.runs where run_at <= (select run_at from quality.runs where run_id = ${runId})
     order by run_at desc limit ${trendRuns}`,
  );
  const volume = await queryRows<{ kind: string; day: string; rows: number }>(
    conn,
    `with recent as (
        select kind, day, sum(rows)::double as rows from quality.volume_history
        where run_at <= (select run_at from quality.runs where run_id = ${runId})
        group by kind, day
     ),
     bounds as (select kind, max(day) as last_day from recent group by kind)
     select kind, cast(day as varchar) as day, rows from recent join bounds using (kind)
     where day > last_day - interval 60 day
     order by kind, day`,
  );
  return { run, results, trends, pipeline, alerts, samples, runs, volume };
}

/** The report document from the queried rows: with `shareable`, without identifiers and small counts. */
export function shapeReport(rows: ReportRows, shareable: boolean): QualityReportData {
  const { run, results, trends, pipeline, alerts } = rows;
  const count = (n: number | null) => (shareable ? suppressCount(n) : n);
  // Messages may carry counts (an alert's "usually 3 a day"): small ones go too.
  const text = (m: string | null) => (shareable && m != null ? m.replace(/(?<![\d.:-])[1-4](?![\d.:-])/g, '<5') : m);
  const isRowCount = (type: string) => readingOf(type) !== 'age_hours';
  // failing rows of rows checked, or a share of rows: counts that add up over systems
  const isPartOfRows = (type: string) => readingOf(type) === 'failing_rows' || readingOf(type) === 'share';
  const national = results.filter((r) => r.scope_level === 'national');
  const table = shareable ? disclosureTable(results, new Set(national.filter((r) => isPartOfRows(r.check_type)).map((r) => r.check_id))) : null;
  const shown = (checkId: string, scope: string, what: 'num' | 'den') => table === null || table.isShown(cellId(checkId, scope, what));

  // A result's counts and percent as the report may show them: a count the table hides goes,
  // and so does the percent, which times the other count would give it back.
  const protect = (r: ResultRow, scope: string, rowCount: boolean) => {
    if (!shareable) return { numerator: r.numerator, denominator: r.denominator, percent: r.percent };
    if (!rowCount) return { numerator: r.numerator, denominator: r.denominator, percent: r.percent };
    if (r.numerator == null || r.denominator == null) return { numerator: count(r.numerator), denominator: count(r.denominator), percent: r.percent };
    if (!isPartOfRows(r.check_type)) {
      const p = protectShare(r.numerator, r.denominator);
      return { numerator: p.numerator, denominator: count(p.denominator), percent: p.suppressed ? null : r.percent };
    }
    const num = shown(r.check_id, scope, 'num');
    const den = shown(r.check_id, scope, 'den');
    return { numerator: num ? r.numerator : null, denominator: den ? r.denominator : null, percent: num && den ? r.percent : null };
  };
  // Earlier runs' points of the trend: a point whose run had 1-4 failing rows or 1-4 passing
  // ones goes, as it does in that run's own shareable report.
  const trendOf = new Map(
    trends.map((t) => [
      t.check_id,
      t.percents.map((p, i) => {
        if (p == null) return null;
        if (!shareable) return Number(p);
        const num = t.numerators[i];
        const den = t.denominators[i];
        return num != null && den != null && protectShare(Number(num), Number(den)).suppressed ? null : Number(p);
      }),
    ]),
  );

  const checks: ReportCheck[] = national.map((r) => {
    const rowCount = isRowCount(r.check_type);
    const systems = results
      .filter((s) => s.check_id === r.check_id && s.scope_level === 'system' && s.outcome !== 'passed' && s.outcome !== 'not_evaluated')
      .map((s) => ({ system: s.scope_value ?? '', outcome: s.outcome, ...protect(s, `system:${s.scope_value ?? ''}`, rowCount) }));
    const clinics = results.filter((s) => s.check_id === r.check_id && s.scope_level === 'clinic' && s.outcome !== 'passed' && s.outcome !== 'not_evaluated').length;
    const mine = protect(r, 'national', rowCount);
    let trend = [...(trendOf.get(r.check_id) ?? [])];
    // Earlier points are often the very same figure (a stable rate, the same rows checked again):
    // beside a hidden percent they would give it back, so the trend goes with it.
    if (shareable && rowCount && mine.percent === null) trend = trend.map(() => null);
    return {
      checkId: r.check_id, kind: r.kind, category: r.category, checkType: r.check_type, checkScope: r.check_scope, severity: r.severity,
      outcome: r.outcome, threshold: r.threshold, message: text(r.message),
      ...mine,
      trend,
      systems,
      clinicsAffected: count(clinics),
    };
  });
  for (const p of pipeline) {
    checks.push({
      checkId: p.check_id, kind: p.kind, category: 'pipeline', checkType: 'pipeline', checkScope: 'row', severity: p.severity,
      outcome: p.severity === 'error' ? 'failed' : 'warned', threshold: null,
      // Pipeline reasons can name a file and line or a SOR code, never a text value; still no counts in shareable ones.
      message: p.check_id.startsWith('pipeline.') ? text(pipelineMessage(p.reason)) : null,
      numerator: count(p.n), denominator: null, percent: null, trend: [], systems: [], clinicsAffected: null,
    });
  }
  // A failure-rate alert names the percent of a check in a scope: where the report hides that
  // percent (or never shows it, as for clinics), the alert's percentages go too.
  const shownPercent = new Set<string>();
  for (const c of checks) {
    if (c.percent !== null) shownPercent.add(`${c.checkId}\u0000national`);
    for (const s of c.systems) if (s.percent !== null) shownPercent.add(`${c.checkId}\u0000system ${s.system}`);
  }
  const alertText = (a: ReportRows['alerts'][number]): string => {
    const message = text(a.message) ?? '';
    if (!shareable || a.check_id === null || shownPercent.has(`${a.check_id}\u0000${a.scope}`)) return message;
    return message.replace(/\d+(\.\d+)?\s?%/g, '–%');
  };
  const rank = (o: string) => ({ failed: 0, warned: 1, passed: 2, not_evaluated: 3 })[o] ?? 4;
  checks.sort((a, b) => rank(a.outcome) - rank(b.outcome) || (b.numerator ?? 0) - (a.numerator ?? 0) || a.checkId.localeCompare(b.checkId));

  const samples: Record<string, SampleRow[]> = {};
  for (const r of rows.samples) {
    const sample: SampleRow = shareable
      ? { sourceFile: r.source_file, sourceLine: Number(r.source_line), column: r.column_name, reason: r.reason }
      : { sourceFile: r.source_file, sourceLine: Number(r.source_line), column: r.column_name, reason: r.reason, recordKey: r.record_key, patient: r.patient };
    (samples[r.check_id] ??= []).push(sample);
  }

  return {
    runId: run.run_id,
    batchId: run.batch_id,
    runAt: run.run_at,
    shareable,
    heldBackKinds: run.held,
    rowsWithErrors: count(Number(run.errors)),
    // quarantined = with errors + held back: with one of the three hidden, the other two would give it back.
    ...(shareable && [run.errors, run.quarantined, run.held_rows].some((n) => suppressCount(Number(n)) === null)
      ? { rowsQuarantined: null, rowsHeldBack: null }
      : { rowsQuarantined: count(run.quarantined), rowsHeldBack: count(run.held_rows) }),
    counts: {
      failed: checks.filter((c) => c.outcome === 'failed').length,
      warned: checks.filter((c) => c.outcome === 'warned').length,
      passed: checks.filter((c) => c.outcome === 'passed').length,
      notEvaluated: checks.filter((c) => c.outcome === 'not_evaluated').length,
    },
    problems: checks.filter((c) => c.outcome === 'failed' || c.outcome === 'warned'),
    passed: checks.filter((c) => c.outcome === 'passed'),
    notEvaluated: checks.filter((c) => c.outcome === 'not_evaluated'),
    alerts: alerts.map((a) => ({ type: a.type, kind: a.kind, checkId: a.check_id, scope: a.scope, day: a.day, dayTo: a.day_to, message: alertText(a) })),
    samples,
    // A copy: the rows are shared by both reports of a run.
    runs: [...rows.runs].reverse().map((r) => ({ runId: r.run_id, runAt: r.run_at, rowsWithErrors: count(Number(r.errors)), alerts: r.alerts })),
    volume: rows.volume.map((v) => ({ kind: v.kind, day: v.day, rows: count(Number(v.rows)) })),
  };
}

/** The run's rows now in quarantine, and those of them held only by a kind's hold (not yet released). */
async function quarantinedOf(conn: DuckDBConnection, runId: string, held: readonly string[]): Promise<{ quarantined: number; held_rows: number }> {
  const [q] = await queryRows<{ n: bigint }>(conn, `select count(*) as n from core.quarantine where run_id = ${sqlString(runId)}`);
  const heldRows = (await heldRowCounts(conn, runId, held)).reduce((s, h) => s + h.held, 0);
  return { quarantined: Number(q?.n ?? 0), held_rows: heldRows };
}

const cellId = (checkId: string, scope: string, what: 'num' | 'den' | 'rest') => `${checkId}\u0000${scope}\u0000${what}`;

/**
 * The counts of a shareable report as one table for complementary suppression: per check and
 * scope (national, each journal system) failing rows, rows checked and the passing rest
 * (checked = failing + passing), and national = the sum of the systems. Systems the report does
 * not list (their check passed) are unknowns to a reader unless they are 0.
 */
function disclosureTable(results: readonly ResultRow[], rowCountChecks: ReadonlySet<string>): ProtectedTable {
  const t = new TableBuilder();
  const denOf = new Map<string, string>();
  const scopes = (r: ResultRow) => (r.scope_level === 'national' ? 'national' : `system:${r.scope_value ?? ''}`);
  const usable = results.filter(
    (r) => rowCountChecks.has(r.check_id) && (r.scope_level === 'national' || r.scope_level === 'system') && r.numerator != null && r.denominator != null,
  );
  const byCheck = new Map<string, ResultRow[]>();
  for (const r of usable) byCheck.set(r.check_id, [...(byCheck.get(r.check_id) ?? []), r]);
  // The checks of one kind mostly count the same rows: a denominator hidden in one check but
  // shown in another would give it away, so equal denominators of one kind and scope are one cell.
  const sharedDen = (r: ResultRow) => `${r.kind}\u0000${scopes(r)}\u0000rows\u0000${Number(r.denominator)}`;
  for (const [checkId, rows] of byCheck) {
    const nationalRow = rows.find((r) => r.scope_level === 'national');
    for (const r of rows) {
      const num = t.cell(cellId(checkId, scopes(r), 'num'), Number(r.numerator));
      const den = t.cell(sharedDen(r), Number(r.denominator));
      denOf.set(cellId(checkId, scopes(r), 'den'), den);
      const rest = t.cell(cellId(checkId, scopes(r), 'rest'), Number(r.denominator) - Number(r.numerator));
      t.sum(den, [num, rest]);
      const listed = r.scope_level === 'national' || (r.outcome !== 'passed' && r.outcome !== 'not_evaluated');
      if (!listed) for (const id of [num, den, rest]) if (t.cells.get(id) !== 0) t.notShown.add(id);
    }
    if (!nationalRow) continue;
    const systems = rows.filter((r) => r.scope_level === 'system');
    t.sum(cellId(checkId, 'national', 'num'), systems.map((r) => cellId(checkId, scopes(r), 'num')));
    t.sum(cellId(checkId, 'national', 'rest'), systems.map((r) => cellId(checkId, scopes(r), 'rest')));
    t.sum(sharedDen(nationalRow), systems.map(sharedDen));
  }
  const table = t.protect();
  // callers ask by check; a denominator answers for its shared cell
  return { ...table, isShown: (id) => table.isShown(denOf.get(id) ?? id) };
}

/**
 * Up to five findings per check, with the patient pseudonym looked up in the
 * published rows or the quarantine. A pseudonym that holds a CPR number is withheld.
 */
async function sampleRows(conn: DuckDBConnection, runId: string, batchId: string | null, checkIds: readonly string[]) {
  // work.* are views over the run's temporary tables (transforms/run.ts): in another process they
  // name nothing. After the commit every row of work.* is in core.* or core.quarantine anyway.
  const tables = new Set((await queryRows<{ t: string }>(conn, `select table_schema || '.' || table_name as t from information_schema.tables
    where table_type = 'BASE TABLE'`)).map((r) => r.t));
  // Only the run's own batch, found without reading every published row (publish/batch.ts, batchRows).
  const batch = batchId === null ? 'null' : sqlString(batchId);
  const published: string[] = [];
  for (const k of dataKinds.filter((kind) => tables.has(`core.${kind}`))) {
    const rows = batchId === null ? `batch_id = ${batch}` : await batchRows(conn, k, batchId);
    published.push(`select '${k}' as kind, record_key, source_file, source_line, patient from core.${k} where ${rows}`);
  }
  const quarantined = `select kind, record_key, source_file, source_line, json_extract_string(record, '$.patient') as patient
    from core.quarantine where batch_id = ${batch}`;
  const working = dataKinds
    .filter((k) => tables.has(`work.${k}`))
    .map((k) => `select '${k}' as kind, record_key, source_file, source_line, patient from work.${k}`);
  const sources = [...published, quarantined, ...working].join('\nunion all\n');
  return queryRows<{ check_id: string; source_file: string; source_line: number; column_name: string | null; reason: string; record_key: string | null; patient: string | null }>(
    conn,
    `with picked as (
        select *, row_number() over (partition by check_id order by source_file, source_line, column_name) as nth
        from quality.row_findings
        where run_id = ${runId} and check_id in (${checkIds.map(sqlString).join(', ')})
        qualify nth <= ${samplesPerCheck}
     ),
     rows as (${sources}),
     final as (
        select p.check_id, p.source_file, p.source_line::double as source_line, p.column_name, p.reason, p.record_key,
               -- anything with 6+ digits in a row could be a CPR number: never shown
               any_value(case when regexp_matches(r.patient, '[0-9]{6}') then '(withheld)' else r.patient end) as patient
        from picked as p
        left join rows as r on r.kind = p.kind and r.source_file = p.source_file and r.source_line = p.source_line
        group by all
     )
     select * from final order by check_id, source_file, source_line, column_name`,
  );
}

/** One reason of a pipeline finding, as a summary: no file or batch that only one row has. */
function pipelineMessage(reason: string): string {
  const general = reason.replace(/ (of|in) \S+ line \d+$/, '').replace(/ in batch \S+$/, '');
  return general === reason ? `for example: ${reason}` : general;
}
