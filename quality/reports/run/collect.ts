// Gathers what the quality report of one run shows, from the history tables and the
// findings: the JSON document that the HTML and Markdown renderers format.
// With `shareable`, patient identifiers (pseudonyms, record ids) are dropped and
// counts of 1-4 are suppressed (null), and so is every percent they would reveal.
import { NotFound } from '../../../config/errors.ts';
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows, sqlString } from '../../../transforms/db/connection.ts';
import { batchRows } from '../../../transforms/publish/batch.ts';
import { heldRowCounts } from '../../../transforms/publish/release.ts';
import { protectShare, suppressCount, type Pseudonymiser } from '../../report-kit/suppress.ts';
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
  /**
   * The clinics where the check did not pass, the most affected first (at most five): SOR code and
   * name, or a pseudonym and no name in a shareable report.
   */
  readonly clinics: readonly ClinicFigure[];
  /** What the findings say, when rows have reasons of their own (which clinic, analysis, unit): the most frequent first. */
  readonly findings: readonly { reason: string; rows: number | null }[];
}

export interface ClinicFigure {
  readonly clinic: string;
  readonly name: string | null;
  readonly numerator: number | null;
  readonly denominator: number | null;
  readonly percent: number | null;
  readonly outcome: string;
}

/** How the report was made: for its footer, and the zone its times are written in. */
export interface ReportAbout {
  readonly fangstVersion: string | null;
  /** configHash (config/hash.ts) of the configuration the run used. */
  readonly configHash: string | null;
  /** The database, as the configuration names it. */
  readonly database: string | null;
  /** The configured time_zone: every time a person reads is written in it. */
  readonly timeZone: string;
}

/** Rows of a data kind (or of all kinds): read = published + quarantined + rejected. */
export interface RowAccount {
  readonly kind: string;
  readonly read: number | null;
  readonly published: number | null;
  readonly quarantined: number | null;
  readonly rejected: number | null;
}

/** A file that was not loaded, or not loaded whole, and why (the reason as stored, identifiers masked). */
export interface FileNote {
  readonly file: string;
  /** failed (nothing of it loaded; the next run tries again), already_loaded, duplicate_in_run, unrecognised. */
  readonly outcome: string;
  readonly reason: string | null;
}

/** Where every row the run read went, per kind and per file. */
export interface RowAccounting {
  readonly total: RowAccount;
  readonly kinds: readonly RowAccount[];
  /** Per loaded file (not in a shareable report: its counts are per clinic and often small). */
  readonly files: readonly (RowAccount & { readonly file: string; readonly system: string | null })[];
  readonly failed: readonly FileNote[];
  readonly skipped: readonly FileNote[];
  /** Files loaded with a note from staging: how they were read (as Windows-1252, as UTF-8, line by line), columns left out, no records. */
  readonly loadedWithNote: readonly FileNote[];
  /** Clinic register files loaded by the run, with the clinics they hold. */
  readonly register: readonly { file: string; clinics: number }[];
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
  readonly about: ReportAbout;
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
  readonly accounting: RowAccounting;
  readonly counts: { failed: number; warned: number; passed: number; notEvaluated: number };
  /** Failed first, then warned; within each, the most failing rows first. */
  readonly problems: readonly ReportCheck[];
  readonly passed: readonly ReportCheck[];
  readonly notEvaluated: readonly ReportCheck[];
  readonly alerts: readonly { type: string; kind: string; checkId: string | null; scope: string; day: string | null; dayTo: string | null; message: string }[];
  readonly samples: Readonly<Record<string, readonly SampleRow[]>>;
  /**
   * Runs before this one, for the trend chart: rows with error findings, rows read (null when
   * the run left no file ledger) and their percent, and alerts per run.
   */
  readonly runs: readonly { runId: string; runAt: string; rowsWithErrors: number | null; rowsRead: number | null; errorPercent: number | null; alerts: number }[];
  /** Rows per data day and kind over the last 60 days of data up to the run's day, nationally. */
  readonly volume: readonly { kind: string; day: string; rows: number | null }[];
  /** Rows with a data day after the run's day (future dates, which the checks quarantine): not data days. */
  readonly volumeAfterRunDay: readonly { kind: string; rows: number | null; firstDay: string; lastDay: string }[];
}

