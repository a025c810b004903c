// What `fangst lab-quality` leaves in its output folder: the analyst report (report.html), the
// figures (summary.json), every flagged row with its reasons (flagged-rows.parquet, .csv,
// .json) and the DuckDB file itself for further SQL.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows, sqlIdent, sqlString } from '../../../transforms/db/connection.ts';
import { FHIR_OTHER_RESOURCE } from '../../../transforms/ingest/fhir.ts';
import { spreadsheetTextSql } from '../../report-kit/csv.ts';
import { maskIdentifiers, maskIdentifiersDeep } from '../../../transforms/privacy/identifiers.ts';
import { renderLabReport } from './render-html.ts';
import { CANCELLED_REASON } from './statuses.ts';
import { readLabSummary, type LabSummary } from './collect.ts';
import { labCell, protectLabFigures, shareableSummary, shownFiles, type LabFile } from './protect.ts';
import { showEverything, type ProtectedTable } from '../../report-kit/protect-table.ts';

const sqlDir = join(dirname(fileURLToPath(import.meta.url)), 'sql');

export interface LabOutputs {
  readonly dir: string;
  /** Null unless kept (--keep-database). */
  readonly database: string | null;
  readonly report: string;
  readonly summaryJson: string;
  /** Null unless asked for (OutputContext.ownReport): every count shown, not for sharing. */
  readonly ownReport: string | null;
  readonly ownSummaryJson: string | null;
  readonly flaggedParquet: string;
  readonly flaggedCsv: string;
  /** Null unless asked for (OutputContext.flaggedJson). */
  readonly flaggedJson: string | null;
  readonly flaggedRows: number;
  readonly summary: LabSummary;
  /** Why the extract cannot be used as it stands (a file rejected whole, nothing usable): the command then fails. */
  readonly problems: readonly string[];
  /** A few lines for the terminal. */
  readonly text: string;
}

export interface OutputContext {
  readonly outDir: string;
  /** lab-quality.duckdb when it is kept (--keep-database), else null. */
  readonly dbFile: string | null;
  readonly runId: string;
  readonly now: Date;
  readonly files: readonly LabFile[];
  readonly ignored: readonly { file: string; reason: string }[];
  readonly mappingFile: string | null;
  /** False when no clinic register was among the inputs (clinics are named as delivered). */
  readonly registerGiven: boolean;
  /** How the evaluation was framed (as-of date, delivery time, shifted dates, time zone, no clinic). */
  readonly notes?: readonly string[];
  /** The extract names no clinic: per-clinic parts of the report say "not applicable". */
  readonly noClinic?: boolean;
  /**
   * The zone flagged-rows.csv writes its times in (the mapping's time zone, else the configured
   * one: the zone the findings show times in), named in the time columns' headers.
   */
  readonly shownZone: string;
  /** flagged-rows.csv in the Danish Excel style: `;`, decimal comma, BOM (as campaign and monitor). */
  readonly danishCsv?: boolean;
  /**
   * Also flagged-rows.json. Only on request: it spells every flagged row out as text, by far the
   * largest output, where Parquet and CSV hold the same rows.
   */
  readonly flaggedJson?: boolean;
  /**
   * Also the analyst's own report-own.html and summary-own.json: every count shown, 1-4 included,
   * for an evaluation that stays with the analyst. report.html and summary.json are written as always.
   */
  readonly ownReport?: boolean;
}

/** The own report's files (OutputContext.ownReport): named apart from the shareable ones. */
export const OWN_REPORT = 'report-own.html';
export const OWN_SUMMARY = 'summary-own.json';

/**
 * What makes an evaluation fail: lab files rejected whole, or no usable result at all. With
 * `table`, for the report and summary.json: the number of results only where it may be shown.
 */
export function evaluationProblems(summary: LabSummary, files: OutputContext['files'], table?: ProtectedTable): string[] {
  const lab = files.filter((f) => f.role !== 'register');
  const problems = lab.filter((f) => f.error !== null).map((f) => `${f.file} was rejected whole: ${f.error}`);
  if (summary.rowsRead === 0) problems.push('no lab result could be read');
  else if (summary.usable === 0) {
    const nothing = table && !table.isShown(labCell.total('rows')) ? 'nothing is usable: none of the lab results' : `nothing is usable: 0 of ${summary.rowsRead} lab results`;
    // the one cause an analyst looks for first (a CPR number as the patient makes every result unusable)
    // (a check that flagged no row is no cause: one that found no rows to check says so in its reason)
    const top = [...summary.checks].filter((c) => c.severity === 'error' && c.rows > 0).sort((a, b) => b.rows - a.rows)[0];
    const field = top?.column ? ` (${top.column})` : '';
    const why = top !== undefined ? `; ${top.rows >= summary.unusable ? 'every unusable one has' : 'the commonest error'} ${top.checkId}: ${top.reason}${field}`
      : summary.rejected > 0 ? '; the lines were rejected while reading (flagged-rows.csv gives each line and why)' : '';
    problems.push(`${nothing}${why}`);
  }
  return problems;
}

async function model(name: string): Promise<string> {
  return (await readFile(join(sqlDir, `${name}.sql`), 'utf8')).replace(/;\s*$/, '');
}

/**
 * Writes the evaluation's outputs. With `flaggedOn`, a second connection to the same database,
 * the flagged rows are masked and written there while this connection reads the figures and the
 * report is rendered: DuckDB's part of the one and JavaScript's of the other overlap on two cores.
 */