/** What a report needs besides the database: how it was made, and pseudonyms for a shareable one. */
export interface ReportContext {
  readonly about?: Partial<ReportAbout>;
  /** Clinics of a shareable report are named by these pseudonyms (required when it names any). */
  readonly pseudonymiser?: Pseudonymiser;
}

const trendRuns = 30;
const samplesPerCheck = 5;
const clinicsPerCheck = 5;
const reasonsPerCheck = 5;

export async function collectReport(conn: DuckDBConnection, opts: { runId?: string; shareable?: boolean } & ReportContext): Promise<QualityReportData> {
  return shapeReport(await queryReport(conn, opts.runId, opts.about?.timeZone), opts.shareable ?? false, opts);
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
  readonly runs: readonly { run_id: string; run_at: string; errors: number; alerts: number; read: number | null }[];
  readonly volume: readonly { kind: string; day: string; rows: number }[];
  readonly volumeAfterRunDay: readonly { kind: string; rows: number; first_day: string; last_day: string }[];
  /** The run's loaded files from the ledger (meta.files), the register included. */
  readonly files: readonly { file: string; kind: string; system: string | null; read: number; published: number; quarantined: number; rejected: number }[];
  /** Files the run saw but did not load, and loaded files with a note on how they were read (meta.file_sightings). */
  readonly sightings: readonly { file: string; outcome: string; detail: string | null }[];
  /** Clinic-level results that did not pass, with the clinic's register entry. */
  readonly clinics: readonly { check_id: string; sor_code: string; name: string | null; journal_system: string | null; numerator: number | null; denominator: number | null; percent: number | null; outcome: string }[];
  /** Findings per check and reason. */
  readonly reasons: readonly { check_id: string; kind: string; reason: string; n: number }[];
  /**
   * The run's published diagnoses marked A or B, nationally ('national'), per journal system
   * ('system:<name>') and per clinic ('clinic:<SOR code>'): what the campaign counts of this batch.
   */
  readonly markedPublished: readonly { scope: string; n: number }[];
  readonly timeZone: string;
}

interface ResultRow {
  check_id: string; kind: string; category: string; check_type: string; check_scope: string; severity: string; scope_level: string;
  scope_value: string | null; numerator: number | null; denominator: number | null; percent: number | null; outcome: string; threshold: string | null; message: string | null;
}

type SampleRowRaw = Awaited<ReturnType<typeof sampleRows>>[number];