export async function writeLabOutputs(conn: DuckDBConnection, ctx: OutputContext, flaggedOn: DuckDBConnection = conn): Promise<LabOutputs> {
  // a table for further SQL in a kept database; otherwise read once, by readLabSummary
  await conn.run(`create or replace ${ctx.dbFile ? 'table' : 'view'} lab.usable as ${await model('usable')}`);
  const flagged = writeFlaggedRows(flaggedOn, ctx);
  const figures = flaggedOn === conn ? flagged.then(() => writeFigures(conn, ctx)) : writeFigures(conn, ctx);
  // both settled before either's error is thrown: the caller closes the database on an error, and
  // must not while a statement of the other still runs
  const [written, shown] = await Promise.allSettled([flagged, figures]);
  if (written.status === 'rejected') throw written.reason;
  if (shown.status === 'rejected') throw shown.reason;
  const { n, paths } = written.value;
  const { summary, files, ignored, problems, notes, summaryJson, report, own, tooLong, heldBack } = shown.value;
  const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)}%` : '-');
  const text = [
    ...problems.map((p) => `NOT USABLE: ${p}`),
    ...notes,
    `lab results read: ${summary.rowsRead} in ${files.filter((f) => f.role !== 'register').length} files`,
    ...(ignored.length ? [`files not read: ${ignored.length} (${ignored.slice(0, 5).map((i) => `${i.file}: ${i.reason}`).join('; ')}${ignored.length > 5 ? '; all in the report' : ''})`] : []),
    ...(ctx.registerGiven ? [] : ['no clinic register given: clinics are named as delivered']),
    `usable: ${summary.usable} (${pct(summary.usable, summary.rowsRead)}), unusable: ${summary.unusable}, not yet answered: ${summary.pending}, rejected: ${summary.rejected}`,
    ...topProblemLines(summary),
    ...(tooLong.length ? [
      `lines too long to read, their results lost (rejected): ${tooLong.length} (the limit counts the whole line, columns no mapping reads included)`,
      ...tooLong.slice(0, TOO_LONG_SHOWN).map((r) => `  ${r.source_file} line ${r.source_line}: ${r.reason}`),
      ...(tooLong.length > TOO_LONG_SHOWN ? [`  and ${tooLong.length - TOO_LONG_SHOWN} more in flagged-rows.csv`] : []),
    ] : []),
    ...(heldBack.lines ? [
      `lines rejected while reading, their results not evaluated: ${heldBack.lines}${heldBack.lines > heldBack.first.length ? `, the first ${heldBack.first.length}` : ''} (all in flagged-rows.csv)`,
      ...heldBack.first.map((r) => `  ${r.source_file} line ${r.source_line}: ${r.reason}`),
    ] : []),
    ...summary.shifts.map((s) => `shifted: ${s.analysis} at clinic ${s.clinic}: median ${round(s.median)}`
      + (s.restCount >= 30 ? ` vs ${round(s.restMedian)} elsewhere` : ` (${s.n} results, too few elsewhere to compare)`)
      + (s.likelyUnit ? `, looks like ${s.likelyUnit} (factor ${round(s.factor ?? 0, 4)})` : '')),
    ...setApartLines(summary.setApart),
    `flagged rows: ${Number(n)}`,
    `report: ${report}`,
    ...(own ? [`own report: ${own.report} and ${OWN_SUMMARY} (every count, 1-4 included: not for sharing)`] : []),
    // beside the report, but unlike it: what was delivered, identifiers and all
    ...(ctx.dbFile ? [`database: ${ctx.dbFile} (the extract as delivered, identifiers included: not for sharing)`] : []),
    '',
  // Each figure above is masked, but a line joins them: an analysis code that is a date beside a
  // name of four digits reads as one number ("most in 150385 1037"), so every line is masked whole.
  ].map((line) => maskIdentifiers(line)).join('\n');
  return {
    dir: ctx.outDir, database: ctx.dbFile, report, summaryJson, ownReport: own?.report ?? null, ownSummaryJson: own?.summaryJson ?? null,
    flaggedParquet: paths.parquet, flaggedCsv: paths.csv, flaggedJson: paths.json,
    flaggedRows: Number(n), summary, problems, text,
  };
}

/**
 * The figures (read from lab.usable, masked), summary.json and the report, as the reader may see
 * them: what the terminal's lines need besides.
 */
async function writeFigures(conn: DuckDBConnection, ctx: OutputContext) {
  // Codes, units, names and file names are as delivered: the figures go out masked.
  const summary = maskIdentifiersDeep(await readLabSummary(conn, ctx.runId));
  const files = maskIdentifiersDeep(ctx.files);
  const ignored = maskIdentifiersDeep(ctx.ignored);
  const mappingFile = maskIdentifiersDeep(ctx.mappingFile);
  const summaryJson = join(ctx.outDir, 'summary.json');
  const problems = evaluationProblems(summary, files);
  const notes = ctx.notes ?? [];

  // The report and summary.json leave the analyst's hands: no count of 1-4, and none that would
  // give one back (protect.ts). The terminal and `outputs.summary` keep the exact figures.
  const table = protectLabFigures(summary, files);
  const shownProblems = evaluationProblems(summary, files, table);
  await writeFile(summaryJson, `${JSON.stringify({
    generatedAt: ctx.now.toISOString(), registerGiven: ctx.registerGiven, problems: shownProblems, notes, files: shownFiles(files, table), ignored,
    ...shareableSummary(summary, table),
  }, null, 2)}\n`);
  const report = join(ctx.outDir, 'report.html');
  // the analyst's own: exact figures, as the terminal has them, in files named apart
  const own = ctx.ownReport ? { report: join(ctx.outDir, OWN_REPORT), summaryJson: join(ctx.outDir, OWN_SUMMARY) } : null;
  // one left by an earlier run into this folder would outlive the switch, small counts and all
  if (!own) await Promise.all([OWN_REPORT, OWN_SUMMARY].map((f) => rm(join(ctx.outDir, f), { force: true })));
  if (own) {
    await writeFile(own.summaryJson, `${JSON.stringify({
      generatedAt: ctx.now.toISOString(), notForSharing: true, registerGiven: ctx.registerGiven, problems, notes, files, ignored,
      ...shareableSummary(summary, showEverything(), true),
    }, null, 2)}\n`);
    await writeFile(own.report, renderLabReport(summary, {
      files, ignored, generatedAt: ctx.now, mappingFile, registerGiven: ctx.registerGiven, problems, notes, noClinic: ctx.noClinic ?? false, own: true,
    }));
  }
  await writeFile(report, renderLabReport(summary, {
    files: files, ignored: ignored, generatedAt: ctx.now, mappingFile: mappingFile, registerGiven: ctx.registerGiven,
    problems: shownProblems, notes, noClinic: ctx.noClinic ?? false, table,
  }));

  // Lines longer than the reader takes (a CSV record over DuckDB's max_line_size, a FHIR line over
  // what memory_limit allows) are rejected: counted with the others, and their results lost
  // whatever the long part held. The reason names the limit; the line's text is not shown.
  const tooLong = maskIdentifiersDeep(await queryRows<{ source_file: string; source_line: bigint; reason: string }>(conn, `
    select source_file, source_line, reason from meta.rejects
    where run_id = ${sqlString(ctx.runId)} and source_line is not null
      and (reason like 'line size over maximum%' or reason like 'line is % longer than the % a line may be%')
    order by source_file, source_line`));
  // The other lines rejected while reading (fewer fields than the header, no record id, a time
  // or number not in the layout's format): the first few on the terminal with file, line and
  // why, so that "rejected: n" does not send the analyst to the files to find out.
  const held = `from meta.rejects
    where run_id = ${sqlString(ctx.runId)} and source_line is not null
      and not (reason like 'line size over maximum%' or reason like 'line is % longer than the % a line may be%')`;
  const [{ lines: heldLines }] = (await queryRows<{ lines: bigint }>(conn, `select count(distinct (source_file, source_line)) as lines ${held}`)) as [{ lines: bigint }];
  const heldBack = {
    lines: Number(heldLines),
    first: maskIdentifiersDeep(await queryRows<{ source_file: string; source_line: bigint; reason: string }>(conn, `
      select source_file, source_line, string_agg(case when column_name is null or starts_with(reason, column_name) or starts_with(reason, 'missing columns:')
        then reason else column_name || ': ' || reason end, '; ' order by column_name) as reason
      ${held} group by all order by source_file, source_line limit ${HELD_BACK_SHOWN}`)),
  };
  return { summary, files, ignored, problems, notes, summaryJson, report, own, tooLong, heldBack };
}

/**
 * lab.flagged_rows and its files (Parquet, CSV, JSON on request), every text masked: the flagged
 * rows' count and where they are.
 */
async function writeFlaggedRows(conn: DuckDBConnection, ctx: OutputContext): Promise<{ n: bigint; paths: { parquet: string; csv: string; json: string | null } }> {
  await conn.run(`create or replace table lab.flagged_rows as ${await model('flagged_rows')}`);
  const [{ n }] = (await queryRows<{ n: bigint }>(conn, 'select count(*) as n from lab.flagged_rows')) as [{ n: bigint }];
  const paths = {
    parquet: join(ctx.outDir, 'flagged-rows.parquet'),
    csv: join(ctx.outDir, 'flagged-rows.csv'),
    json: ctx.flaggedJson ? join(ctx.outDir, 'flagged-rows.json') : null,
  };
  // A flagged row quotes what was delivered (ids, codes, units, values): an identifier in any of
  // its text is masked in every file (cpr_mask), whatever column it came in.
  const columns = await queryRows<{ column_name: string; column_type: string }>(conn, 'describe lab.flagged_rows');
  // masked once, for every file written below
  await conn.run(`create or replace temp table lab_flagged_out as ${maskedRowsSql('lab.flagged_rows', columns)}`);
  // Parquet keeps the instants (timestamptz, UTC-adjusted): a reader converts them itself, and
  // DuckDB's read_parquet shows them in the reader's own zone with the offset written beside
  // (13:00 UTC as 14:00:00+01 in Copenhagen), so they cannot be taken for another time.
  // The local clock times a person compares with the export are in the CSV.
  await conn.run(`copy lab_flagged_out to ${sqlString(paths.parquet)} (format parquet, compression zstd)`);
  // CSV cells hold one value: the lists become ' | '-separated text; delivered text that a
  // spreadsheet would run as a formula is quoted, and text it would read as a number or a date
  // (a SOR code, a month) is written as ="…" (spreadsheetText, the report kit's CSV writer).
  const isList = (type: string) => type.endsWith('[]');
  const danish = ctx.danishCsv ?? false;
  const fraction = (type: string) => type === 'DOUBLE' || type === 'FLOAT' || type.startsWith('DECIMAL');
  const zone = sqlString(ctx.shownZone);
  const cells = [...columns.filter((c) => !isList(c.column_type)), ...columns.filter((c) => isList(c.column_type))]
    .map(({ column_name: name, column_type: type }) => {
      // Times as the clock read in the shown zone, to the second, with the zone in the header:
      // the delivered local times, comparable with the export. Each with its UTC offset: in the
      // hour repeated when clocks go back the clock reads alike twice, and without it the first
      // 02:40 looks later than the second 02:10.
      if (type === 'TIMESTAMP WITH TIME ZONE') {
        const local = `timezone(${zone}, ${sqlIdent(name)})`;
        const minutes = `((epoch_ms(${local}) - epoch_ms(${sqlIdent(name)})) // 60000)`;
        const offset = `case when ${minutes} < 0 then '-' else '+' end || lpad((abs(${minutes}) // 60)::varchar, 2, '0') || ':' || lpad((abs(${minutes}) % 60)::varchar, 2, '0')`;
        return `strftime(${local}, '%Y-%m-%d %H:%M:%S') || ${offset} as ${sqlIdent(`${name} (${ctx.shownZone})`)}`;
      }
      const value = isList(type) ? `array_to_string(${sqlIdent(name)}, ' | ')` : type === 'VARCHAR' ? sqlIdent(name) : null;
      // a computed number to 12 significant digits (8.6884, not the double's 8.688400000000001),
      // with the Danish style's decimal comma when asked
      if (value === null && fraction(type)) {
        const text = `printf('%.12g', ${sqlIdent(name)})`;
        return `${danish ? `replace(${text}, '.', ',')` : text} as ${sqlIdent(name)}`;
      }
      return value === null ? sqlIdent(name) : `${spreadsheetTextSql(value)} as ${sqlIdent(name)}`;
    });
  await conn.run(`copy (select ${cells.join(', ')} from lab_flagged_out) to ${sqlString(paths.csv)} (format csv, header true${danish ? ", delimiter ';'" : ''})`);
  // DuckDB writes no byte order mark; Danish Excel needs one to read UTF-8
  if (danish) await writeFile(paths.csv, Buffer.concat([Buffer.from('\uFEFF', 'utf8'), await readFile(paths.csv)]));
  if (paths.json) await conn.run(`copy lab_flagged_out to ${sqlString(paths.json)} (format json, array true)`);

  return { n, paths };
}