export async function queryReport(conn: DuckDBConnection, runIdOpt?: string, timeZone = 'Europe/Copenhagen'): Promise<ReportRows> {
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
  // rows read per run from the file ledger, for the rate beside the count (the register is not data)
  const runs = await queryRows<{ run_id: string; run_at: string; errors: number; alerts: number; read: number | null }>(
    conn,
    `with recent as (
        select run_id, run_at, rows_with_errors, alerts from quality.runs
        where run_at <= (select run_at from quality.runs where run_id = ${runId})
        order by run_at desc limit ${trendRuns}
     ),
     read as (
        select run_id, sum(rows_read)::double as n from meta.files
        where kind <> 'register' and run_id in (select run_id from recent) group by run_id
     )
     select recent.run_id, strftime(run_at, '%Y-%m-%dT%H:%M:%SZ') as run_at, rows_with_errors::double as errors, alerts, read.n as read
     from recent left join read using (run_id)
     order by run_at desc`,
  );
  // Data days after the run's own day (in the configured zone) are future dates, which the checks
  // quarantine: plotted, they would stretch the axis by decades. They are counted apart.
  const runDay = `cast(timezone(${sqlString(timeZone)}, (select run_at from quality.runs where run_id = ${runId})) as date)`;
  const volume = await queryRows<{ kind: string; day: string; rows: number }>(
    conn,
    `with recent as (
        select kind, day, sum(rows)::double as rows from quality.volume_history
        where run_at <= (select run_at from quality.runs where run_id = ${runId}) and day <= ${runDay}
        group by kind, day
     ),
     bounds as (select kind, max(day) as last_day from recent group by kind)
     select kind, cast(day as varchar) as day, rows from recent join bounds using (kind)
     where day > last_day - interval 60 day
     order by kind, day`,
  );
  const volumeAfterRunDay = await queryRows<{ kind: string; rows: number; first_day: string; last_day: string }>(
    conn,
    `select kind, sum(rows)::double as rows, cast(min(day) as varchar) as first_day, cast(max(day) as varchar) as last_day
     from quality.volume_history where run_id = ${runId} and day > ${runDay}
     group by kind order by kind`,
  );
  const files = await queryRows<ReportRows['files'][number]>(
    conn,
    `select file_name as file, kind, journal_system as system, rows_read::double as read, rows_published::double as published,
            rows_quarantined::double as quarantined, rows_rejected::double as rejected
     from meta.files where run_id = ${runId} order by kind, file_name`,
  );
  const sightings = await queryRows<ReportRows['sightings'][number]>(
    conn,
    `select file_name as file, outcome, detail from meta.file_sightings
     where run_id = ${runId} and (outcome <> 'loaded' or detail is not null) order by outcome, file_name`,
  );
  const clinics = await queryRows<ReportRows['clinics'][number]>(
    conn,
    `with register as (
        select sor_code, any_value(name) as name, any_value(journal_system) as journal_system from ref.clinics group by sor_code
     )
     select r.check_id, r.scope_value as sor_code, g.name, g.journal_system, r.numerator, r.denominator, r.percent, r.outcome
     from quality.check_results as r left join register as g on g.sor_code = r.scope_value
     -- rows that name no clinic (an unresolved SOR code) make a group of their own: no clinic
     where r.run_id = ${runId} and r.scope_level = 'clinic' and r.scope_value is not null and r.outcome in ('failed', 'warned')
     order by r.check_id, r.scope_value`,
  );
  const reasons = await queryRows<ReportRows['reasons'][number]>(
    conn,
    // the pipeline's reasons name a file and line each: its message says what they have in common
    `select check_id, kind, reason, n from (
        select check_id, kind, reason, count(*)::double as n from quality.row_findings
        where run_id = ${runId} and check_id not like 'pipeline.%' group by all
     )
     qualify row_number() over (partition by check_id, kind order by n desc, reason) <= ${reasonsPerCheck + 1}
     order by check_id, kind, n desc, reason`,
  );
  const markedPublished = run.batch_id === null ? [] : await queryRows<ReportRows['markedPublished'][number]>(
    conn,
    `select case when grouping(journal_system) = 0 then 'system:' || journal_system when grouping(sor_code) = 0 then 'clinic:' || sor_code else 'national' end as scope,
            count(*) filter (where kind in ('A', 'B'))::double as n
     from core.diagnoser where ${await batchRows(conn, 'diagnoser', run.batch_id)}
     group by grouping sets ((), (journal_system), (sor_code))`,
  );
  return { run, results, trends, pipeline, alerts, samples, runs, volume, volumeAfterRunDay, files, sightings, clinics, reasons, markedPublished, timeZone };
}