/**
 * The rows of `table` in their order, every text (VARCHAR and VARCHAR[] columns) through the CPR
 * detector's mask. The detector runs once, on every distinct text (DuckDB compiles its patterns at
 * every use, and flagged rows repeat their file, clinic, codes, units and reasons); the few texts
 * it changes are then replaced wherever they occur, through a map of them (NULL when there are
 * none: every text stays as it is).
 */
export function maskedRowsSql(table: string, columns: readonly { column_name: string; column_type: string }[]): string {
  const texts = columns.filter((c) => c.column_type === 'VARCHAR').map((c) => sqlIdent(c.column_name));
  // a NULL list would make the concatenation NULL and leave its row's texts out
  const lists = columns.filter((c) => c.column_type === 'VARCHAR[]').map((c) => `coalesce(${sqlIdent(c.column_name)}, []::varchar[])`);
  const everyText = [`[${texts.join(', ')}]::varchar[]`, ...lists].join(' || ');
  const masked = columns.map(({ column_name: name, column_type: type }) => {
    const col = sqlIdent(name);
    if (type === 'VARCHAR') return `coalesce(changed.m[${col}], ${col}) as ${col}`;
    if (type === 'VARCHAR[]') return `list_transform(${col}, lambda v: coalesce(changed.m[v], v)) as ${col}`;
    return col;
  });
  // The unchanged texts are left out by the aggregate's filter, not by a WHERE: DuckDB would push
  // that into the projection below and compile the detector's patterns once more for it.
  return `with changed as (
      select map(list(v) filter (where m is distinct from v), list(m) filter (where m is distinct from v)) as m from (
        select v, cpr_mask(v) as m from (select distinct unnest(${everyText}) as v from ${table})
      )
    )
    select ${masked.join(', ')} from ${table}, changed`;
}