/** The report document from the queried rows: with `shareable`, without identifiers and small counts. */
export function shapeReport(rows: ReportRows, shareable: boolean, context: ReportContext = {}): QualityReportData {
  const { run, results, trends, pipeline, alerts } = rows;
  const about: ReportAbout = {
    fangstVersion: context.about?.fangstVersion ?? null, configHash: context.about?.configHash ?? null,
    // a path names its owner's folders (a user name, a host): not in a report meant for others
    database: shareable ? null : context.about?.database ?? null, timeZone: context.about?.timeZone ?? rows.timeZone,
  };
  // A clinic in a shareable report: its pseudonym. SOR codes inside a reason become pseudonyms too.
  const clinicLabel = (sor: string) => {
    if (!shareable) return sor;
    if (!context.pseudonymiser) throw new Error('a shareable quality report that names clinics needs a pseudonymiser');
    return context.pseudonymiser.of(sor);
  };
  const sorInText = (t: string) => (shareable ? t.replace(/(?<!\d)\d{11,18}(?!\d)/g, (sor) => clinicLabel(sor)) : t);
  const count = (n: number | null) => (shareable ? suppressCount(n) : n);
  // Messages may carry counts (an alert's "usually 3 a day"): small ones go too.
  // SOR codes in it become pseudonyms, after the small counts (a pseudonym's digits are no count).
  const text = (m: string | null) => (shareable && m != null ? sorInText(m.replace(/(?<![\d.:-])[1-4](?![\d.:-])/g, '<5')) : m);
  // A row's reason may count rows of one clinic or analysis ('3 results; too few elsewhere'): a
  // count the report's cells may hide, and none its suppression sees. A shareable reason keeps
  // no whole number of its own (codes, decimals, ranges and dates stay: they are not counts).
  const reasonText = (t: string) => (shareable ? sorInText(t).replace(/(?<![\w.,:/-])\d{1,10}(?![\w.,:/-])/g, '–') : t);
  const isRowCount = (type: string) => readingOf(type) !== 'age_hours';
  // failing rows of rows checked, or a share of rows: counts that add up over systems
  const isPartOfRows = (type: string) => readingOf(type) === 'failing_rows' || readingOf(type) === 'share';
  const national = results.filter((r) => r.scope_level === 'national');
  const findingsOf = findingsByCheck(rows.reasons, national);
  const clinicsOf = topClinics(rows.clinics, national);
  const accounts = accountsOf(rows.files);
  const table = shareable
    ? disclosureTable(results, new Set(national.filter((r) => isPartOfRows(r.check_type)).map((r) => r.check_id)), {
      clinics: clinicsOf, findings: findingsOf, accounts, markedPublished: rows.markedPublished,
    })
    : null;
  const shown = (checkId: string, scope: string, what: 'num' | 'den') => table === null || table.isShown(cellId(checkId, scope, what));

  // A result's counts and percent as the report may show them: a count the table hides goes,
  // and so does the percent, which times the other count would give it back.
  const protect = (r: ResultRow, scope: string, rowCount: boolean) => {
    if (!shareable) return { numerator: r.numerator, denominator: r.denominator, percent: r.percent };
    if (!rowCount) return { numerator: r.numerator, denominator: r.denominator, percent: r.percent };
    if (r.numerator == null || r.denominator == null) return { numerator: count(r.numerator), denominator: count(r.denominator), percent: r.percent };
    if (!isPartOfRows(r.check_type)) {
      // An aggregate check counts what other parts of the report count under another name
      // (staged_rows_accounted's denominator is a kind's rows read, which the accounting may
      // hide): a shareable report gives its percent only, and not that beside a count of 1-4.
      return { numerator: null, denominator: null, percent: protectShare(r.numerator, r.denominator).suppressed ? null : r.percent };
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
    const clinics = results.filter((s) => s.check_id === r.check_id && s.scope_level === 'clinic' && s.scope_value != null && s.outcome !== 'passed' && s.outcome !== 'not_evaluated').length;
    const mine = protect(r, 'national', rowCount);
    let trend = [...(trendOf.get(r.check_id) ?? [])];
    // Earlier points are often the very same figure (a stable rate, the same rows checked again):
    // beside a hidden percent they would give it back, so the trend goes with it.
    if (shareable && rowCount && mine.percent === null) trend = trend.map(() => null);
    const clinicFigures: ClinicFigure[] = (clinicsOf.get(r.check_id) ?? []).map((c) => {
      const scope = `clinic:${c.sor_code}`;
      const p = rowCount ? protect({ ...r, numerator: c.numerator, denominator: c.denominator, percent: c.percent }, scope, true) : c;
      // a shareable report gives a clinic's failing rows only (see disclosureTable)
      if (shareable) return { clinic: clinicLabel(c.sor_code), name: null, numerator: isPartOfRows(r.check_type) ? p.numerator : null, denominator: null, percent: null, outcome: c.outcome };
      return { clinic: c.sor_code, name: c.name, numerator: c.numerator, denominator: c.denominator, percent: c.percent, outcome: c.outcome };
    });
    const findings = (findingsOf.get(r.check_id) ?? []).map((f, i) => ({
      reason: reasonText(f.reason),
      rows: table === null ? f.n : table.isShown(cellId(r.check_id, `reason:${i}`, 'num')) ? count(f.n) : null,
    }));
    return {
      checkId: r.check_id, kind: r.kind, category: r.category, checkType: r.check_type, checkScope: r.check_scope, severity: r.severity,
      outcome: r.outcome, threshold: r.threshold, message: text(r.message),
      ...mine,
      trend,
      systems,
      clinicsAffected: count(clinics),
      clinics: clinicFigures,
      findings,
    };
  });
  for (const p of pipeline) {
    checks.push({
      checkId: p.check_id, kind: p.kind, category: 'pipeline', checkType: 'pipeline', checkScope: 'row', severity: p.severity,
      outcome: p.severity === 'error' ? 'failed' : 'warned', threshold: null,
      // Pipeline reasons can name a file and line or a SOR code, never a text value; still no counts in shareable ones.
      message: p.check_id.startsWith('pipeline.') ? text(pipelineMessage(p.reason)) : null,
      numerator: count(p.n), denominator: null, percent: null, trend: [], systems: [], clinicsAffected: null, clinics: [], findings: [],
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
    // A shareable alert keeps no robust z: with the usual figure beside it, it gives a hidden
    // count back (usual + z * its scale). Nor a clinic's journal system beside its pseudonym:
    // the shareable campaign names a clinic's system only where 5 clinics share it.
    const message = (shareable ? text(a.message.replace(/\s*\(robust z [^)]*\)/g, ''))?.replace(/(clinic K-[0-9A-Z]+) \([^)]*\)/g, '$1') : a.message) ?? '';
    if (!shareable || a.check_id === null || shownPercent.has(`${a.check_id}\u0000${a.scope}`)) return message;
    return message.replace(/\d+(\.\d+)?\s?%/g, '–%');
  };
  const rank = (o: string) => ({ failed: 0, warned: 1, passed: 2, not_evaluated: 3 })[o] ?? 4;
  checks.sort((a, b) => rank(a.outcome) - rank(b.outcome) || (b.numerator ?? 0) - (a.numerator ?? 0) || a.checkId.localeCompare(b.checkId));

  // A shareable report's sample rows are findings counted in the check's figures: shown only
  // where they cannot count a hidden figure. The check's national count must be shown and more
  // than the samples (all of a check's findings listed would count it), and, for a check with
  // figures per journal system, the count of the system whose file the row is in.
  const systemOf = new Map(rows.files.map((f) => [f.file, f.system]));
  const sampled = new Map<string, number>();
  for (const r of rows.samples) sampled.set(r.check_id, (sampled.get(r.check_id) ?? 0) + 1);
  const sampleShown = (r: SampleRowRaw): boolean => {
    if (!shareable) return true;
    const c = checks.find((x) => x.checkId === r.check_id);
    if (!c || c.numerator === null || c.numerator <= (sampled.get(r.check_id) ?? 0)) return false;
    const system = systemOf.get(r.source_file);
    const bySystem = results.some((s) => s.check_id === r.check_id && s.scope_level === 'system');
    return !bySystem || (system != null && c.systems.some((s) => s.system === system && s.numerator !== null));
  };
  const samples: Record<string, SampleRow[]> = {};
  for (const r of rows.samples.filter(sampleShown)) {
    const sample: SampleRow = shareable
      ? { sourceFile: r.source_file, sourceLine: Number(r.source_line), column: r.column_name, reason: reasonText(r.reason) }
      : { sourceFile: r.source_file, sourceLine: Number(r.source_line), column: r.column_name, reason: r.reason, recordKey: r.record_key, patient: r.patient };
    (samples[r.check_id] ??= []).push(sample);
  }

  const accountShown = (kind: string, what: keyof Omit<RowAccount, 'kind'>, n: number) =>
    table === null || table.isShown(accountCell(kind, what)) ? n : null;
  const account = (a: Account): RowAccount => {
    const parts = { published: accountShown(a.kind, 'published', a.published), quarantined: accountShown(a.kind, 'quarantined', a.quarantined), rejected: accountShown(a.kind, 'rejected', a.rejected) };
    // read is shown where its parts are (it is their sum): see disclosureTable
    const all = parts.published !== null && parts.quarantined !== null && parts.rejected !== null;
    return { kind: a.kind, read: table === null || all ? a.read : null, ...parts };
  };
  const note = (f: ReportRows['sightings'][number]): FileNote => ({ file: f.file, outcome: f.outcome, reason: f.detail });
  const accounting: RowAccounting = {
    total: account(accounts.total),
    kinds: accounts.kinds.map(account),
    files: shareable ? [] : rows.files.filter((f) => f.kind !== 'register').map((f) => ({ ...f })),
    failed: rows.sightings.filter((f) => f.outcome === 'failed').map(note),
    skipped: rows.sightings.filter((f) => f.outcome !== 'failed' && f.outcome !== 'loaded').map(note),
    loadedWithNote: rows.sightings.filter((f) => f.outcome === 'loaded').map(note),
    register: rows.files.filter((f) => f.kind === 'register').map((f) => ({ file: f.file, clinics: f.published })),
  };

  return {
    about,
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
    accounting,
    counts: {
      failed: checks.filter((c) => c.outcome === 'failed').length,
      warned: checks.filter((c) => c.outcome === 'warned').length,
      passed: checks.filter((c) => c.outcome === 'passed').length,
      notEvaluated: checks.filter((c) => c.outcome === 'not_evaluated').length,
    },
    problems: checks.filter((c) => c.outcome === 'failed' || c.outcome === 'warned'),
    passed: checks.filter((c) => c.outcome === 'passed'),
    notEvaluated: checks.filter((c) => c.outcome === 'not_evaluated'),
    alerts: alerts.map((a) => ({ type: a.type, kind: a.kind, checkId: a.check_id, scope: sorInText(a.scope), day: a.day, dayTo: a.day_to, message: alertText(a) })),
    samples,
    // A copy: the rows are shared by both reports of a run.
    runs: [...rows.runs].reverse().map((r) => {
      const errors = count(Number(r.errors));
      // a run's rows read, less its published and quarantined rows, is its rejected rows: a
      // shareable report gives it only where its accounting does, this run's; an earlier run's
      // was protected in that run's table, which this one does not hold
      const readShown = !shareable || (r.run_id === run.run_id && (table === null || table.isShown(accountCell('all', 'read'))));
      const read = r.read == null || !readShown ? null : Number(r.read);
      return {
        runId: r.run_id, runAt: r.run_at, rowsWithErrors: errors, rowsRead: read,
        errorPercent: errors == null || read == null || read === 0 ? null : (100 * errors) / read,
        alerts: r.alerts,
      };
    }),
    volume: rows.volume.map((v) => ({ kind: v.kind, day: v.day, rows: count(Number(v.rows)) })),
    volumeAfterRunDay: rows.volumeAfterRunDay.map((v) => ({ kind: v.kind, rows: count(Number(v.rows)), firstDay: v.first_day, lastDay: v.last_day })),
  };
}

/** The run's rows now in quarantine, and those of them held only by a kind's hold (not yet released). */
async function quarantinedOf(conn: DuckDBConnection, runId: string, held: readonly string[]): Promise<{ quarantined: number; held_rows: number }> {
  const [q] = await queryRows<{ n: bigint }>(conn, `select count(*) as n from core.quarantine where run_id = ${sqlString(runId)}`);
  const heldRows = (await heldRowCounts(conn, runId, held)).reduce((s, h) => s + h.held, 0);
  return { quarantined: Number(q?.n ?? 0), held_rows: heldRows };
}

type Account = RowAccount & { read: number; published: number; quarantined: number; rejected: number };

/** The ledger's rows per kind and in total (the register left out: it is reference data). */
function accountsOf(files: ReportRows['files']): { total: Account; kinds: Account[] } {
  const byKind = new Map<string, Account>();
  const total: Account = { kind: 'all', read: 0, published: 0, quarantined: 0, rejected: 0 };
  for (const f of files) {
    if (f.kind === 'register') continue;
    const k = byKind.get(f.kind) ?? { kind: f.kind, read: 0, published: 0, quarantined: 0, rejected: 0 };
    for (const a of [k, total]) {
      a.read += Number(f.read);
      a.published += Number(f.published);
      a.quarantined += Number(f.quarantined);
      a.rejected += Number(f.rejected);
    }
    byKind.set(f.kind, k);
  }
  return { total, kinds: [...byKind.values()].sort((a, b) => a.kind.localeCompare(b.kind)) };
}