function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Lines too long to read that the terminal names; flagged-rows.csv has every one. */
const TOO_LONG_SHOWN = 3;
/** The other rejected lines shown on the terminal. */
const HELD_BACK_SHOWN = 5;

/** Checks the terminal names under the verdict; the report lists every one. */
const TOP_PROBLEMS = 5;

/**
 * The checks with the most rows, under the verdict, each with the column its findings name and
 * the analysis most of them are in (of the report's panels): what an analyst would otherwise
 * open the report for. Exact counts, as every figure on the terminal.
 */
function topProblemLines(summary: LabSummary): string[] {
  const top = summary.checks.filter((c) => c.rows > 0).slice(0, TOP_PROBLEMS);
  if (!top.length) return [];
  const analysisOf = (checkId: string) => {
    const most = summary.panels.map((p) => ({ p, rows: p.checks.find((k) => k.checkId === checkId)?.rows ?? 0 }))
      .filter((x) => x.rows > 0).sort((a, b) => b.rows - a.rows)[0];
    return most ? `most in ${most.p.analysis}${most.p.name !== most.p.analysis ? ` ${most.p.name}` : ''}` : null;
  };
  const more = summary.checks.filter((c) => c.rows > 0).length - top.length;
  return [
    `biggest problems (rows flagged; ${more > 0 ? plural(more, 'more check') : 'every check'} in the report's "Findings by check"):`,
    ...top.map((c) => {
      const where = [c.severity, c.column ? `column ${c.column}` : null, analysisOf(c.checkId)].filter((x) => x !== null);
      return `  ${c.rows} ${c.checkId} (${where.join('; ')})${c.reason ? `: ${c.reason}` : ''}`;
    }),
  ];
}