const accountCell = (kind: string, what: string) => `account\u0000${kind}\u0000${what}`;

/** Per check, the clinics that did not pass, most affected first: the most failing rows, or the lowest share. */
function topClinics(clinics: ReportRows['clinics'], national: readonly ResultRow[]): Map<string, ReportRows['clinics'][number][]> {
  const typeOf = new Map(national.map((r) => [r.check_id, r.check_type]));
  const out = new Map<string, ReportRows['clinics'][number][]>();
  for (const c of clinics) out.set(c.check_id, [...(out.get(c.check_id) ?? []), c]);
  for (const [id, list] of out) {
    const share = readingOf(typeOf.get(id) ?? '') === 'share';
    list.sort((a, b) => (share ? (a.percent ?? 0) - (b.percent ?? 0) : (b.numerator ?? 0) - (a.numerator ?? 0)) || a.sor_code.localeCompare(b.sor_code));
    out.set(id, list.slice(0, clinicsPerCheck));
  }
  return out;
}

/**
 * Per check, what its findings say when the rows carry reasons of their own (more than one
 * reason, or one that is not the check's message): the most frequent first.
 */
function findingsByCheck(reasons: ReportRows['reasons'], national: readonly ResultRow[]): Map<string, { reason: string; n: number }[]> {
  const messageOf = new Map(national.map((r) => [r.check_id, r.message ?? '']));
  const by = new Map<string, { reason: string; n: number }[]>();
  for (const r of reasons) {
    if (!messageOf.has(r.check_id)) continue;
    by.set(r.check_id, [...(by.get(r.check_id) ?? []), { reason: r.reason, n: Number(r.n) }]);
  }
  for (const [id, list] of by) {
    const own = list.length > 1 || !messageOf.get(id)!.startsWith(list[0]!.reason);
    if (own) by.set(id, list.slice(0, reasonsPerCheck));
    else by.delete(id);
  }
  return by;
}

const cellId = (checkId: string, scope: string, what: 'num' | 'den' | 'rest') => `${checkId}\u0000${scope}\u0000${what}`;

/** The rows a kind's checks count in a scope: one cell for every check with that many (checks of a kind mostly count the same rows). */
const rowsCell = (kind: string, scope: string, rows: number) => `${kind}\u0000${scope}\u0000rows\u0000${rows}`;

/**
 * The counts of a shareable report as one table for complementary suppression: per check and
 * scope (national, each journal system) failing rows, rows checked and the passing rest
 * (checked = failing + passing), and national = the sum of the systems. Systems the report does
 * not list (their check passed) are unknowns to a reader unless they are 0.
 */
function disclosureTable(
  results: readonly ResultRow[], rowCountChecks: ReadonlySet<string>,
  more: {
    clinics: ReadonlyMap<string, ReportRows['clinics'][number][]>;
    findings: ReadonlyMap<string, { reason: string; n: number }[]>;
    accounts: { total: Account; kinds: readonly Account[] };
    markedPublished: ReportRows['markedPublished'];
  },
): ProtectedTable {
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
  const sharedDen = (r: ResultRow) => rowsCell(r.kind, scopes(r), Number(r.denominator));
  const quarantining: ResultRow[] = [];
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
    if (nationalRow.severity === 'error' && nationalRow.check_scope === 'row' && nationalRow.outcome === 'failed') quarantining.push(nationalRow);
    const systems = rows.filter((r) => r.scope_level === 'system');
    t.sum(cellId(checkId, 'national', 'num'), systems.map((r) => cellId(checkId, scopes(r), 'num')));
    t.sum(cellId(checkId, 'national', 'rest'), systems.map((r) => cellId(checkId, scopes(r), 'rest')));
    t.sum(sharedDen(nationalRow), systems.map(sharedDen));
    // The listed clinics' failing rows: parts of the national figure and of their journal
    // system's (the clinics not listed are the rest, an unknown to a reader). A shareable report
    // shows no clinic's rows checked: with them every clinic would tie its check to the rows
    // of the kind, and the table to protect would grow into one block per kind.
    const clinics = (more.clinics.get(checkId) ?? []).filter((c) => c.numerator != null);
    const clinicCells = clinics.map((c) => ({ c, num: t.cell(cellId(checkId, `clinic:${c.sor_code}`, 'num'), Number(c.numerator)) }));
    if (clinicCells.length) {
      t.sum(cellId(checkId, 'national', 'num'), clinicCells.map((x) => x.num));
      for (const r of systems) {
        const mine = clinicCells.filter((x) => x.c.journal_system === r.scope_value);
        if (mine.length) t.sum(cellId(checkId, scopes(r), 'num'), mine.map((x) => x.num));
      }
    }
    // What the findings say: the rows of each reason are parts of the failing rows.
    const findings = more.findings.get(checkId) ?? [];
    if (findings.length) t.sum(cellId(checkId, 'national', 'num'), findings.map((f, i) => t.cell(cellId(checkId, `reason:${i}`, 'num'), f.n)));
  }
  // Two rows-checked counts of one kind and scope differ by the rows one check counts and the
  // other does not (a check asked of well-formed codes only counts the rows another finds
  // malformed): each is the largest of them less such a difference.
  const dens = new Map<string, { kind: string; scope: string; values: Set<number> }>();
  for (const r of usable) {
    const key = `${r.kind}\u0000${scopes(r)}`;
    const group = dens.get(key) ?? { kind: r.kind, scope: scopes(r), values: new Set<number>() };
    dens.set(key, group);
    group.values.add(Number(r.denominator));
  }
  for (const { kind, scope, values } of dens.values()) {
    const largest = Math.max(...values);
    for (const v of values) {
      if (v !== largest) t.sum(rowsCell(kind, scope, largest), [rowsCell(kind, scope, v), t.cell(`${rowsCell(kind, scope, v)}\u0000outside`, largest - v)]);
    }
  }
  // The row accounting: read = published + quarantined + rejected per kind, each the sum over
  // kinds in the total; and a kind's published + quarantined rows are the rows its checks count
  // (the denominators above), so rejected = read - checked unless those are hidden too.
  const parts = ['published', 'quarantined', 'rejected'] as const;
  for (const a of [...more.accounts.kinds, more.accounts.total]) {
    for (const w of ['read', ...parts] as const) t.cell(accountCell(a.kind, w), a[w]);
    // Rows read minus the rows checked (a denominator above) is the rows rejected: read is
    // therefore shown only where its three parts are, and never decides what else is hidden.
    t.notShown.add(accountCell(a.kind, 'read'));
    t.sum(accountCell(a.kind, 'read'), parts.map((w) => accountCell(a.kind, w)));
    const checked = rowsCell(a.kind, 'national', a.published + a.quarantined);
    if (t.cells.has(checked)) t.sum(checked, [accountCell(a.kind, 'published'), accountCell(a.kind, 'quarantined')]);
  }
  for (const w of ['read', ...parts] as const) t.sum(accountCell('all', w), more.accounts.kinds.map((a) => accountCell(a.kind, w)));
  // The campaign, shareable too, counts the published diagnoses: a reader of both knows them,
  // so they cannot hide the diagnoses quarantined from the rows checked; those have to go
  // instead. (Every kind's published rows are in its batch, but whoever gets the Parquet sees
  // the rows themselves and is no reader this protection is for.)
  t.known.add(accountCell('diagnoser', 'published'));
  // ... and the marked ones among them, nationally, per system and per clinic (the campaign's
  // pseudonyms are the report's). A diagnoser count of this report that is those and at most
  // the quarantined rows (the checks of A/B marking count them among all rows checked) differs
  // from them by marked rows quarantined, a count to protect like any other.
  const quarantinedDiagnoses = more.accounts.kinds.find((a) => a.kind === 'diagnoser')?.quarantined ?? 0;
  const marked = new Map(more.markedPublished.map((m) => [m.scope, m.n]));
  for (const r of usable) {
    if (r.kind !== 'diagnoser' || r.scope_level !== 'national') continue;
    const extra = Number(r.numerator) - (marked.get('national') ?? Number.NaN);
    if (!(extra >= 0 && extra <= quarantinedDiagnoses)) continue;
    const scopesOf = [...usable.filter((x) => x.check_id === r.check_id).map(scopes), ...(more.clinics.get(r.check_id) ?? []).map((c) => `clinic:${c.sor_code}`)];
    for (const scope of scopesOf) {
      const n = marked.get(scope);
      const num = cellId(r.check_id, scope, 'num');
      if (n === undefined || !t.cells.has(num)) continue;
      const published = t.cell(`campaign\u0000${scope}\u0000marked`, n);
      t.known.add(published);
      t.sum(num, [published]);
    }
  }
  // A failing error check of row scope quarantines its failing rows: a kind's quarantined rows
  // are those and others (rows of other such checks, duplicates, a held kind); with no others,
  // the check's count is the kind's quarantined count.
  for (const r of quarantining) {
    const account = more.accounts.kinds.find((a) => a.kind === r.kind);
    if (!account) continue;
    const elsewhere = t.cell(`${r.check_id}\u0000national\u0000quarantined-elsewhere`, account.quarantined - Number(r.numerator));
    t.sum(accountCell(r.kind, 'quarantined'), [cellId(r.check_id, 'national', 'num'), elsewhere]);
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