/**
 * The terminal's lines on what a FHIR export held besides lab results: Observations set apart (by
 * reason), and resources of other types (a bulk export's Patients, an empty Bundle) by type.
 */
function setApartLines(setApart: LabSummary['setApart']): string[] {
  const other = (c: LabSummary['setApart'][number]) => c.reason === FHIR_OTHER_RESOURCE;
  // a delimited file's record, cancelled in its own words (statuses.ts)
  const record = (c: LabSummary['setApart'][number]) => c.reason.startsWith(CANCELLED_REASON);
  const total = (cs: LabSummary['setApart']) => cs.reduce((a, c) => a + c.rows, 0);
  const observations = setApart.filter((c) => !other(c) && !record(c));
  const records = setApart.filter(record);
  const bySpelling = new Map<string, number>();
  for (const c of records) {
    const said = c.reason.slice(CANCELLED_REASON.length).replace(/^ \((.*)\)$/, '$1');
    bySpelling.set(said, (bySpelling.get(said) ?? 0) + c.rows);
  }
  const byType = new Map<string, number>();
  for (const c of setApart.filter(other)) byType.set(c.code ?? '(no type)', (byType.get(c.code ?? '(no type)') ?? 0) + c.rows);
  return [
    ...(observations.length ? [`FHIR Observations set apart (no lab result, not counted): ${total(observations)} (${
      [...new Set(observations.map((c) => (c.reason === 'not laboratory' ? `category ${c.category}` : c.reason)))].join('; ')})`] : []),
    ...(byType.size ? [`FHIR resources other than Observation set apart (not counted): ${[...byType.values()].reduce((a, n) => a + n, 0)} (${
      [...byType].map(([type, n]) => `${type} ${n}`).join(', ')})`] : []),
    ...(records.length ? [`cancelled results set apart (no lab result, not counted): ${total(records)} (${
      [...bySpelling].map(([said, n]) => `${said} ${n}`).join(', ')})`] : []),
  ];
}

/** `n` and the noun, with an s where n is not 1: the terminal says "1 more check", "2 more checks". */
function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
